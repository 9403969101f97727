// Turns step records into the panel's loss points, with the run's wall time over the
// sessions of a resumed run (ResumedWallClock, as the measures count it). Keeps every
// point so that a webview that reloaded can be sent the whole series again.
import type { LossPoints } from '../../shared/panelMessages';
import type { MetricRecord } from '../../shared/runDirectory';
import { ResumedWallClock } from '../../shared/runReading/wallClock';

export class LossSeries {
  private clock = new ResumedWallClock();
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
      this.clock = new ResumedWallClock();
      this.step.length = this.wallSec.length = this.loss.length = 0;
      this.resend();
    }
    for (const r of records) {
      const runMs = this.clock.add((r as { wallMs?: unknown }).wallMs);
      if (r.kind !== 'step' || !Number.isFinite(r.step) || !Number.isFinite(r.loss)) continue;
      this.step.push(r.step);
      this.loss.push(r.loss);
      this.wallSec.push(Math.round(runMs) / 1000);
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
