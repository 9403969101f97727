// Exponential moving average of the weights (the DDPM paper samples from it, decay 0.9999):
// ema <- d * ema + (1 - d) * w after every step, with d = min(decay, (1 + n) / (10 + n)) at step
// n (TensorFlow's ExponentialMovingAverage with num_updates): early on the average follows the
// weights closely, so a short run's average is not dragged back to its random initial weights.
// A full SimpleUnet holds the averages, so sampling from it is sampling from any model.
import * as tf from '@tensorflow/tfjs-core';
import { SimpleUnet } from '../model/simpleUnet';

export class WeightAverage {
  readonly model: SimpleUnet;

  constructor(private readonly source: SimpleUnet, readonly decay: number) {
    if (!(decay > 0 && decay < 1)) throw new Error(`EMA decay must be in (0, 1), got ${decay}`);
    this.model = SimpleUnet.create(source.config, 0);
    this.copyAll();
  }

  /** Starts the average at the source's current weights (a new run, or a resumed one without a saved average). */
  copyAll(): void {
    for (const [name, v] of this.source.weights) this.model.variable(name).assign(v);
    this.copyRunningStatistics();
  }

  /** The decay used after optimiser step `step` (1-based). */
  decayAt(step: number): number {
    return Math.min(this.decay, (1 + step) / (10 + step));
  }

  /** Folds in the weights after optimiser step `step` (1-based). */
  update(step: number): void {
    const d = this.decayAt(step);
    tf.tidy(() => {
      for (const [name, w] of this.source.weights) {
        const avg = this.model.variable(name);
        avg.assign(tf.add(tf.mul(avg, d), tf.mul(w, 1 - d)));
      }
    });
  }

  /** BatchNorm's running statistics are not averaged; eval-mode sampling takes the source's. */
  copyRunningStatistics(): void {
    for (const [name, v] of this.source.buffers) this.model.variable(name).assign(v);
    for (const [layer, n] of this.source.batchesTracked) this.model.batchesTracked.set(layer, n);
  }

  dispose(): void {
    this.model.dispose();
  }
}
