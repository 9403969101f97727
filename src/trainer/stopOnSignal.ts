// Ctrl-C (or SIGTERM) once: ask the work to stop at its next step (checkpoint, state
// `cancelled`). Ctrl-C again: exit at once (another SIGTERM does not). The CLI's commands
// that train share this.
//
// Started with an IPC channel (a sweep's child process, see runInChildren in
// sweep/runSweep.ts): the channel closing means the parent is gone, however it ended
// (SIGKILL included), and the work stops as on the first Ctrl-C. stderr is then a pipe
// nobody reads, so writing to it must not kill the process before it has checkpointed.
import { ProgressLine } from './progressLine';

/** Read while the program loads, before a closed channel could have been noticed (and dropped). */
const startedWithChannel = process.channel !== undefined;

export async function withStopOnSignal<T>(
  stopping: string,
  body: (signal: AbortSignal, onEvent: ProgressLine['handle']) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const progress = new ProgressLine();
  const withParent = startedWithChannel;
  let sigints = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signal === 'SIGINT') sigints++;
    if (controller.signal.aborted) {
      // A child quits at once on the second SIGINT its parent forwards (Ctrl-C twice there). A
      // scheduler's SIGTERM to every process of the job comes on top of the forwarded SIGINT:
      // that one must not cut the checkpoint short. Nor must a second SIGTERM: Slurm's to every
      // process of the job on top of the one the batch script forwards (slurm/arrayScript.ts).
      if (withParent ? sigints >= 2 : signal === 'SIGINT') process.exit(130);
      return;
    }
    process.stderr.write(`\n${stopping} (Ctrl-C again to quit now)\n`);
    controller.abort();
  };
  const onDisconnect = () => {
    if (controller.signal.aborted) return;
    process.stderr.write(`\nthe parent process is gone: ${stopping}\n`);
    controller.abort();
  };
  const ignore = () => {};
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (withParent) {
    // EPIPE once the parent, the reader of these pipes, is gone: nothing left to tell.
    process.stderr.on('error', ignore);
    process.stdout.on('error', ignore);
    process.on('disconnect', onDisconnect);
    // Gone before this was listening (it was still loading).
    if (!process.connected) onDisconnect();
  }
  try {
    return await body(controller.signal, (e) => progress.handle(e));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Not listening lets the channel go: it no longer keeps this process alive.
    if (withParent) process.off('disconnect', onDisconnect);
  }
}
