// The JavaScript loops of the wasm training kernels as tasks that can be split among
// threads: each task reads its arguments from a Float64Array (heap offsets in bytes,
// sizes, coefficients) and does part `part` of `parts` of its work on a view of the wasm
// heap. Run by the main thread and by heapLoopsWorker.ts alike (heapLoops.ts).
import { accumulate, channelsFirstTiles, imagesToChannelsFirst, patchesTransposed } from './layoutLoops';

export const HeapTask = {
  /** [srcOffset, pixels, channels, n0, count, dstOffset, srcLength, dstLength] */
  ChannelsFirst: 1,
  /** [xcOffset, xcLength, dstOffset, dstLength, count, channels, height, width, outHeight, outWidth, filterHeight, filterWidth, strideH, strideW, padTop, padLeft] */
  Patches: 2,
  /** [accOffset, addOffset, length] */
  Accumulate: 3,
  /** [srcOffset, length, channels]; part p's float64 totals go to scratch[p * channels ..] */
  ChannelTotals: 4,
  /** [p, m, v, g, pOut, mOut, vOut offsets, length, beta1, beta2, eps, stepSize, bias2Sqrt] */
  Adam: 5,
} as const;
export type HeapTask = (typeof HeapTask)[keyof typeof HeapTask];

/** [from, to) of part `part` of `parts` equal parts of n units. */
export function partRange(n: number, part: number, parts: number): [number, number] {
  return [Math.floor((n * part) / parts), Math.floor((n * (part + 1)) / parts)];
}

const f32 = (heap: ArrayBufferLike, offset: number, length: number) => new Float32Array(heap, offset, length);

export function runHeapTask(task: HeapTask, a: Float64Array, heap: ArrayBufferLike, scratch: Float64Array, part: number, parts: number): void {
  switch (task) {
    case HeapTask.ChannelsFirst: {
      const [src, pixels, channels, n0, count, dst, srcLength, dstLength] = a as unknown as number[];
      const tiles = partRange(channelsFirstTiles(pixels!, count!), part, parts);
      imagesToChannelsFirst(f32(heap, src!, srcLength!), pixels!, channels!, n0!, count!, f32(heap, dst!, dstLength!), tiles);
      return;
    }
    case HeapTask.Patches: {
      const [xc, xcLength, dst, dstLength, count, channels, height, width, outHeight, outWidth, filterHeight, filterWidth, strideH, strideW, padTop, padLeft] =
        a as unknown as number[];
      const g = {
        count: count!, channels: channels!, height: height!, width: width!, outHeight: outHeight!, outWidth: outWidth!,
        filterHeight: filterHeight!, filterWidth: filterWidth!, strideH: strideH!, strideW: strideW!, padTop: padTop!, padLeft: padLeft!,
      };
      patchesTransposed(f32(heap, xc!, xcLength!), g, f32(heap, dst!, dstLength!), partRange(filterHeight! * filterWidth! * channels!, part, parts));
      return;
    }
    case HeapTask.Accumulate: {
      const [acc, add, length] = a as unknown as number[];
      const [from, to] = partRange(length!, part, parts);
      accumulate(f32(heap, acc!, length!), f32(heap, add!, length!), from, to);
      return;
    }
    case HeapTask.ChannelTotals: {
      const [src, length, channels] = a as unknown as number[];
      const [r0, r1] = partRange(length! / channels!, part, parts);
      const x = f32(heap, src!, length!);
      const totals = scratch.subarray(part * channels!, (part + 1) * channels!);
      totals.fill(0);
      for (let o = r0 * channels!; o < r1 * channels!; o += channels!) {
        for (let c = 0; c < channels!; c++) totals[c] = totals[c]! + x[o + c]!;
      }
      return;
    }
    case HeapTask.Adam: {
      const [p, m, v, g, pOut, mOut, vOut, length, beta1, beta2, eps, stepSize, bias2Sqrt] = a as unknown as number[];
      const n = length!;
      adamRange(
        [f32(heap, p!, n), f32(heap, m!, n), f32(heap, v!, n), f32(heap, g!, n)],
        [f32(heap, pOut!, n), f32(heap, mOut!, n), f32(heap, vOut!, n)],
        { beta1: beta1!, beta2: beta2!, eps: eps!, stepSize: stepSize!, bias2Sqrt: bias2Sqrt! },
        ...partRange(n, part, parts),
      );
      return;
    }
    default:
      throw new Error(`unknown heap task ${String(task)}`);
  }
}

export interface AdamCoefficients {
  beta1: number;
  beta2: number;
  eps: number;
  /** lr / (1 - beta1^k) */
  stepSize: number;
  /** sqrt(1 - beta2^k) */
  bias2Sqrt: number;
}

/** One Adam update of elements [from, to), in float64 with torch.optim.Adam's formula. */
export function adamRange(
  [p0, m0, v0, g0]: [Float32Array, Float32Array, Float32Array, Float32Array],
  [p1, m1, v1]: [Float32Array, Float32Array, Float32Array],
  c: AdamCoefficients,
  from: number,
  to: number,
): void {
  const { beta1, beta2, eps, stepSize, bias2Sqrt } = c;
  const a1 = 1 - beta1;
  const a2 = 1 - beta2;
  for (let i = from; i < to; i++) {
    const gi = g0[i]!;
    const mi = beta1 * m0[i]! + a1 * gi;
    const vi = beta2 * v0[i]! + a2 * gi * gi;
    m1[i] = mi;
    v1[i] = vi;
    p1[i] = p0[i]! - (stepSize * mi) / (Math.sqrt(vi) / bias2Sqrt + eps);
  }
}
