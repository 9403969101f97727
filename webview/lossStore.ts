// Every loss point the panel was sent, per run, in growable typed arrays, with the
// smoothed line kept up to date incrementally (a live run adds a few points at a time).
import type { LossPoints } from '../src/shared/panelMessages';
import { emaSmooth, type EmaState } from '../src/shared/smoothing';

export class RunLoss {
  length = 0;
  /** Bumped whenever points are taken back (a reset, a resumed run repeating steps): drawn tables must start over. */
  cuts = 0;
  step = new Float64Array(256);
  wallSec = new Float64Array(256);
  loss = new Float64Array(256);
  smoothed = new Float64Array(256);
  private smoothedUpTo = 0;
  private smoothedWeight = -1;
  private ema: EmaState = { last: 0, count: 0 };

  append(p: LossPoints): void {
    if (p.reset) this.truncate(0);
    if (p.step.length === 0) return;
    // A resumed run repeats the steps after its last checkpoint: the later record wins.
    const first = p.step[0]!;
    if (this.length > 0 && first <= this.step[this.length - 1]!) this.truncate(lowerBound(this.step, this.length, first));
    this.reserve(this.length + p.step.length);
    for (let i = 0; i < p.step.length; i++) {
      this.step[this.length] = p.step[i]!;
      this.wallSec[this.length] = p.wallSec[i]!;
      this.loss[this.length] = p.loss[i]!;
      this.length++;
    }
  }

  /** The smoothed loss for `weight`, computed only for points added since the last call. */
  smooth(weight: number): Float64Array {
    if (weight !== this.smoothedWeight) {
      this.smoothedWeight = weight;
      this.smoothedUpTo = 0;
      this.ema = { last: 0, count: 0 };
    }
    if (this.smoothedUpTo < this.length) {
      this.ema = emaSmooth(this.loss.subarray(0, this.length), weight, this.smoothed, this.smoothedUpTo, this.ema);
      this.smoothedUpTo = this.length;
    }
    return this.smoothed;
  }

  private truncate(n: number): void {
    if (n < this.length) this.cuts++;
    this.length = n;
    if (this.smoothedUpTo > n) {
      // EMA state cannot be rewound: recompute from the start next time.
      this.smoothedUpTo = 0;
      this.ema = { last: 0, count: 0 };
    }
  }

  private reserve(n: number): void {
    if (n <= this.step.length) return;
    let size = this.step.length;
    while (size < n) size *= 2;
    const grow = (a: Float64Array) => {
      const b = new Float64Array(size);
      b.set(a.subarray(0, this.length));
      return b;
    };
    this.step = grow(this.step);
    this.wallSec = grow(this.wallSec);
    this.loss = grow(this.loss);
    const s = new Float64Array(size);
    s.set(this.smoothed.subarray(0, this.smoothedUpTo));
    this.smoothed = s;
  }
}

export class LossStore {
  private readonly runs = new Map<string, RunLoss>();
  /** Bumped on every change: components compare it to know when to redraw. */
  version = 0;

  append(series: readonly LossPoints[]): void {
    for (const p of series) {
      let run = this.runs.get(p.runId);
      if (!run) this.runs.set(p.runId, (run = new RunLoss()));
      run.append(p);
    }
    this.version++;
  }

  get(runId: string): RunLoss | undefined {
    return this.runs.get(runId);
  }

  clear(): void {
    this.runs.clear();
    this.version++;
  }
}

function lowerBound(a: Float64Array, n: number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
