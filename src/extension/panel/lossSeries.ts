// Turns step records into the panel's loss points, with training wall time added up over
// the sessions of a resumed run (each session's wallMs starts again at 0). Keeps every
// point so that a webview that reloaded can be sent the whole series again.
import type { LossPoints } from '../../shared/panelMessages';
import type { MetricRecord } from '../../shared/runDirectory';

export class LossSeries {
  private sessionStartMs = 0;
  private lastWallMs = 0;
  private readonly step: number[] = [];
  private readonly wallSec: number[] = [];
  private readonly loss: number[] = [];
  private sent = 0;
  private resetPending = true;

  constructor(readonly runId: string) {}

  get length(): number {
    return this.step.length;
  }

  /** Takes records in file order; `reset` drops everything taken before. */
  add(records: readonly MetricRecord[], reset: boolean): void {
    if (reset) {
      this.sessionStartMs = 0;
      this.lastWallMs = 0;
      this.step.length = this.wallSec.length = this.loss.length = 0;
      this.resend();
    }
    for (const r of records) {
      const wallMs = (r as { wallMs?: unknown }).wallMs;
      if (typeof wallMs === 'number' && Number.isFinite(wallMs)) {
        if (wallMs < this.lastWallMs) this.sessionStartMs += this.lastWallMs;
        this.lastWallMs = wallMs;
      }
      if (r.kind !== 'step' || !Number.isFinite(r.step) || !Number.isFinite(r.loss)) continue;
      this.step.push(r.step);
      this.loss.push(r.loss);
      this.wallSec.push(Math.round(this.sessionStartMs + this.lastWallMs) / 1000);
    }
  }

  /** The points not yet sent, or undefined when there are none (and no reset to tell). */
  take(): LossPoints | undefined {
    if (this.sent === this.step.length && !this.resetPending) return undefined;
    const from = this.sent;
    const out: LossPoints = {
      runId: this.runId, reset: this.resetPending,
      step: this.step.slice(from), wallSec: this.wallSec.slice(from), loss: this.loss.slice(from),
    };
    this.sent = this.step.length;
    this.resetPending = false;
    return out;
  }

  /** The next take() sends the whole series (the webview started again). */
  resend(): void {
    this.sent = 0;
    this.resetPending = true;
  }
}
