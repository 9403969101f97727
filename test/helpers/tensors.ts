// Test helpers: reading fixtures, NCHW <-> NHWC, closeness with a stated tolerance.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, type SafeTensor } from '../../src/trainer/model/safetensors';

export const FIXTURES = join(__dirname, '..', 'fixtures');

export function readSafetensorsFixture(name: string): Map<string, SafeTensor> {
  return decodeSafetensors(readFileSync(join(FIXTURES, name))).tensors;
}

export function readJsonFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
}

export function fixtureTensor(tensors: ReadonlyMap<string, SafeTensor>, name: string): SafeTensor {
  const t = tensors.get(name);
  if (!t) throw new Error(`fixture has no tensor "${name}"`);
  return t;
}

/** A torch NCHW float32 fixture tensor as an NHWC tfjs tensor. */
export function nhwcFromTorch(t: SafeTensor): tf.Tensor4D {
  const [n, c, h, w] = t.shape as [number, number, number, number];
  return tf.tidy(() => tf.transpose(tf.tensor4d(t.data as Float32Array, [n, c, h, w]), [0, 2, 3, 1]));
}

/** NHWC tfjs tensor -> row-major NCHW values, to compare with torch. */
export async function torchOrderValues(x: tf.Tensor4D): Promise<Float32Array> {
  const t = tf.transpose(x, [0, 3, 1, 2]);
  const values = (await t.data()) as Float32Array;
  t.dispose();
  return values;
}

/**
 * |actual - expected| <= rtol * (|expected| + mean|expected|) element-wise: relative to the
 * value, with the tensor's typical magnitude as the floor for values near zero.
 */
export function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length}, expected ${expected.length}`);
  let meanAbs = 0;
  for (let i = 0; i < expected.length; i++) meanAbs += Math.abs(expected[i]!);
  meanAbs /= Math.max(1, expected.length);
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!) / (Math.abs(expected[i]!) + meanAbs || 1);
    if (!(err <= worst)) {
      worst = err;
      worstAt = i;
    }
  }
  assert.ok(worst <= rtol, `${what}: element ${worstAt} is ${actual[worstAt]}, expected ${expected[worstAt]} (relative error ${worst.toExponential(2)} > ${rtol})`);
}

export function assertBitIdentical(actual: ArrayLike<number | bigint>, expected: ArrayLike<number | bigint>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}[${i}] = ${actual[i]}, expected ${expected[i]}`);
  }
}
