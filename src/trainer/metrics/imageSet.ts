// The form every quality metric takes its images in: one NHWC float32 array in [-1, 1],
// as scaledImages() returns held-out images and `await tensor.data()` returns samples.

export interface ImageSet {
  readonly data: Float32Array;
  /** [count, height, width, channels] */
  readonly shape: readonly [number, number, number, number];
}

/** Throws unless the shape is four positive integers that account for every value in data. */
export function checkImageSet(images: ImageSet, what: string): void {
  const { data, shape } = images;
  if (shape.length !== 4 || !shape.every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error(`${what}: shape must be [count, height, width, channels] of positive integers, got [${shape}]`);
  }
  const expected = shape[0] * shape[1] * shape[2] * shape[3];
  if (data.length !== expected) {
    throw new Error(`${what}: shape [${shape}] needs ${expected} values, got ${data.length}`);
  }
}

/** Values in one image. */
export function imageLength(images: ImageSet): number {
  return images.shape[1] * images.shape[2] * images.shape[3];
}

/** The images at `indices`, copied into a new set in that order. */
export function pickImages(images: ImageSet, indices: ArrayLike<number>): ImageSet {
  const n = imageLength(images);
  const out = new Float32Array(indices.length * n);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= images.shape[0]) {
      throw new RangeError(`image index ${i} is outside 0..${images.shape[0] - 1}`);
    }
    out.set(images.data.subarray(i * n, (i + 1) * n), k * n);
  }
  return { data: out, shape: [indices.length, images.shape[1], images.shape[2], images.shape[3]] };
}
