// One trainer child process: forked with a Node (the configured one, or the editor's own
// with ELECTRON_RUN_AS_NODE), spoken to with TrainerCommands, heard through validated
// TrainerMessages. Knows nothing of VS Code, so it is tested in plain Node.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { TrainerCommand, TrainerMessage } from '../shared/messages';
import { parseTrainerMessage } from '../shared/parseTrainerMessage';

export interface TrainerLaunch {
  /** dist/trainer.js */
  script: string;
  /** A node binary; empty or absent: this process's own executable as Node. */
  nodePath?: string;
  cwd: string;
  env?: Record<string, string>;
}

export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stop() was called before the exit. */
  stopRequested: boolean;
  /** The process did not stop within the timeout and was killed. */
  forced: boolean;
  /** The last lines the trainer wrote to stderr: what a crash left behind. */
  stderrTail: string[];
  /** The process could not be started at all (e.g. nodePath does not exist). */
  startError?: string;
}

export interface TrainerHandlers {
  onMessage?(message: TrainerMessage): void;
  /** Something arrived on IPC that is not a TrainerMessage; it was dropped. */
  onBadMessage?(reason: string): void;
  /** stdout and stderr, line by line. */
  onOutput?(line: string, stream: 'stdout' | 'stderr'): void;
}

const STDERR_TAIL_LINES = 12;

export class TrainerProcess {
  readonly exited: Promise<TrainerExit>;
  private readonly child: ChildProcess;
  private readonly stderrTail: string[] = [];
  private stopRequested = false;
  private forced = false;
  private killTimer: NodeJS.Timeout | undefined;

  /** Throws when the configured Node does not exist: a clear message instead of ENOENT later. */
  constructor(launch: TrainerLaunch, handlers: TrainerHandlers = {}) {
    if (launch.nodePath && !existsSync(launch.nodePath)) {
      throw new Error(`the Node set in diffusion.nodePath does not exist: ${launch.nodePath}`);
    }
    if (!existsSync(launch.script)) throw new Error(`the trainer is not built: ${launch.script} is missing (npm run build)`);
    this.child = fork(launch.script, [], {
      cwd: launch.cwd,
      execPath: launch.nodePath || process.execPath,
      // Not this process's flags: the extension host's (or a test runner's) are not the trainer's.
      execArgv: [],
      // The editor's own executable is Electron: this makes it behave as plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', ...launch.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => handlers.onOutput?.(line, 'stdout'));
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
      handlers.onOutput?.(line, 'stderr');
    });
    this.child.on('message', (raw) => {
      const message = parseTrainerMessage(raw);
      if (typeof message === 'string') handlers.onBadMessage?.(message);
      else handlers.onMessage?.(message);
    });
    this.exited = new Promise((resolve) => {
      let startError: string | undefined;
      this.child.on('error', (err) => {
        // 'error' without 'exit' means it never started; after a start, exit follows.
        if (this.child.pid === undefined) startError = err.message;
        if (startError) resolve(this.exitInfo(null, null, startError));
      });
      // stderr is read to its end first, so the tail holds the last words; not 'close', which
      // never comes when a grandchild still holds the pipes.
      const stderrEnded = new Promise<void>((r) => this.child.stderr!.once('close', r));
      this.child.on('exit', (code, signal) => {
        clearTimeout(this.killTimer);
        const settle = () => resolve(this.exitInfo(code, signal, startError));
        void Promise.race([stderrEnded, new Promise((r) => setTimeout(r, 500))]).then(settle);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined;
  }

  send(command: TrainerCommand): boolean {
    if (!this.child.connected) return false;
    this.child.send(command);
    return true;
  }

  /**
   * Asks the trainer to stop (it checkpoints and marks the run cancelled). For the whole
   * process (no runId) it is killed when it has not exited after timeoutMs.
   */
  stop(timeoutMs: number, runId?: string): void {
    if (runId !== undefined) {
      this.send({ type: 'stop', runId });
      return;
    }
    this.stopRequested = true;
    if (!this.send({ type: 'stop' })) this.child.kill('SIGTERM');
    clearTimeout(this.killTimer);
    this.killTimer = setTimeout(() => {
      if (!this.running) return;
      this.forced = true;
      this.child.kill('SIGKILL');
    }, timeoutMs);
    this.killTimer.unref?.();
  }

  /** Done with it: closing IPC lets an idle trainer exit by itself; killed if it has not after timeoutMs. */
  release(timeoutMs: number): void {
    if (this.child.connected) this.child.disconnect();
    clearTimeout(this.killTimer);
    this.killTimer = setTimeout(() => {
      if (this.running) this.child.kill('SIGKILL');
    }, timeoutMs);
    this.killTimer.unref?.();
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  private exitInfo(code: number | null, signal: NodeJS.Signals | null, startError?: string): TrainerExit {
    return {
      code, signal, stopRequested: this.stopRequested, forced: this.forced, stderrTail: [...this.stderrTail],
      ...(startError ? { startError } : {}),
    };
  }
}
