// The trainer as a child process (child_process.fork): takes TrainerCommand messages over
// IPC, answers with TrainerMessage events. Everything it is sent is checked before use.
import type { TrainerCommand, TrainerMessage } from '../shared/messages';
import { isRunId } from '../shared/runDirectory';
import { ConfigError, resolveRunConfig } from '../shared/runConfig';

function send(message: TrainerMessage): void {
  // Once the host is gone nobody is listening: the run directory says what happened. Without
  // the callback a send on the closed channel would be an uncaught error.
  if (process.connected) process.send?.(message, undefined, {}, () => {});
}

/** Returns the command, or an explanation of why the message is not one. */
export function parseTrainerCommand(raw: unknown): TrainerCommand | string {
  if (typeof raw !== 'object' || raw === null) return 'message is not an object';
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'stop':
      if (m.runId === undefined) return { type: 'stop' };
      return typeof m.runId === 'string' && isRunId(m.runId) ? { type: 'stop', runId: m.runId } : 'stop: runId must be a run id';
    case 'sweep': {
      if (typeof m.file !== 'string' || m.file.length === 0) return 'sweep: file must be a path';
      if (typeof m.outDir !== 'string' || m.outDir.length === 0) return 'sweep: outDir must be a path';
      const p = m.maxParallelRuns;
      if (p !== undefined && !(typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 64)) return 'sweep: maxParallelRuns must be an integer from 1 to 64';
      return { type: 'sweep', file: m.file, outDir: m.outDir, ...(p !== undefined ? { maxParallelRuns: p as number } : {}) };
    }
    case 'resume':
      return typeof m.runDir === 'string' && m.runDir.length > 0 ? { type: 'resume', runDir: m.runDir } : 'resume: runDir must be a path';
    case 'train': {
      if (typeof m.outDir !== 'string' || m.outDir.length === 0) return 'train: outDir must be a path';
      if (m.runId !== undefined && (typeof m.runId !== 'string' || !isRunId(m.runId))) return 'train: runId must be letters, digits, ".", "_" or "-"';
      if (typeof m.config !== 'object' || m.config === null) return 'train: config must be an object';
      try {
        const config = resolveRunConfig(m.config as Record<string, unknown>, 'train message');
        return { type: 'train', config, outDir: m.outDir, ...(typeof m.runId === 'string' ? { runId: m.runId } : {}) };
      } catch (err) {
        if (err instanceof ConfigError) return err.message;
        throw err;
      }
    }
    default:
      return `unknown message type ${JSON.stringify(m.type)}`;
  }
}

async function serve(): Promise<void> {
  const { trainNewRun, resumeRun } = await import('./training/trainRun');
  const { startHostSweep } = await import('./hostSweep');
  let busy = false;
  let controller = new AbortController();
  let sweep: import('./hostSweep').HostSweep | null = null;
  const onEvent = (event: import('../shared/messages').TrainerEvent) => send({ type: 'event', event });
  process.on('message', (raw) => {
    const command = parseTrainerCommand(raw);
    if (typeof command === 'string') {
      send({ type: 'fatal', message: `ignored a bad message from the host: ${command}` });
      return;
    }
    if (command.type === 'stop') {
      if (sweep) sweep.stop(command.runId);
      else controller.abort();
      return;
    }
    if (busy) {
      send({ type: 'fatal', message: 'a run is already in progress in this process' });
      return;
    }
    busy = true;
    if (command.type === 'sweep') {
      sweep = startHostSweep(command, send);
      sweep.done.catch((err: Error) => send({ type: 'fatal', message: err.message })).finally(() => {
        busy = false;
        sweep = null;
      });
      return;
    }
    controller = new AbortController();
    const run = command.type === 'train'
      ? trainNewRun(command.config, command.outDir, { signal: controller.signal, onEvent }, command.runId)
      : resumeRun(command.runDir, { signal: controller.signal, onEvent });
    run.catch((err: Error) => send({ type: 'fatal', message: err.message })).finally(() => {
      busy = false;
    });
  });
  const stopAll = () => {
    controller.abort();
    sweep?.stop();
  };
  // The host gone (however it ended): stop as on Stop, checkpoint, end the run cancelled. Its
  // pipes have no reader then, so a write to them (EPIPE) must not end this process first.
  process.on('disconnect', stopAll);
  process.on('SIGTERM', stopAll);
  const ignoreBrokenPipe = () => {};
  process.stdout.on('error', ignoreBrokenPipe);
  process.stderr.on('error', ignoreBrokenPipe);
}

if (require.main === module && process.send) {
  void serve();
}
