// Plain loops that move float32 data between layouts for the convolution gradient
// kernels. They run on views of the wasm heap. Written in JS because the wasm backend's
// generic Transpose, Reverse, Slice and DepthToSpace take 10–40 ms on a training-sized
// tensor, several times these loops (writes in order, reads strided) and as long as the
// convolution they feed.
import { validRange, type ConvGeometry, type TapWindow } from './convGeometry';

/**
 * dst = transpose(src, perm) for a rank-4 src, keeping only the first `extent[i]` entries
 * of each output axis (a crop at the far end, for free).
 */
export function permute4(
  src: Float32Array,
  shape: readonly number[],
  perm: readonly number[],
  dst: Float32Array,
  extent: readonly number[] = perm.map((p) => shape[p]!),
): void {
  const strides = [shape[1]! * shape[2]! * shape[3]!, shape[2]! * shape[3]!, shape[3]!, 1];
  const [s0, s1, s2, s3] = perm.map((p) => strides[p]!) as [number, number, number, number];
  const [n0, n1, n2, n3] = extent as [number, number, number, number];
  let o = 0;
  for (let a = 0; a < n0; a++) {
    const ia = a * s0;
    for (let b = 0; b < n1; b++) {
      const ib = ia + b * s1;
      for (let c = 0; c < n2; c++) {
        const ic = ib + c * s2;
        for (let d = 0; d < n3; d++) dst[o++] = src[ic + d * s3]!;
      }
    }
  }
}

export interface PhaseFilterShape {
  filterHeight: number;
  filterWidth: number;
  inChannels: number;
  outChannels: number;
  tapsH: number;
  tapsW: number;
  strideH: number;
  strideW: number;
}

/**
 * The filter of the sub-pixel phase convolution, [tapsH, tapsW, outChannels, strideH*strideW*inChannels]
 * from an HWIO filter: entry [ty, tx, co, (ry, rx, ci)] = W[ry + (tapsH-1-ty)*strideH, rx + (tapsW-1-tx)*strideW, ci, co],
 * zero past the filter's edge. Flipped taps and swapped in/out channels make the
 * correlation XNNPACK computes run the forward conv backwards.
 */
export function writePhaseFilter(w: Float32Array, s: PhaseFilterShape, dst: Float32Array): void {
  const { filterHeight: fh, filterWidth: fw, inChannels: ci, outChannels: co, tapsH, tapsW, strideH: sh, strideW: sw } = s;
  let o = 0;
  for (let ty = 0; ty < tapsH; ty++) {
    for (let tx = 0; tx < tapsW; tx++) {
      for (let c = 0; c < co; c++) {
        for (let ry = 0; ry < sh; ry++) {
          const kh = ry + (tapsH - 1 - ty) * sh;
          for (let rx = 0; rx < sw; rx++) {
            const kw = rx + (tapsW - 1 - tx) * sw;
            if (kh >= fh || kw >= fw) {
              dst.fill(0, o, o + ci);
              o += ci;
              continue;
            }
            const base = (kh * fw + kw) * ci * co + c;
            for (let i = 0; i < ci; i++) dst[o++] = w[base + i * co]!;
          }
        }
      }
    }
  }
}

/**
 * The same filter as weight rows for conv2dWithUnpackedWeights, [(ry, rx, ci), (ty, tx, co)]
 * over the taps ty in [y0, y1), tx in [x0, x1): each entry run is one of W's rows
 * W[kh, kw, ci, :], so this is block copies, not a transpose.
 */
export function writePhaseWeightRows(w: Float32Array, s: PhaseFilterShape, window: TapWindow, dst: Float32Array): void {
  const { filterHeight: fh, filterWidth: fw, inChannels: ci, outChannels: co, tapsH, tapsW, strideH: sh, strideW: sw } = s;
  let o = 0;
  for (let ry = 0; ry < sh; ry++) {
    for (let rx = 0; rx < sw; rx++) {
      for (let c = 0; c < ci; c++) {
        for (let ty = window.y0; ty < window.y1; ty++) {
          const kh = ry + (tapsH - 1 - ty) * sh;
          for (let tx = window.x0; tx < window.x1; tx++) {
            const kw = rx + (tapsW - 1 - tx) * sw;
            if (kh >= fh || kw >= fw) {
              dst.fill(0, o, o + co);
            } else {
              const from = ((kh * fw + kw) * ci + c) * co;
              dst.set(w.subarray(from, from + co), o);
            }
            o += co;
          }
        }
      }
    }
  }
}

export interface PhaseLayout {
  batch: number;
  /** Phase conv output: [batch, phaseRows, phaseCols, strideH, strideW, channels]. */
  phaseRows: number;
  phaseCols: number;
  strideH: number;
  strideW: number;
  channels: number;
  /** dx: [batch, height, width, channels], starting `offsetH/W` into the interleaved phases. */
  height: number;
  width: number;
  offsetH: number;
  offsetW: number;
}

