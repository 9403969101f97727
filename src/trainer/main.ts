// The trainer as a child process (child_process.fork): takes TrainerCommand messages over
// IPC, answers with TrainerMessage events. Everything it is sent is checked before use.
import type { TrainerCommand, TrainerMessage } from '../shared/messages';
import { ConfigError, resolveRunConfig } from '../shared/runConfig';

function send(message: TrainerMessage): void {
  process.send?.(message);
}

/** Returns the command, or an explanation of why the message is not one. */
export function parseTrainerCommand(raw: unknown): TrainerCommand | string {
  if (typeof raw !== 'object' || raw === null) return 'message is not an object';
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'stop':
      return { type: 'stop' };
    case 'resume':
      return typeof m.runDir === 'string' && m.runDir.length > 0 ? { type: 'resume', runDir: m.runDir } : 'resume: runDir must be a path';
    case 'train': {
      if (typeof m.outDir !== 'string' || m.outDir.length === 0) return 'train: outDir must be a path';
      if (m.runId !== undefined && (typeof m.runId !== 'string' || !/^[\w.-]+$/.test(m.runId))) return 'train: runId must be letters, digits, ".", "_" or "-"';
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
  let busy = false;
  let controller = new AbortController();
  const onEvent = (event: import('../shared/messages').TrainerEvent) => send({ type: 'event', event });
  process.on('message', (raw) => {
    const command = parseTrainerCommand(raw);
    if (typeof command === 'string') {
      send({ type: 'fatal', message: `ignored a bad message from the host: ${command}` });
      return;
    }
    if (command.type === 'stop') {
      controller.abort();
      return;
    }
    if (busy) {
      send({ type: 'fatal', message: 'a run is already in progress in this process' });
      return;
    }
    busy = true;
    controller = new AbortController();
    const run = command.type === 'train'
      ? trainNewRun(command.config, command.outDir, { signal: controller.signal, onEvent }, command.runId)
      : resumeRun(command.runDir, { signal: controller.signal, onEvent });
    run.catch((err: Error) => send({ type: 'fatal', message: err.message })).finally(() => {
      busy = false;
    });
  });
  process.on('disconnect', () => controller.abort());
  process.on('SIGTERM', () => controller.abort());
}

if (require.main === module && process.send) {
  void serve();
}
