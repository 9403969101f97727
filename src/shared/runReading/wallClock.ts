// Wall time over every session of a run. Each session (a start, then each resume) writes
// wallMs from 0 again, so a record whose wallMs is below the one before it starts a new session.

export class ResumedWallClock {
  private finishedMs = 0;
  private sessionMs = 0;
  private seen = false;

  /** Takes a record's wallMs in file order and returns the run's wall time at that record. */
  add(wallMs: unknown): number {
    if (typeof wallMs === 'number' && Number.isFinite(wallMs)) {
      if (wallMs < this.sessionMs) this.finishedMs += this.sessionMs;
      this.sessionMs = wallMs;
      this.seen = true;
    }
    return this.totalMs;
  }

  get totalMs(): number {
    return this.finishedMs + this.sessionMs;
  }

  /** Whether any record carried a wall time. */
  get started(): boolean {
    return this.seen;
  }
}
