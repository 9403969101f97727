// Ctrl-C (or SIGTERM) once: ask the work to stop at its next step (checkpoint, state
// `cancelled`). Twice: exit at once. The CLI's commands that train share this.
import { ProgressLine } from './progressLine';

export async function withStopOnSignal<T>(
  stopping: string,
  body: (signal: AbortSignal, onEvent: ProgressLine['handle']) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const progress = new ProgressLine();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\n${stopping} (Ctrl-C again to quit now)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await body(controller.signal, (e) => progress.handle(e));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
