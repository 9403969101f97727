// diffusion-lab: the trainer on the command line. Writes the same run directories as the
// extension. Progress goes to stderr; results (paths, JSON) to stdout.
import { parseArgs } from 'node:util';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { PRESET_CHANNELS, PRESETS, SCHEDULES, isOneOf } from '../shared/options';
import { ConfigError, DEFAULT_RUN_CONFIG, RunConfig, resolveRunConfig } from '../shared/runConfig';
import { CONFIG_FLAGS, configFromFlags, parseFlagValue, runFlagsHelp } from './cliArgs';
import { withStopOnSignal } from './stopOnSignal';
import { VERSION } from './version';
import { applyThreadsFlag, THREADS_HELP, THREADS_OPTION } from './threadsFlag';

const USAGE = `diffusion-lab ${VERSION}: train and sample DDPMs (TensorFlow.js)

Usage:
  diffusion-lab train [--config FILE.json] [flags] [--out DIR] [--cache DIR]
  diffusion-lab resume --run DIR [--backend NAME]
  diffusion-lab sample --run DIR [--count N] [--seed N]
  diffusion-lab import --weights FILE.safetensors [--timesteps N] [--img-size N] [--activation NAME] [run flags] [--out DIR]
  diffusion-lab export --run DIR --out FILE.safetensors [--weights raw|ema]
  diffusion-lab evaluate --run DIR [--dataset toy-cars|FOLDER] [--json]
  diffusion-lab info [--preset NAME | --channels LIST] [--img-size N] [--json]
  diffusion-lab schedule --timesteps N [--schedule NAME] [--json]
  diffusion-lab env
  diffusion-lab demo [--out DIR]
  diffusion-lab sweep FILE.sweep.json [--out DIR] [--dry-run] [--yes]   (sweep --help for more)
  diffusion-lab sweep FILE.sweep.json --scheduler slurm [--dry-run] [--partition P] [--time T] ...   (a Slurm job array)
  diffusion-lab status --sweep DIR [--json]   (every run's state, and its Slurm task's)
  diffusion-lab stop --sweep DIR              (scancel of the sweep's Slurm job)
  diffusion-lab report --sweep DIR [--format ipynb|md|csv] [--group-by FIELD,...|all]   (report --help for more)
  diffusion-lab label --run DIR [--name N] [--star|--unstar] [--add L] [--remove L]   (label --help for more)

Run flags (defaults reproduce the course notebook):
${runFlagsHelp()}
  --out DIR          where run directories go (default .diffusion)
  --cache DIR        where decoded image folders are cached (default OUT/cache)

import reads a PyTorch state_dict of the notebook's SimpleUnet (safetensors.torch.save_file(
model.state_dict(), FILE)), of any widths: widths and block design come from the file, every
tensor's name and shape is checked (the first that does not fit is named, nothing is written).
The rest is run flags (T, image size, activation, schedule... are not in a state_dict). It makes
a finished run directory OUT/runs/<id> and prints it: sample, evaluate and export take it.
export writes what SimpleUnet().load_state_dict(safetensors.torch.load_file(FILE)) accepts:
by default the weights the run samples from, its weight average when it keeps one (emaDecay > 0).
evaluate appends held-out loss, bits/dim and SWD of the checkpoint to metrics.jsonl; --dataset
(imported runs only) measures against other images.

train, resume, sample, import, evaluate, demo, info, env and sweep also take:
${THREADS_HELP}
`;

/** A mistake in how the command was called: print the message, exit 2. */
class UsageError extends Error {}

type Values = Record<string, string | boolean | undefined>;

/** Parses a command's flags; `threads` adds --threads and applies it. */
function parse(argv: string[], extra: Record<string, { type: 'string' | 'boolean' }>, threads = false): Values {
  const options: Record<string, { type: 'string' | 'boolean' }> = threads ? { ...extra, ...THREADS_OPTION } : { ...extra };
  let values: Values;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Values;
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!);
  }
  if (threads) applyThreadsFlag(values.threads);
  return values;
}

const STOPPING_RUN = 'stopping after this step (checkpoint, then exit)';

const runFlagOptions = Object.fromEntries(Object.keys(CONFIG_FLAGS).map((f) => [f, { type: 'string' as const }]));

