// Writes a run's annotations.json (display name, star, labels), for the extension's commands,
// the panel and `diffusion-lab label`: read, edit, replace atomically. A file edited into
// nonsense is not overwritten: what the person typed there is theirs to fix or delete.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from './atomicFile';
import { applyAnnotationEdit, type RunAnnotationEdit, type RunAnnotations } from './runAnnotations';
import { ConfigError } from './runConfig';
import { RUN_FILES } from './runDirectory';
import { readRunAnnotations } from './runReading/runFiles';

/** The annotations after the edit, written to `<dir>/annotations.json`. */
export async function annotateRun(dir: string, edit: RunAnnotationEdit): Promise<RunAnnotations> {
  await assertRunDirectory(dir);
  const current = await readRunAnnotations(dir);
  if (current.problem) throw new ConfigError(`${current.problem.replace(/; ignored$/, '')}: fix or delete it, then try again`);
  let next: RunAnnotations;
  try {
    next = applyAnnotationEdit(current.annotations, edit);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  await writeJsonAtomic(path.join(dir, RUN_FILES.annotations), next);
  return next;
}

/** A run directory has a status.json or a config.json; anything else (a typo, the runs/ folder) is refused by name. */
export async function assertRunDirectory(dir: string): Promise<void> {
  const marks = await Promise.all([RUN_FILES.status, RUN_FILES.config].map((f) => fs.access(path.join(dir, f)).then(() => true, () => false))); // absent or unreadable alike: not a run's marker
  if (!marks.some(Boolean)) throw new ConfigError(`${dir}: not a run directory (it has no ${RUN_FILES.status} or ${RUN_FILES.config})`);
}