/** Interleaves the stride phases back into dx (a depth-to-space and a crop in one pass). */
export function interleavePhases(phases: Float32Array, l: PhaseLayout, dst: Float32Array): void {
  const { batch, phaseRows, phaseCols, strideH, strideW, channels, height, width, offsetH, offsetW } = l;
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let y = 0; y < height; y++) {
      const iy = y + offsetH;
      const rowBase = ((n * phaseRows + Math.floor(iy / strideH)) * phaseCols * strideH + (iy % strideH)) * strideW;
      for (let x = 0; x < width; x++) {
        const ix = x + offsetW;
        const from = ((rowBase + Math.floor(ix / strideW) * strideH * strideW) + (ix % strideW)) * channels;
        for (let c = 0; c < channels; c++) dst[o++] = phases[from + c]!;
      }
    }
  }
}

/** Pixels per tile of imagesToChannelsFirst: a tile's reads (tile x channels floats) stay in cache. */
const TRANSPOSE_TILE = 32;

/**
 * Channels-first copy of images [n0, n0 + count) of an NHWC tensor: dst is
 * [channels, count, height * width]. Tiled, so that writes go in runs of a tile's pixels
 * and the strided reads hit a tile that is in cache.
 */
export function imagesToChannelsFirst(src: Float32Array, pixels: number, channels: number, n0: number, count: number, dst: Float32Array): void {
  const plane = count * pixels;
  const total = count * pixels;
  const base = n0 * pixels * channels;
  for (let p0 = 0; p0 < total; p0 += TRANSPOSE_TILE) {
    const p1 = Math.min(total, p0 + TRANSPOSE_TILE);
    for (let c = 0; c < channels; c++) {
      let o = c * plane + p0;
      let from = base + p0 * channels + c;
      for (let p = p0; p < p1; p++, from += channels) dst[o++] = src[from]!;
    }
  }
}

/**
 * The transposed im2col matrix of a convolution's input: rows (kh, kw, c), columns
 * (n, oy, ox), entry xPadded[n, oy*sh + kh, ox*sw + kw, c] (zero in the padding), from the
 * channels-first chunk `xc` ([inChannels, batch, inHeight, inWidth]; `batch` is the images in
 * the chunk). Rows are written in order and each row reads runs of one input row, so both
 * sides stream.
 */
export function patchesTransposed(xc: Float32Array, g: Omit<ConvGeometry, 'outChannels'>, dst: Float32Array): void {
  const { batch: count, inChannels: channels, inHeight: height, inWidth: width, outHeight, outWidth, filterHeight, filterWidth, strideH, strideW, padTop, padLeft } = g;
  const plane = height * width;
  let o = 0;
  for (let kh = 0; kh < filterHeight; kh++) {
    const [oyLo, oyHi] = validRange(outHeight, strideH, kh - padTop, height);
    for (let kw = 0; kw < filterWidth; kw++) {
      const shiftW = kw - padLeft;
      const [oxLo, oxHi] = validRange(outWidth, strideW, shiftW, width);
      for (let c = 0; c < channels; c++) {
        for (let n = 0; n < count; n++) {
          const image = (c * count + n) * plane;
          for (let oy = 0; oy < outHeight; oy++) {
            if (oy < oyLo || oy >= oyHi) {
              dst.fill(0, o, o + outWidth);
              o += outWidth;
              continue;
            }
            const row = image + (oy * strideH + kh - padTop) * width + shiftW;
            for (let ox = 0; ox < oxLo; ox++) dst[o++] = 0;
            if (strideW === 1) {
              for (let ox = oxLo; ox < oxHi; ox++) dst[o++] = xc[row + ox]!;
            } else {
              for (let ox = oxLo; ox < oxHi; ox++) dst[o++] = xc[row + ox * strideW]!;
            }
            for (let ox = oxHi; ox < outWidth; ox++) dst[o++] = 0;
          }
        }
      }
    }
  }
}

/** acc += add, elementwise. */
export function accumulate(acc: Float32Array, add: Float32Array): void {
  for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + add[i]!;
}

/** Side of the square tiles of transposeInto: a tile's rows and columns stay in cache. */
const MATRIX_TILE = 32;

/**
 * dst[dstOffset + c * dstStride + r] = src[srcOffset + r * cols + c] for a rows x cols
 * block: a matrix transpose (dstStride = rows) or a block of one written into a wider matrix.
 */
export function transposeInto(src: Float32Array, srcOffset: number, rows: number, cols: number, dst: Float32Array, dstOffset: number, dstStride: number): void {
  for (let r0 = 0; r0 < rows; r0 += MATRIX_TILE) {
    const r1 = Math.min(rows, r0 + MATRIX_TILE);
    for (let c0 = 0; c0 < cols; c0 += MATRIX_TILE) {
      const c1 = Math.min(cols, c0 + MATRIX_TILE);
      for (let c = c0; c < c1; c++) {
        let from = srcOffset + r0 * cols + c;
        const to = dstOffset + c * dstStride;
        for (let r = r0; r < r1; r++, from += cols) dst[to + r] = src[from]!;
      }
    }
  }
}
