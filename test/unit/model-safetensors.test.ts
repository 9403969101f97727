import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeSafetensors,
  encodeSafetensors,
  float16ToFloat32,
  toFloat32,
  type SafeTensor,
} from '../../src/trainer/model/safetensors';

/** A file assembled by hand from the format's description, independent of the encoder. */
function handMade(header: object, data: number[]): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

test('encode/decode round-trips every dtype, shape and the metadata', () => {
  const tensors = new Map<string, SafeTensor>([
    ['w', { dtype: 'F32', shape: [2, 3], data: Float32Array.of(1.5, -2, 3.25, 0, -0, 1e-30) }],
    ['count', { dtype: 'I64', shape: [], data: BigInt64Array.of(9007199254740993n) }],
    ['d', { dtype: 'F64', shape: [2], data: Float64Array.of(Math.PI, -1e300) }],
    ['i', { dtype: 'I32', shape: [1, 1, 2], data: Int32Array.of(-7, 2 ** 31 - 1) }],
    ['empty', { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) }],
    ['bytes', { dtype: 'U8', shape: [3], data: Uint8Array.of(0, 128, 255) }],
  ]);
  const bytes = encodeSafetensors(tensors, { format: 'pt', note: 'ü' });
  const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(headerLength % 8, 0, 'data section 8-byte aligned');
  assert.equal(bytes[8], '{'.charCodeAt(0));
  const decoded = decodeSafetensors(bytes);
  assert.deepEqual(decoded.metadata, { format: 'pt', note: 'ü' });
  assert.deepEqual([...decoded.tensors.keys()], [...tensors.keys()]);
  for (const [name, t] of tensors) {
    const d = decoded.tensors.get(name)!;
    assert.equal(d.dtype, t.dtype, name);
    assert.deepEqual(d.shape, t.shape, name);
    assert.deepEqual(d.data, t.data, name);
  }
});

test('reads a hand-made file: little-endian F32 and I64, F16 and BF16 converted', () => {
  const f32 = [0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x20, 0xc1]; // 1.5, -10
  const i64 = [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]; // -2
  const f16 = [0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00]; // 1, -2, 65504, 2^-24
  const bf16 = [0xc0, 0x3f, 0x20, 0xbe]; // 1.5, -0.15625
  const file = handMade({
    __metadata__: { format: 'pt' },
    a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    n: { dtype: 'I64', shape: [], data_offsets: [8, 16] },
    h: { dtype: 'F16', shape: [2, 2], data_offsets: [16, 24] },
    b: { dtype: 'BF16', shape: [2], data_offsets: [24, 28] },
  }, [...f32, ...i64, ...f16, ...bf16]);
  const { tensors } = decodeSafetensors(file);
  assert.deepEqual(Array.from(tensors.get('a')!.data as Float32Array), [1.5, -10]);
  assert.equal((tensors.get('n')!.data as BigInt64Array)[0], -2n);
  assert.deepEqual(tensors.get('n')!.shape, []);
  assert.deepEqual(Array.from(toFloat32(tensors.get('h')!)), [1, -2, 65504, 2 ** -24]);
  assert.deepEqual(Array.from(toFloat32(tensors.get('b')!)), [1.5, -0.15625]);
  assert.deepEqual(Array.from(toFloat32(tensors.get('n')!)), [-2]);
});

test('half-precision specials', () => {
  assert.equal(float16ToFloat32(0x7c00), Infinity);
  assert.equal(float16ToFloat32(0xfc00), -Infinity);
  assert.ok(Number.isNaN(float16ToFloat32(0x7e00)));
  assert.ok(Object.is(float16ToFloat32(0x8000), -0));
  assert.equal(float16ToFloat32(0x3555), 0.333251953125);
});

test('a Node Buffer with an odd byteOffset decodes (data copied, not viewed)', () => {
  const bytes = encodeSafetensors({ x: { dtype: 'F32', shape: [3], data: Float32Array.of(1, 2, 3) } });
  const pool = Buffer.alloc(bytes.length + 3);
  pool.set(bytes, 3);
  const { tensors } = decodeSafetensors(pool.subarray(3));
  assert.deepEqual(Array.from(tensors.get('x')!.data as Float32Array), [1, 2, 3]);
});

test('malformed files fail with a message that says what is wrong', () => {
  assert.throws(() => decodeSafetensors(new Uint8Array(4)), /at least 8/);
  const tooLong = new Uint8Array(16);
  new DataView(tooLong.buffer).setBigUint64(0, 100n, true);
  assert.throws(() => decodeSafetensors(tooLong), /header length 100 exceeds/);
  assert.throws(() => decodeSafetensors(handMade({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, [0, 0, 0, 0])), /outside the 4-byte data section/);
  assert.throws(() => decodeSafetensors(handMade({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Array(8).fill(0))), /8 bytes for F32 shape \[3\], expected 12/);
  assert.throws(() => decodeSafetensors(handMade({ a: { dtype: 'Q8', shape: [1], data_offsets: [0, 1] } }, [0])), /unsupported dtype "Q8"/);
  assert.throws(() => decodeSafetensors(handMade({
    a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
  }, new Array(8).fill(0))), /"a" and "b" overlap/);
  const notJson = handMade({}, []);
  notJson[8] = 0x5b; // '['
  assert.throws(() => decodeSafetensors(notJson), /header/);
  assert.throws(() => encodeSafetensors({ a: { dtype: 'I64', shape: [1], data: Float32Array.of(1) } }), /does not hold I64/);
  assert.throws(() => encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: Float32Array.of(1) } }), /1 values for shape \[2\]/);
});
