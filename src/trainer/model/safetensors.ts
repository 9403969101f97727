// The safetensors file format (huggingface/safetensors):
//   8 bytes   little-endian u64 N, the header's length
//   N bytes   JSON: { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: {str: str} }
//             (offsets relative to the data section; padded with spaces)
//   rest      the tensors' bytes, little-endian, row-major, back to back

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export type SafetensorsData =
  | Float64Array
  | Float32Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  /** F16 and BF16 as raw bit patterns; toFloat32 converts them. */
  | Uint16Array;

export interface SafeTensor {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly data: SafetensorsData;
}

export interface SafetensorsFile {
  readonly tensors: Map<string, SafeTensor>;
  readonly metadata: Record<string, string>;
}

const BYTES: Record<SafetensorsDtype, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

function arrayFor(dtype: SafetensorsDtype, buffer: ArrayBuffer): SafetensorsData {
  switch (dtype) {
    case 'F64': return new Float64Array(buffer);
    case 'F32': return new Float32Array(buffer);
    case 'F16':
    case 'BF16': return new Uint16Array(buffer);
    case 'I64': return new BigInt64Array(buffer);
    case 'I32': return new Int32Array(buffer);
    case 'I16': return new Int16Array(buffer);
    case 'I8': return new Int8Array(buffer);
    case 'U8':
    case 'BOOL': return new Uint8Array(buffer);
  }
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Typed arrays use host byte order; the file is little-endian. Swap in place on big-endian hosts. */
function toFileByteOrder(bytes: Uint8Array, elementSize: number): void {
  if (HOST_IS_LITTLE_ENDIAN || elementSize === 1) return;
  for (let i = 0; i < bytes.length; i += elementSize) bytes.subarray(i, i + elementSize).reverse();
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function isDtype(x: unknown): x is SafetensorsDtype {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(BYTES, x);
}

export function decodeSafetensors(file: Uint8Array): SafetensorsFile {
  if (file.length < 8) throw new Error(`not a safetensors file: ${file.length} bytes, need at least 8`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(file.length - 8)) {
    throw new Error(`not a safetensors file: header length ${headerLength} exceeds the file's ${file.length - 8} remaining bytes`);
  }
  const headerEnd = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(8, headerEnd)));
  } catch (e) {
    throw new Error(`not a safetensors file: header is not UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new Error('safetensors header must be a JSON object');

  const dataLength = file.length - headerEnd;
  const tensors = new Map<string, SafeTensor>();
  let metadata: Record<string, string> = {};
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Object.values(entry).some((v) => typeof v !== 'string')) {
        throw new Error('safetensors __metadata__ must map strings to strings');
      }
      metadata = { ...(entry as Record<string, string>) };
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!isDtype(e.dtype)) throw new Error(`safetensors tensor "${name}": unsupported dtype ${JSON.stringify(e.dtype)}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new Error(`safetensors tensor "${name}": bad shape ${JSON.stringify(e.shape)}`);
    }
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
      throw new Error(`safetensors tensor "${name}": bad data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const shape = e.shape as number[];
    const size = BYTES[e.dtype];
    if (end < begin || end > dataLength) throw new Error(`safetensors tensor "${name}": data_offsets [${begin}, ${end}] outside the ${dataLength}-byte data section`);
    if (end - begin !== elementCount(shape) * size) {
      throw new Error(`safetensors tensor "${name}": ${end - begin} bytes for ${e.dtype} shape [${shape.join(', ')}], expected ${elementCount(shape) * size}`);
    }
    spans.push([begin, end, name]);
    // Copy into a fresh, aligned buffer (not file.slice: on a Node Buffer that is a view).
    const bytes = new Uint8Array(file.subarray(headerEnd + begin, headerEnd + end));
    toFileByteOrder(bytes, size);
    tensors.set(name, { dtype: e.dtype, shape, data: arrayFor(e.dtype, bytes.buffer) });
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]![0] < spans[i - 1]![1]) throw new Error(`safetensors tensors "${spans[i - 1]![2]}" and "${spans[i]![2]}" overlap`);
  }
  return { tensors, metadata };
}

function dtypeMatchesData(dtype: SafetensorsDtype, data: SafetensorsData): boolean {
  switch (dtype) {
    case 'F64': return data instanceof Float64Array;
    case 'F32': return data instanceof Float32Array;
    case 'F16':
    case 'BF16': return data instanceof Uint16Array;
    case 'I64': return data instanceof BigInt64Array;
    case 'I32': return data instanceof Int32Array;
    case 'I16': return data instanceof Int16Array;
    case 'I8': return data instanceof Int8Array;
    case 'U8':
    case 'BOOL': return data instanceof Uint8Array;
  }
}

/** Writes tensors in the given order; metadata values must be strings (the format's rule). */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, SafeTensor> | Readonly<Record<string, SafeTensor>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const entries: [string, SafeTensor][] = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors as Record<string, SafeTensor>);
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new Error('"__metadata__" cannot be a tensor name');
    if (!dtypeMatchesData(t.dtype, t.data)) throw new Error(`tensor "${name}": ${t.data.constructor.name} does not hold ${t.dtype}`);
    if (t.data.length !== elementCount(t.shape)) {
      throw new Error(`tensor "${name}": ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    }
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const [, t] of entries) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(bytes, at);
    toFileByteOrder(out.subarray(at, at + bytes.length), BYTES[t.dtype]);
    at += bytes.length;
  }
  return out;
}

/** IEEE half precision bits -> float. */
export function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Any numeric tensor's values as float32 (I64 must fit a double exactly to be meaningful). */
export function toFloat32(t: SafeTensor): Float32Array {
  const { dtype, data } = t;
  if (dtype === 'F32') return data as Float32Array;
  const out = new Float32Array(data.length);
  if (dtype === 'F16') {
    const d = data as Uint16Array;
    for (let i = 0; i < d.length; i++) out[i] = float16ToFloat32(d[i]!);
  } else if (dtype === 'BF16') {
    // bfloat16 is the top half of a float32.
    const bits = new Uint32Array(out.buffer);
    const d = data as Uint16Array;
    for (let i = 0; i < d.length; i++) bits[i] = d[i]! << 16;
  } else if (dtype === 'I64') {
    const d = data as BigInt64Array;
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]!);
  } else {
    const d = data as Exclude<SafetensorsData, BigInt64Array | Uint16Array>;
    for (let i = 0; i < d.length; i++) out[i] = d[i]!;
  }
  return out;
}
