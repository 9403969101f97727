// The CLI's progress display on stderr: one line redrawn in place on a terminal,
// a plain line every few seconds otherwise (logs, CI).
import { formatDuration } from '../shared/formatting';
import type { TrainerEvent } from '../shared/messages';

export function progressBar(done: number, total: number, width = 24): string {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(frac * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

export class ProgressLine {
  private lastPlain = 0;
  private drawn = false;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr, private readonly plainEveryMs = 5000) {}

  handle(e: TrainerEvent): void {
    switch (e.type) {
      case 'run-started':
        this.line(`run ${e.runId}: backend ${e.backend}${e.gpu ? ` (${e.gpu})` : ''}, ${e.totalSteps} steps` +
          (e.resumedFromStep > 0 ? `, resuming at step ${e.resumedFromStep}` : ''));
        break;
      case 'phase':
        this.line(`${e.phase}${e.detail ? `: ${e.detail}` : ''}`);
        break;
      case 'step': {
        const text = `${progressBar(e.step, e.totalSteps)} step ${e.step}/${e.totalSteps} epoch ${e.epoch + 1} ` +
          `loss ${e.loss.toFixed(4)} ${e.imagesPerSec.toFixed(1)} img/s ETA ${formatDuration(e.etaMs)}`;
        this.redraw(text, e.step === e.totalSteps);
        break;
      }
      case 'data-progress': {
        const text = `${progressBar(e.done, e.total)} decoding ${e.done}/${e.total} images ${e.imagesPerSec.toFixed(0)}/s ` +
          `ETA ${formatDuration(e.etaMs)}${e.skipped ? `, ${e.skipped} skipped` : ''}`;
        this.redraw(text, e.done === e.total);
        break;
      }
      case 'epoch':
        this.line(`epoch ${e.epoch + 1}: mean loss ${e.meanLoss.toFixed(4)} in ${formatDuration(e.ms)}`);
        break;
      case 'image':
        this.line(`wrote ${e.kind} ${e.file}`);
        break;
      case 'run-ended':
        this.line(`run ${e.runId} ${e.state}${e.error ? `: ${e.error}` : ''}`);
        break;
    }
  }

  /** A progress line: in place on a terminal, else at most every few seconds (and the last one). */
  private redraw(text: string, last: boolean): void {
    if (this.out.isTTY) {
      this.out.write(`\r${text}\x1b[K`);
      this.drawn = true;
    } else if (last || Date.now() - this.lastPlain >= this.plainEveryMs) {
      this.lastPlain = Date.now();
      this.out.write(text + '\n');
    }
  }

  private line(text: string): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
    this.out.write(text + '\n');
  }
}
