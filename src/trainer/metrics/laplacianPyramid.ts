// The Laplacian pyramid of Burt & Adelson (1983) exactly as ProGAN's SWD builds it
// (Karras et al. 2018, metrics/sliced_wasserstein.py): pyr_down and pyr_up match OpenCV's
// cv2.pyrDown / cv2.pyrUp, i.e. the 5x5 kernel [1,4,6,4,1]^T [1,4,6,4,1] / 256 with mirrored
// borders (d c b | a b c d | c b a). The kernel is an outer product, so it is applied as two
// 1-D passes of [1,4,6,4,1]/16, which gives the same sums in a fifth of the work.

import { type ImageSet, checkImageSet } from './imageSet';

const KERNEL_1D = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16] as const;

/** Index i folded back into 0..n-1 by mirroring about the end pixels (scipy's mode="mirror"). */
function mirror(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - j;
  return j;
}

/**
 * Convolves every image and channel with gain * [1,4,6,4,1]/16 along one axis (rows or
 * columns), mirrored at the borders. NHWC throughout.
 */
function blurAxis(images: ImageSet, axis: 'height' | 'width', gain: number): ImageSet {
  const [n, h, w, c] = images.shape;
  const src = images.data;
  const out = new Float32Array(src.length);
  const len = axis === 'height' ? h : w;
  const stride = axis === 'height' ? w * c : c;
  const taps = KERNEL_1D.map((k) => k * gain);
  // Neighbour offsets (in elements) of each position along the axis, mirrored once per position.
  const offsets = new Int32Array(len * 5);
  for (let p = 0; p < len; p++) for (let k = 0; k < 5; k++) offsets[p * 5 + k] = (mirror(p + k - 2, len) - p) * stride;
  for (let img = 0; img < n; img++) {
    const base = img * h * w * c;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const p = axis === 'height' ? y : x;
        const o = p * 5;
        const at = base + (y * w + x) * c;
        for (let ch = 0; ch < c; ch++) {
          const i = at + ch;
          out[i] =
            taps[0]! * src[i + offsets[o]!]! +
            taps[1]! * src[i + offsets[o + 1]!]! +
            taps[2]! * src[i + offsets[o + 2]!]! +
            taps[3]! * src[i + offsets[o + 3]!]! +
            taps[4]! * src[i + offsets[o + 4]!]!;
        }
      }
    }
  }
  return { data: out, shape: images.shape };
}

/** The 5x5 Gaussian blur times `gain`, mirrored borders. */
export function gaussianBlur(images: ImageSet, gain = 1): ImageSet {
  // The 2-D gain splits as sqrt(gain) per axis; pyr_up's 4 is 2 per axis.
  const perAxis = Math.sqrt(gain);
  return blurAxis(blurAxis(images, 'height', perAxis), 'width', perAxis);
}

/** cv2.pyrDown: blur, then keep every other row and column starting at the first. */
export function pyrDown(images: ImageSet): ImageSet {
  checkImageSet(images, 'pyrDown');
  const [n, h, w, c] = images.shape;
  if (h % 2 !== 0 || w % 2 !== 0) throw new Error(`pyrDown: ${h}x${w} does not halve evenly`);
  const blurred = gaussianBlur(images).data;
  const [h2, w2] = [h / 2, w / 2];
  const out = new Float32Array(n * h2 * w2 * c);
  for (let img = 0; img < n; img++) {
    for (let y = 0; y < h2; y++) {
      for (let x = 0; x < w2; x++) {
        const from = ((img * h + 2 * y) * w + 2 * x) * c;
        out.set(blurred.subarray(from, from + c), ((img * h2 + y) * w2 + x) * c);
      }
    }
  }
  return { data: out, shape: [n, h2, w2, c] };
}

/** cv2.pyrUp: put the pixels on the even rows and columns of a zero image twice the size, blur with gain 4. */
export function pyrUp(images: ImageSet): ImageSet {
  checkImageSet(images, 'pyrUp');
  const [n, h, w, c] = images.shape;
  const [h2, w2] = [2 * h, 2 * w];
  const spread = new Float32Array(n * h2 * w2 * c);
  for (let img = 0; img < n; img++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const from = ((img * h + y) * w + x) * c;
        spread.set(images.data.subarray(from, from + c), ((img * h2 + 2 * y) * w2 + 2 * x) * c);
      }
    }
  }
  return gaussianBlur({ data: spread, shape: [n, h2, w2, c] }, 4);
}

function subtract(a: ImageSet, b: ImageSet): ImageSet {
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i]! - b.data[i]!;
  return { data: out, shape: a.shape };
}

function add(a: ImageSet, b: ImageSet): ImageSet {
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i]! + b.data[i]!;
  return { data: out, shape: a.shape };
}

/**
 * `levels` images, finest first: level k = G_k - pyrUp(G_{k+1}) (the detail lost by halving),
 * the last level the coarsest Gaussian G_{levels-1} itself, G_0 the input and
 * G_{k+1} = pyrDown(G_k) (generate_laplacian_pyramid in sliced_wasserstein.py).
 */
export function laplacianPyramid(images: ImageSet, levels: number): ImageSet[] {
  checkImageSet(images, 'laplacianPyramid');
  if (!Number.isInteger(levels) || levels < 1) throw new Error(`laplacianPyramid: levels must be a positive integer, got ${levels}`);
  const gaussians = [images];
  for (let k = 1; k < levels; k++) gaussians.push(pyrDown(gaussians[k - 1]!));
  return gaussians.map((g, k) => (k === levels - 1 ? g : subtract(g, pyrUp(gaussians[k + 1]!))));
}

/** Inverts laplacianPyramid: start from the coarsest level, pyrUp and add each finer level. */
export function reconstructLaplacianPyramid(pyramid: readonly ImageSet[]): ImageSet {
  if (pyramid.length === 0) throw new Error('reconstructLaplacianPyramid: empty pyramid');
  let image = pyramid[pyramid.length - 1]!;
  for (let k = pyramid.length - 2; k >= 0; k--) image = add(pyrUp(image), pyramid[k]!);
  return image;
}
