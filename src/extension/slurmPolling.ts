// While a Slurm sweep has runs queued or running, the Experiments tree also reads the disk on
// a timer. Its file watcher may hear nothing of files written on other nodes (NFS, and over
// Remote-SSH a login node's watcher), so a task that starts or ends could otherwise go unseen.
// The timer exists only while something is pending. No VS Code import.
import type { Experiments } from './experimentsModel';
import { hasPendingSlurmRuns } from './slurmRuns';

export const SLURM_POLL_MS = 5_000;

/** What the polling needs of the tree: each reload's result, and a way to ask for the next. */
export interface PolledTree {
  onDidLoad(listener: (x: Experiments) => void): { dispose(): void };
  scheduleRefresh(): void;
}

export class SlurmPolling {
  private timer: NodeJS.Timeout | undefined;
  private readonly subscription: { dispose(): void };

  constructor(private readonly tree: PolledTree, private readonly intervalMs = SLURM_POLL_MS) {
    this.subscription = tree.onDidLoad((x) => this.follow(x));
  }

  /** True while the timer runs. */
  get polling(): boolean {
    return this.timer !== undefined;
  }

  private follow(x: Experiments): void {
    if (hasPendingSlurmRuns(x)) {
      this.timer ??= setInterval(() => this.tree.scheduleRefresh(), this.intervalMs);
    } else {
      this.stopTimer();
    }
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.stopTimer();
    this.subscription.dispose();
  }
}