async function checkWritable(outDir: string): Promise<void> {
  try {
    await fs.mkdir(outDir, { recursive: true });
    await fs.access(outDir, fs.constants.W_OK);
  } catch (err) {
    throw new UsageError(`--out ${outDir}: cannot write there (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

async function trainCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { ...runFlagOptions, config: { type: 'string' }, out: { type: 'string' }, cache: { type: 'string' } }, true);
  const source = typeof values.config === 'string' ? values.config : 'command line';
  const partial = configFromFlags(values);
  // Recorded in config.json: absolute, so resume and sample work from any folder.
  if (typeof partial.dataset === 'string' && partial.dataset !== 'toy-cars') partial.dataset = path.resolve(partial.dataset);
  const config = resolveRunConfig(partial, source);
  const outDir = path.resolve(String(values.out ?? '.diffusion'));
  await checkWritable(outDir);
  const cacheDir = typeof values.cache === 'string' ? path.resolve(values.cache) : undefined;
  await preflightBackend(config.backend);
  const { trainNewRun } = await import('./training/trainRun');
  return reportOutcome(await withStopOnSignal(STOPPING_RUN, (signal, onEvent) => trainNewRun(config, outDir, { signal, onEvent, ...(cacheDir ? { cacheDir } : {}) })));
}

/**
 * A backend asked for by name that cannot start is bad input (exit 2), found before a run
 * directory exists. `auto` always finds one; wasm and cpu start inside the run as ever.
 */
async function preflightBackend(request: RunConfig['backend']): Promise<void> {
  const { checkRequestedBackend } = await import('./backend/selectBackend');
  try {
    await checkRequestedBackend(request);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function resumeCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { run: { type: 'string' }, backend: { type: 'string' } }, true);
  if (typeof values.run !== 'string') throw new UsageError('resume needs --run DIR');
  // A checkpoint holds no backend: a run trained on one resumes on any other.
  const backend = values.backend === undefined ? undefined : resolveRunConfig({ backend: String(values.backend) } as Partial<RunConfig>, '--backend').backend;
  if (backend) await preflightBackend(backend);
  const { resumeRun } = await import('./training/trainRun');
  return reportOutcome(await withStopOnSignal(STOPPING_RUN, (signal, onEvent) =>
    resumeRun(path.resolve(values.run as string), { signal, onEvent, ...(backend ? { backend } : {}) })));
}

function reportOutcome(outcome: { runDir: string; state: string; error?: string }): number {
  process.stdout.write(outcome.runDir + '\n');
  if (outcome.state === 'done') return 0;
  process.stderr.write(`run ${outcome.state}${outcome.error ? `: ${outcome.error}` : ''}\n`);
  return outcome.state === 'cancelled' ? 130 : 1;
}

async function sampleCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { run: { type: 'string' }, count: { type: 'string' }, seed: { type: 'string' } }, true);
  if (typeof values.run !== 'string') throw new UsageError('sample needs --run DIR');
  const count = values.count === undefined ? undefined : (parseFlagValue('count', 'int', String(values.count)) as number);
  const seed = values.seed === undefined ? undefined : (parseFlagValue('seed', 'int', String(values.seed)) as number);
  if (count !== undefined && count <= 0) throw new UsageError(`--count must be positive, got ${count}`);
  const { sampleFromRun } = await import('./training/sampleFromRun');
  const file = await sampleFromRun(path.resolve(values.run), { count, seed, onProgress: (done, total) => {
    if (process.stderr.isTTY) process.stderr.write(`\rsampling step ${done}/${total}\x1b[K`);
  } });
  if (process.stderr.isTTY) process.stderr.write('\n');
  process.stdout.write(file + '\n');
  return 0;
}

async function importCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { ...runFlagOptions, weights: { type: 'string' }, out: { type: 'string' } }, true);
  if (typeof values.weights !== 'string') throw new UsageError('import needs --weights FILE.safetensors');
  const partial = configFromFlags(values);
  if (typeof partial.dataset === 'string' && partial.dataset !== 'toy-cars') partial.dataset = path.resolve(partial.dataset);
  const outDir = path.resolve(String(values.out ?? '.diffusion'));
  await checkWritable(outDir);
  const { importWeights } = await import('./weights/importWeights');
  const { describeModel } = await import('./weights/stateDictFit');
  const run = await importWeights(values.weights, partial as Partial<RunConfig>, outDir);
  process.stderr.write(`imported ${describeModel(run.model)}, T ${run.config.timesteps}, ${run.config.imgSize} px, ${run.config.activation}\n`);
  process.stdout.write(run.runDir + '\n');
  return 0;
}

async function exportCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { run: { type: 'string' }, out: { type: 'string' }, weights: { type: 'string' } });
  if (typeof values.run !== 'string') throw new UsageError('export needs --run DIR');
  if (typeof values.out !== 'string') throw new UsageError('export needs --out FILE.safetensors');
  const { exportWeights, EXPORTED_WEIGHTS } = await import('./weights/exportWeights');
  const weights = values.weights;
  if (weights !== undefined && !isOneOf(EXPORTED_WEIGHTS, weights)) throw new UsageError(`--weights: unknown "${String(weights)}" (valid: ${EXPORTED_WEIGHTS.join(', ')})`);
  const written = await exportWeights(path.resolve(values.run), values.out, weights);
  process.stderr.write(`exported the ${written.weights === 'ema' ? 'weight average' : 'trained weights'} at step ${written.step}\n`);
  process.stdout.write(written.file + '\n');
  return 0;
}

async function evaluateCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { run: { type: 'string' }, dataset: { type: 'string' }, json: { type: 'boolean' } }, true);
  if (typeof values.run !== 'string') throw new UsageError('evaluate needs --run DIR');
  const dataset = typeof values.dataset === 'string' && values.dataset !== 'toy-cars' ? path.resolve(values.dataset) : values.dataset as string | undefined;
  const { evaluateFromRun } = await import('./training/evaluateFromRun');
  const records = await evaluateFromRun(path.resolve(values.run), { ...(dataset ? { dataset } : {}), onPhase: (d) => process.stderr.write(`evaluate: ${d}\n`) });
  if (values.json) {
    process.stdout.write(JSON.stringify(records) + '\n');
    return 0;
  }
  for (const r of records) {
    if (r.kind !== 'eval') continue;
    if (r.metric === 'heldOutLoss') process.stdout.write(`held-out ${r.loss} loss  ${r.meanLoss.toFixed(4)} (mse ${r.meanMse.toFixed(4)})\n`);
    if (r.metric === 'bitsPerDim') process.stdout.write(`bits/dim              ${r.total.toFixed(3)}${r.exact ? '' : ` (${r.timesteps} of the T steps, +-${r.diffusionStdErr.toFixed(3)})`}\n`);
    if (r.metric === 'swd') process.stdout.write(`SWD x 1e3             ${r.average.toFixed(2)} (real vs real ${r.floorAverage.toFixed(2)})\n`);
  }
  return 0;
}

function channelsFrom(values: Values): number[] {
  if (typeof values.channels === 'string') return parseFlagValue('channels', 'channels', values.channels) as number[];
  const preset = values.preset ?? 'reference';
  if (!isOneOf(PRESETS, preset)) throw new ConfigError(`--preset: unknown preset "${String(preset)}" (valid: ${PRESETS.join(', ')})`);
  return [...PRESET_CHANNELS[preset]];
}

async function infoCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { preset: { type: 'string' }, channels: { type: 'string' }, 'img-size': { type: 'string' }, backend: { type: 'string' }, json: { type: 'boolean' } }, true);
  const channels = channelsFrom(values);
  const imgSize = values['img-size'] === undefined ? DEFAULT_RUN_CONFIG.imgSize : (parseFlagValue('img-size', 'int', String(values['img-size'])) as number);
  resolveRunConfig({ channels, imgSize }, 'command line');
  const { parameterCount } = await import('./model/parameters');
  const { forwardFlopsPerImage } = await import('./model/flops');
  const { selectBackend } = await import('./backend/selectBackend');
  const backend = await selectBackend((values.backend as RunConfig['backend'] | undefined) ?? 'auto');
  const info = {
    channels, imgSize, parameters: parameterCount(channels),
    forwardGflopPerImage: forwardFlopsPerImage(channels, imgSize) / 1e9,
    backend: backend.backend, ...(backend.gpu ? { gpu: backend.gpu } : {}),
  };
  if (values.json) {
    process.stdout.write(JSON.stringify(info, null, 2) + '\n');
  } else {
    process.stdout.write(`channels ${channels.join(',')} at ${imgSize} px\n` +
      `parameters       ${info.parameters.toLocaleString('en-US')}\n` +
      `forward GFLOP    ${info.forwardGflopPerImage.toFixed(3)} per image\n` +
      `backend          ${info.backend}${backend.gpu ? ` (${backend.gpu})` : ''}\n`);
  }
  return 0;
}

async function scheduleCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { timesteps: { type: 'string' }, schedule: { type: 'string' }, 'beta-start': { type: 'string' }, 'beta-end': { type: 'string' }, json: { type: 'boolean' } });
  const partial = configFromFlags(values);
  const config = resolveRunConfig(partial, 'command line');
  if (!isOneOf(SCHEDULES, config.schedule)) throw new ConfigError(`--schedule: unknown "${config.schedule}"`);
  const { makeNoiseSchedule } = await import('../shared/noiseSchedules');
  const s = makeNoiseSchedule(config.schedule, config.timesteps, config.betaStart, config.betaEnd);
  const arrays = {
    name: s.name, T: s.T, betas: [...s.betas], alphas: [...s.alphas], alphasCumprod: [...s.alphasCumprod],
    alphasCumprodPrev: [...s.alphasCumprodPrev], sqrtRecipAlphas: [...s.sqrtRecipAlphas], sqrtAlphasCumprod: [...s.sqrtAlphasCumprod],
    sqrtOneMinusAlphasCumprod: [...s.sqrtOneMinusAlphasCumprod], posteriorVariance: [...s.posteriorVariance], signalToNoise: [...s.signalToNoise],
  };
  if (values.json) {
    process.stdout.write(JSON.stringify(arrays) + '\n');
  } else {
    const last = s.T - 1;
    process.stdout.write(`${s.name} schedule, T = ${s.T}\n` +
      `beta                 ${s.betas[0]!.toExponential(3)} .. ${s.betas[last]!.toExponential(3)}\n` +
      `sqrt(alphaBar[T-1])  ${s.sqrtAlphasCumprod[last]!.toFixed(4)}  (signal left at the last step)\n` +
      `SNR                  ${s.signalToNoise[0]!.toExponential(3)} .. ${s.signalToNoise[last]!.toExponential(3)}\n` +
      `use --json for every array\n`);
  }
  return 0;
}

async function envCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { json: { type: 'boolean' } }, true);
  const { probeBackends, formatBackendReport } = await import('./backend/selectBackend');
  const probes = await probeBackends();
  process.stdout.write(values.json ? JSON.stringify(probes, null, 2) + '\n' : formatBackendReport(probes));
  return 0;
}

async function demoCommand(argv: string[]): Promise<number> {
  const values = parse(argv, { out: { type: 'string' } }, true);
  const outDir = path.resolve(String(values.out ?? '.diffusion'));
  await checkWritable(outDir);
  const { demoSweepFile, describeDemo } = await import('./demo');
  const file = demoSweepFile();
  process.stderr.write('demo: the notebook\'s recipe (faithful) and its fixes (improved) side by side, small U-Net, 16 px toy cars (about 4 minutes on 2 CPU cores)\n');
  const { sweepCommand } = await import('./sweep/sweepCommand');
  const code = await sweepCommand([file, '--out', outDir, ...(typeof values.threads === 'string' ? ['--threads', values.threads] : [])]);
  process.stderr.write(await describeDemo(file, outDir));
  return code;
}

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  train: trainCommand, resume: resumeCommand, sample: sampleCommand, info: infoCommand,
  schedule: scheduleCommand, env: envCommand, demo: demoCommand,
  import: importCommand, export: exportCommand, evaluate: evaluateCommand,
  sweep: async (argv) => (await import('./sweep/sweepCommand')).sweepCommand(argv),
  report: async (argv) => (await import('./report/reportCommand')).reportCommand(argv),
  label: async (argv) => (await import('./labelCommand')).labelCommand(argv),
  status: async (argv) => (await import('./sweep/slurm/statusCommand')).statusCommand(argv),
  stop: async (argv) => (await import('./sweep/slurm/stopCommand')).stopCommand(argv),
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  if (command === '--version') {
    process.stdout.write(VERSION + '\n');
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`diffusion-lab: unknown command "${command}" (valid: ${Object.keys(COMMANDS).join(', ')}); see diffusion-lab --help\n`);
    return 2;
  }
  try {
    return await run(rest);
  } catch (err) {
    const usage = err instanceof UsageError || err instanceof ConfigError;
    process.stderr.write(`diffusion-lab ${command}: ${(err as Error).message}\n`);
    return usage ? 2 : 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`diffusion-lab: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
