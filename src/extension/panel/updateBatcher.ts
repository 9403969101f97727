// Coalesces bursts of work into at most one flush per interval: steps can arrive hundreds
// of times a second, the panel needs ten updates a second at most.
export class UpdateBatcher {
  private timer: NodeJS.Timeout | undefined;
  private lastFlush = 0;
  private disposed = false;

  constructor(private readonly flush: () => void | Promise<void>, private readonly intervalMs = 100) {}

  /** Asks for a flush: now if the last one was long enough ago, else at the end of the interval. */
  request(): void {
    if (this.timer || this.disposed) return;
    const wait = Math.max(0, this.lastFlush + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastFlush = Date.now();
      void this.flush();
    }, wait);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
  }
}
