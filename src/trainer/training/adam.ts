// Adam with torch.optim.Adam's arithmetic (no weight decay, no amsgrad):
//   m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2
//   p <- p - (lr / (1 - b1^k)) * m / (sqrt(v) / sqrt(1 - b2^k) + eps)
// Note eps is added after the bias correction of v, as torch does (not as the paper).

import * as tf from '@tensorflow/tfjs-core';
import { heapAdamBackend, heapAdamStep } from '../backend/wasm/heapAdam';

export interface AdamOptions {
  /** Learning rate; 1e-4 in the reference notebook. */
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** Optimiser state for a checkpoint: moments in the tfjs layout of each parameter. */
export interface AdamState {
  /** Steps taken so far (torch's state['step']). */
  step: number;
  moments: Record<string, { shape: number[]; firstMoment: Float32Array; secondMoment: Float32Array }>;
}

interface Slot {
  readonly param: tf.Variable;
  readonly m: tf.Variable;
  readonly v: tf.Variable;
}

export class Adam {
  /** Mutable so a schedule (warmup) can set it before each step. */
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private stepCount = 0;
  private readonly slots = new Map<string, Slot>();

  /** `params`: the variables to update, by a stable name (the state_dict name). */
  constructor(params: ReadonlyMap<string, tf.Variable>, opts: AdamOptions = {}) {
    this.lr = opts.lr ?? 1e-4;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    if (!(this.lr >= 0)) throw new Error(`Adam: learning rate must be >= 0, got ${this.lr}`);
    for (const [name, b] of [['beta1', this.beta1], ['beta2', this.beta2]] as const) {
      if (!(b >= 0 && b < 1)) throw new Error(`Adam: ${name} must be in [0, 1), got ${b}`);
    }
    for (const [name, param] of params) {
      // tf.variable shares its initial tensor's data; dispose the initial tensor so that
      // nothing but the variable holds it (a sweep makes many optimisers in one process).
      const zeros = () => tf.tidy(() => tf.variable(tf.zerosLike(param), false));
      this.slots.set(name, { param, m: zeros(), v: zeros() });
    }
  }

  get step(): number {
    return this.stepCount;
  }

  /** One step with gradients by parameter name; every parameter needs one. The caller keeps ownership of `grads`. */
  applyGradients(grads: ReadonlyMap<string, tf.Tensor>): void {
    for (const name of this.slots.keys()) {
      if (!grads.has(name)) throw new Error(`Adam: no gradient for "${name}"`);
    }
    for (const name of grads.keys()) {
      if (!this.slots.has(name)) throw new Error(`Adam: gradient for unknown parameter "${name}"`);
    }
    this.stepCount++;
    const k = this.stepCount;
    const stepSize = this.lr / (1 - this.beta1 ** k);
    const bias2Sqrt = Math.sqrt(1 - this.beta2 ** k);
    const heap = heapAdamBackend();
    if (heap !== undefined) {
      // wasm: one pass per parameter instead of ~9 kernel calls (backend/wasm/heapAdam.ts).
      const coefficients = { beta1: this.beta1, beta2: this.beta2, eps: this.eps, stepSize, bias2Sqrt };
      for (const [name, { param, m, v }] of this.slots) {
        const next = heapAdamStep(heap, param, m, v, grads.get(name)!, coefficients);
        param.assign(next.param);
        next.param.dispose();
        for (const [slot, fresh] of [[m, next.m], [v, next.v]] as const) {
          if (fresh === undefined) continue;
          slot.assign(fresh);
          fresh.dispose();
        }
      }
      return;
    }
    tf.tidy(() => {
      for (const [name, { param, m, v }] of this.slots) {
        const g = grads.get(name)!;
        const m1 = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const v1 = tf.add(tf.mul(v, this.beta2), tf.mul(tf.mul(g, g), 1 - this.beta2));
        const denom = tf.add(tf.div(tf.sqrt(v1), bias2Sqrt), this.eps);
        param.assign(tf.sub(param, tf.mul(tf.div(m1, denom), stepSize)));
        m.assign(m1);
        v.assign(v1);
      }
    });
  }

  async getState(): Promise<AdamState> {
    const moments: AdamState['moments'] = {};
    for (const [name, { m, v }] of this.slots) {
      const [first, second] = await Promise.all([m.data(), v.data()]);
      moments[name] = {
        shape: [...m.shape],
        firstMoment: (first as Float32Array).slice(),
        secondMoment: (second as Float32Array).slice(),
      };
    }
    return { step: this.stepCount, moments };
  }

  /** Restores a getState() snapshot; it must name exactly this optimiser's parameters, with their shapes. */
  setState(state: AdamState): void {
    if (!(Number.isInteger(state.step) && state.step >= 0)) throw new Error(`Adam state: bad step ${state.step}`);
    const problems: string[] = [];
    for (const name of this.slots.keys()) if (!state.moments[name]) problems.push(`missing moments for "${name}"`);
    for (const [name, s] of Object.entries(state.moments)) {
      const slot = this.slots.get(name);
      if (!slot) {
        problems.push(`unexpected parameter "${name}"`);
        continue;
      }
      const n = slot.param.size;
      const same = s.shape.length === slot.param.shape.length && s.shape.every((d, i) => d === slot.param.shape[i]);
      if (!same || s.firstMoment.length !== n || s.secondMoment.length !== n) {
        problems.push(`"${name}": state shape [${s.shape.join(', ')}] with ${s.firstMoment.length}/${s.secondMoment.length} values, parameter shape [${slot.param.shape.join(', ')}]`);
      }
    }
    if (problems.length > 0) throw new Error(`cannot restore Adam state:\n  ${problems.join('\n  ')}`);
    for (const [name, { m, v }] of this.slots) {
      const s = state.moments[name]!;
      const mt = tf.tensor(s.firstMoment, m.shape, 'float32');
      const vt = tf.tensor(s.secondMoment, v.shape, 'float32');
      m.assign(mt);
      v.assign(vt);
      mt.dispose();
      vt.dispose();
    }
    this.stepCount = state.step;
  }

  dispose(): void {
    for (const { m, v } of this.slots.values()) {
      m.dispose();
      v.dispose();
    }
    this.slots.clear();
  }
}
