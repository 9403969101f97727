// `diffusion-lab label --run DIR`: a run's display name, star and labels (annotations.json), as
// the extension's Rename Run…, Star and Edit Labels… write them. Without an edit flag it shows
// them. The annotations go to stdout as JSON; a hand-edited file that is ignored, to stderr.
import { parseArgs } from 'node:util';
import * as path from 'node:path';
import { annotateRun, assertRunDirectory } from '../shared/annotateRun';
import { RUN_ANNOTATIONS_VERSION, splitLabels, type RunAnnotationEdit } from '../shared/runAnnotations';
import { ConfigError } from '../shared/runConfig';
import { readRunAnnotations } from '../shared/runReading/runFiles';

export const LABEL_USAGE = `diffusion-lab label --run DIR [--name NAME] [--star | --unstar] [--add LABEL]... [--remove LABEL]...
  --run DIR       a run directory, <out>/runs/<run-id>/
  --name NAME     the name shown instead of the generated one; --name "" goes back to it
  --star          star the run; --unstar removes the star
  --add LABEL     add a label (repeat the flag, or separate labels with commas)
  --remove LABEL  remove a label
Writes DIR/annotations.json and prints it; with no edit flag, prints it as it is.
`;

export async function labelCommand(argv: string[]): Promise<number> {
  let values: { run?: string; name?: string; star?: boolean; unstar?: boolean; add?: string[]; remove?: string[]; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv, strict: true, allowPositionals: false,
      options: {
        run: { type: 'string' }, name: { type: 'string' }, star: { type: 'boolean' }, unstar: { type: 'boolean' },
        add: { type: 'string', multiple: true }, remove: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new ConfigError(`${(err as Error).message.split('\n')[0]}\n${LABEL_USAGE}`);
  }
  if (values.help) {
    process.stdout.write(LABEL_USAGE);
    return 0;
  }
  if (values.run === undefined) throw new ConfigError(`needs --run DIR\n${LABEL_USAGE}`);
  if (values.star && values.unstar) throw new ConfigError('--star and --unstar: give one of them');
  const dir = path.resolve(values.run);
  const edit: RunAnnotationEdit = {};
  if (values.name !== undefined) edit.name = values.name === '' ? null : values.name;
  if (values.star) edit.starred = true;
  if (values.unstar) edit.starred = false;
  if (values.add) edit.addLabels = values.add.flatMap(splitLabels);
  if (values.remove) edit.removeLabels = values.remove.flatMap(splitLabels);
  if (Object.keys(edit).length === 0) {
    await assertRunDirectory(dir);
    const current = await readRunAnnotations(dir);
    if (current.problem) process.stderr.write(`label: warning: ${current.problem}\n`);
    process.stdout.write(JSON.stringify(current.annotations ?? { version: RUN_ANNOTATIONS_VERSION }) + '\n');
    return 0;
  }
  process.stdout.write(JSON.stringify(await annotateRun(dir, edit)) + '\n');
  return 0;
}
