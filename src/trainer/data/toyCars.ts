// The built-in `toy-cars` set: procedurally drawn side views of cars, so a fresh checkout
// trains end to end with no download. Each image is a scene of a few shapes chosen from
// (seed, index) alone, described in unit coordinates and rasterised at any size with
// analytic anti-aliasing (coverage from a signed distance at each pixel centre), which keeps
// 16 px cars recognisable and costs one distance evaluation per pixel per shape.
import { TOY_CARS_MIN_IMG_SIZE } from '../../shared/options';
import { Random } from '../random';
import { PackedImageDataset, datasetFingerprint, imageByteLength, type ImageDataset } from './dataset';

/** Bump whenever a change to this file changes any pixel: the fingerprint includes it. */
export const TOY_CARS_VERSION = 1;

export interface ToyCarsOptions {
  count: number;
  imgSize: number;
  seed: number;
}

export function toyCarsFingerprint({ count, imgSize, seed }: ToyCarsOptions): string {
  return datasetFingerprint(['toy-cars', TOY_CARS_VERSION, count, imgSize, seed]);
}

/** Renders every image once into one buffer; image i depends only on (seed, i), not on count. */
export function createToyCarsDataset(options: ToyCarsOptions): ImageDataset {
  const { count, imgSize, seed } = options;
  if (!Number.isInteger(count) || count <= 0) throw new Error(`toy-cars: count must be a positive integer, got ${count}`);
  if (!Number.isInteger(imgSize) || imgSize < TOY_CARS_MIN_IMG_SIZE) throw new Error(`toy-cars: image size must be an integer of at least ${TOY_CARS_MIN_IMG_SIZE}, got ${imgSize}`);
  const bytes = imageByteLength(imgSize);
  const data = new Uint8Array(count * bytes);
  const canvas = new Canvas(imgSize);
  for (let i = 0; i < count; i++) drawToyCar(seed, i, canvas, data.subarray(i * bytes, (i + 1) * bytes));
  return new PackedImageDataset('toy-cars', imgSize, toyCarsFingerprint(options), data);
}

/** One toy car, uint8 RGB HWC; the same image createToyCarsDataset puts at `index`. */
export function renderToyCar(seed: number, index: number, imgSize: number): Uint8Array {
  const out = new Uint8Array(imageByteLength(imgSize));
  drawToyCar(seed, index, new Canvas(imgSize), out);
  return out;
}

function drawToyCar(seed: number, index: number, canvas: Canvas, out: Uint8Array): void {
  const scene = composeScene(Random.derive(seed, `toy-cars/${index}`));
  canvas.fillBackground(scene.background);
  for (const { shape, color, opacity } of scene.layers) canvas.paint(shape, color, opacity);
  canvas.writeBytes(out, scene.facingLeft);
}

// ---------------------------------------------------------------- scene composition

type Rgb = readonly [number, number, number];

interface Background {
  skyTop: Rgb;
  skyBottom: Rgb;
  groundTop: Rgb;
  groundBottom: Rgb;
  /** y of the horizon in unit coordinates (0 = top). */
  horizon: number;
}

interface Layer {
  shape: Shape;
  color: Rgb;
  opacity: number;
}

interface Scene {
  background: Background;
  layers: Layer[];
  facingLeft: boolean;
}

type Range = readonly [number, number];

/** Proportions as fractions of the car's length, measured from the rear bumper. */
interface BodyStyle {
  bodyHeight: Range;
  cabinHeight: Range;
  cabinRear: Range;
  cabinFront: Range;
  rearSlope: Range;
  frontSlope: Range;
  wheelRadius: Range;
}

const BODY_STYLES: readonly BodyStyle[] = [
  // sedan
  { bodyHeight: [0.15, 0.18], cabinHeight: [0.13, 0.16], cabinRear: [0.18, 0.24], cabinFront: [0.68, 0.73], rearSlope: [0.08, 0.13], frontSlope: [0.14, 0.19], wheelRadius: [0.1, 0.115] },
  // hatchback
  { bodyHeight: [0.16, 0.19], cabinHeight: [0.15, 0.18], cabinRear: [0.03, 0.07], cabinFront: [0.63, 0.69], rearSlope: [0.04, 0.08], frontSlope: [0.15, 0.2], wheelRadius: [0.1, 0.12] },
  // coupe
  { bodyHeight: [0.13, 0.16], cabinHeight: [0.11, 0.13], cabinRear: [0.16, 0.24], cabinFront: [0.62, 0.69], rearSlope: [0.14, 0.2], frontSlope: [0.15, 0.2], wheelRadius: [0.1, 0.115] },
  // suv / van
  { bodyHeight: [0.2, 0.24], cabinHeight: [0.16, 0.2], cabinRear: [0.02, 0.05], cabinFront: [0.7, 0.76], rearSlope: [0.01, 0.04], frontSlope: [0.09, 0.13], wheelRadius: [0.115, 0.13] },
  // pickup
  { bodyHeight: [0.18, 0.22], cabinHeight: [0.15, 0.18], cabinRear: [0.36, 0.42], cabinFront: [0.7, 0.76], rearSlope: [0.01, 0.03], frontSlope: [0.08, 0.12], wheelRadius: [0.115, 0.13] },
];

const CAR_PAINTS: readonly Rgb[] = [
  [0.78, 0.1, 0.1], [0.1, 0.24, 0.68], [0.93, 0.93, 0.91], [0.1, 0.1, 0.12], [0.64, 0.66, 0.7],
  [0.96, 0.78, 0.1], [0.08, 0.48, 0.24], [0.96, 0.46, 0.08], [0.45, 0.7, 0.92], [0.45, 0.06, 0.12],
  [0.05, 0.5, 0.55], [0.35, 0.36, 0.4],
];

function composeScene(rng: Random): Scene {
  const between = ([lo, hi]: Range) => lo + (hi - lo) * rng.uniform();
  const pick = <T>(items: readonly T[]): T => items[rng.int(items.length)]!;

  const style = pick(BODY_STYLES);
  const length = between([0.7, 0.94]);
  const margin = 0.03;
  const centerX = between([margin + length / 2, 1 - margin - length / 2]);
  const groundY = between([0.7, 0.9]);
  const rear = centerX - length / 2;
  const front = centerX + length / 2;
  const at = (fraction: number) => rear + fraction * length;

  const wheelR = length * between(style.wheelRadius);
  const bodyBottom = groundY - wheelR * between([0.45, 0.7]);
  const bodyTop = bodyBottom - length * between(style.bodyHeight);
  const bodyHeight = bodyBottom - bodyTop;
  const roofY = bodyTop - length * between(style.cabinHeight);

  const paint = rng.uniform() < 0.75 ? jitter(pick(CAR_PAINTS), 0.05, rng) : hsv(rng.uniform(), between([0.45, 0.9]), between([0.35, 0.95]));
  const shade = scale(paint, 0.7);
  const background = composeBackground(rng, groundY);
  const layers: Layer[] = [];
  const add = (shape: Shape, color: Rgb, opacity = 1) => layers.push({ shape, color, opacity });

  if (rng.uniform() < 0.2 && background.horizon > 0.3) {
    const sunColor: Rgb = background.skyTop[2] < 0.3 ? [0.92, 0.92, 0.85] : [1, 0.95, 0.7];
    add(new Circle(between([0.1, 0.9]), between([0.08, background.horizon - 0.12]), between([0.04, 0.07])), sunColor);
  }
  add(new Ellipse(centerX, groundY, length * 0.56, wheelR * 0.35), [0, 0, 0], 0.35);

  // Cabin: a trapezoid sitting on the body, extended down into it so the seam cannot show.
  const cabinRearX = at(between(style.cabinRear));
  const cabinFrontX = at(between(style.cabinFront));
  const rearSlope = length * between(style.rearSlope);
  const frontSlope = length * between(style.frontSlope);
  const overlap = bodyHeight * 0.5;
  const cabinHeight = bodyTop - roofY;
  const edgeX = (x0: number, slope: number, y: number) => x0 + (slope * (bodyTop - y)) / cabinHeight;
  add(new ConvexPolygon([
    [edgeX(cabinRearX, rearSlope, bodyTop + overlap), bodyTop + overlap],
    [cabinRearX + rearSlope, roofY],
    [cabinFrontX - frontSlope, roofY],
    [edgeX(cabinFrontX, -frontSlope, bodyTop + overlap), bodyTop + overlap],
  ]), paint);
  add(new RoundedBox(rear, bodyTop, front, bodyBottom, Math.min(bodyHeight * 0.45, length * 0.06)), paint);

  // Windows: the cabin inset by a frame, split by the B-pillar.
  const frame = length * 0.022;
  const glass = rng.uniform() < 0.7 ? jitter([0.55, 0.7, 0.82], 0.06, rng) : jitter([0.15, 0.17, 0.22], 0.04, rng);
  const glassTop = roofY + frame;
  const glassBottom = bodyTop - frame * 0.2;
  const glassRear = (y: number) => edgeX(cabinRearX, rearSlope, y) + frame * 1.3;
  const glassFront = (y: number) => edgeX(cabinFrontX, -frontSlope, y) - frame * 1.3;
  add(new ConvexPolygon([
    [glassRear(glassBottom), glassBottom], [glassRear(glassTop), glassTop],
    [glassFront(glassTop), glassTop], [glassFront(glassBottom), glassBottom],
  ]), glass);
  const pillarX = glassRear(glassBottom) + (glassFront(glassBottom) - glassRear(glassBottom)) * between([0.45, 0.6]);
  add(new RoundedBox(pillarX - frame * 0.6, roofY, pillarX + frame * 0.6, bodyTop + frame, 0), paint);

  // Body details: door seam, an optional stripe, bumpers and lights.
  add(new RoundedBox(pillarX - frame * 0.15, bodyTop + frame, pillarX + frame * 0.15, bodyBottom - frame, 0), shade, 0.6);
  if (rng.uniform() < 0.2) {
    const stripeY = bodyTop + bodyHeight * between([0.3, 0.5]);
    const stripeColor: Rgb = luminance(paint) > 0.5 ? [0.1, 0.1, 0.12] : [0.95, 0.95, 0.95];
    add(new RoundedBox(rear + frame, stripeY, front - frame, stripeY + bodyHeight * 0.12, 0), stripeColor, 0.85);
  }
  const trim: Rgb = rng.uniform() < 0.5 ? [0.12, 0.12, 0.13] : [0.7, 0.72, 0.74];
  const bumperTop = bodyBottom - bodyHeight * 0.3;
  add(new RoundedBox(rear - length * 0.008, bumperTop, rear + length * 0.05, bodyBottom + length * 0.004, length * 0.01), trim);
  add(new RoundedBox(front - length * 0.05, bumperTop, front + length * 0.008, bodyBottom + length * 0.004, length * 0.01), trim);
  const lightTop = bodyTop + bodyHeight * 0.18;
  const lightBottom = bodyTop + bodyHeight * 0.42;
  add(new RoundedBox(front - length * 0.045, lightTop, front - length * 0.002, lightBottom, length * 0.008), [1, 0.93, 0.6]);
  add(new RoundedBox(rear + length * 0.002, lightTop, rear + length * 0.03, lightBottom, length * 0.006), [0.85, 0.08, 0.06]);

  // Wheels: a dark arch cut into the body, tyre, hub, hub cap.
  const hubColor: Rgb = rng.uniform() < 0.75 ? scale([0.8, 0.81, 0.83], between([0.8, 1.1])) : scale(paint, 0.85);
  const hubRatio = between([0.45, 0.6]);
  for (const wheelX of [at(between([0.16, 0.21])), at(between([0.78, 0.83]))]) {
    const wheelY = groundY - wheelR;
    add(new Circle(wheelX, wheelY, wheelR * 1.15, bodyBottom), [0.05, 0.05, 0.06]);
    add(new Circle(wheelX, wheelY, wheelR), [0.1, 0.1, 0.11]);
    add(new Circle(wheelX, wheelY, wheelR * hubRatio), hubColor);
    add(new Circle(wheelX, wheelY, wheelR * hubRatio * 0.3), scale(hubColor, 0.6));
  }

  return { background, layers, facingLeft: rng.uniform() < 0.5 };
}

function composeBackground(rng: Random, groundY: number): Background {
  const horizon = 0.4 + (groundY - 0.1 - 0.4) * rng.uniform();
  const skies: ReadonlyArray<readonly [Rgb, Rgb]> = [
    [[0.3, 0.55, 0.9], [0.72, 0.86, 0.98]], // clear day
    [[0.6, 0.63, 0.68], [0.82, 0.84, 0.86]], // overcast
    [[0.28, 0.26, 0.55], [0.98, 0.62, 0.38]], // sunset
    [[0.02, 0.04, 0.14], [0.14, 0.18, 0.36]], // night
    [[0.88, 0.88, 0.86], [0.94, 0.94, 0.92]], // studio wall
  ];
  const grounds: ReadonlyArray<readonly [Rgb, Rgb]> = [
    [[0.33, 0.33, 0.35], [0.22, 0.22, 0.24]], // asphalt
    [[0.36, 0.58, 0.24], [0.22, 0.42, 0.14]], // grass
    [[0.82, 0.72, 0.52], [0.7, 0.6, 0.42]], // sand
    [[0.62, 0.62, 0.6], [0.5, 0.5, 0.48]], // studio floor
  ];
  const [skyTop, skyBottom] = skies[rng.int(skies.length)]!;
  const [groundTop, groundBottom] = grounds[rng.int(grounds.length)]!;
  const amount = 0.06;
  return {
    skyTop: jitter(skyTop, amount, rng), skyBottom: jitter(skyBottom, amount, rng),
    groundTop: jitter(groundTop, amount, rng), groundBottom: jitter(groundBottom, amount, rng),
    horizon,
  };
}

function jitter(c: Rgb, amount: number, rng: Random): Rgb {
  const shift = (v: number) => Math.min(1, Math.max(0, v + (rng.uniform() * 2 - 1) * amount));
  return [shift(c[0]), shift(c[1]), shift(c[2])];
}

function scale(c: Rgb, k: number): Rgb {
  return [c[0] * k, c[1] * k, c[2] * k];
}

function luminance(c: Rgb): number {
  return 0.3 * c[0] + 0.59 * c[1] + 0.11 * c[2];
}

function hsv(h: number, s: number, v: number): Rgb {
  const f = (n: number) => {
    const k = (n + h * 6) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return [f(5), f(3), f(1)];
}

// ---------------------------------------------------------------- shapes (unit coordinates, y down)

interface Bounds {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A filled region: a signed distance (negative inside) and a box that contains it. */
interface Shape {
  readonly bounds: Bounds;
  distance(x: number, y: number): number;
}

class Circle implements Shape {
  readonly bounds: Bounds;
  /** maxY clips the circle to y < maxY (a wheel arch must not hang below the body). */
  constructor(private cx: number, private cy: number, private r: number, private maxY = Infinity) {
    this.bounds = { x0: cx - r, y0: cy - r, x1: cx + r, y1: Math.min(cy + r, maxY) };
  }

  distance(x: number, y: number): number {
    const dx = x - this.cx;
    const dy = y - this.cy;
    return Math.max(Math.sqrt(dx * dx + dy * dy) - this.r, y - this.maxY);
  }
}

/** Approximate distance (exact on the axes), good enough for a soft shadow. */
class Ellipse implements Shape {
  readonly bounds: Bounds;
  constructor(private cx: number, private cy: number, private rx: number, private ry: number) {
    this.bounds = { x0: cx - rx, y0: cy - ry, x1: cx + rx, y1: cy + ry };
  }

  distance(x: number, y: number): number {
    const u = (x - this.cx) / this.rx;
    const v = (y - this.cy) / this.ry;
    return (Math.sqrt(u * u + v * v) - 1) * Math.min(this.rx, this.ry);
  }
}

class RoundedBox implements Shape {
  readonly bounds: Bounds;
  private cx: number;
  private cy: number;
  private hx: number;
  private hy: number;
  private r: number;

  constructor(x0: number, y0: number, x1: number, y1: number, radius: number) {
    this.bounds = { x0, y0, x1, y1 };
    this.cx = (x0 + x1) / 2;
    this.cy = (y0 + y1) / 2;
    this.hx = (x1 - x0) / 2;
    this.hy = (y1 - y0) / 2;
    this.r = Math.min(radius, this.hx, this.hy);
  }

  distance(x: number, y: number): number {
    const qx = Math.abs(x - this.cx) - this.hx + this.r;
    const qy = Math.abs(y - this.cy) - this.hy + this.r;
    const ox = qx > 0 ? qx : 0;
    const oy = qy > 0 ? qy : 0;
    return Math.sqrt(ox * ox + oy * oy) + Math.min(Math.max(qx, qy), 0) - this.r;
  }
}

/** Max of edge half-plane distances: exact inside and along edges, slightly rounder at corners. */
class ConvexPolygon implements Shape {
  readonly bounds: Bounds;
  private edges: Float64Array; // nx, ny, offset per edge, normals pointing out

  constructor(points: ReadonlyArray<readonly [number, number]>) {
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    this.bounds = { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
    const mx = xs.reduce((a, b) => a + b) / points.length;
    const my = ys.reduce((a, b) => a + b) / points.length;
    this.edges = new Float64Array(points.length * 3);
    points.forEach(([ax, ay], i) => {
      const [bx, by] = points[(i + 1) % points.length]!;
      const len = Math.hypot(bx - ax, by - ay);
      let nx = (by - ay) / len;
      let ny = -(bx - ax) / len;
      if (nx * (mx - ax) + ny * (my - ay) > 0) { nx = -nx; ny = -ny; } // point away from the centroid
      this.edges.set([nx, ny, nx * ax + ny * ay], i * 3);
    });
  }

  distance(x: number, y: number): number {
    const e = this.edges;
    let d = -Infinity;
    for (let i = 0; i < e.length; i += 3) d = Math.max(d, e[i]! * x + e[i + 1]! * y - e[i + 2]!);
    return d;
  }
}

// ---------------------------------------------------------------- rasteriser

/** A float RGB image in [0, 1], reused for every picture of one size. */
class Canvas {
  private readonly rgb: Float32Array;

  constructor(readonly size: number) {
    this.rgb = new Float32Array(size * size * 3);
  }

  fillBackground(bg: Background): void {
    const { size, rgb } = this;
    for (let py = 0; py < size; py++) {
      const y = (py + 0.5) / size;
      const sky = mix(bg.skyTop, bg.skyBottom, Math.min(1, y / bg.horizon));
      const ground = mix(bg.groundTop, bg.groundBottom, Math.max(0, (y - bg.horizon) / (1 - bg.horizon)));
      const g = clamp01(0.5 + (y - bg.horizon) * size); // horizon coverage of this row
      const r0 = sky[0] + (ground[0] - sky[0]) * g;
      const g0 = sky[1] + (ground[1] - sky[1]) * g;
      const b0 = sky[2] + (ground[2] - sky[2]) * g;
      for (let o = py * size * 3, end = o + size * 3; o < end; o += 3) {
        rgb[o] = r0;
        rgb[o + 1] = g0;
        rgb[o + 2] = b0;
      }
    }
  }

  /** Blends `color` over the pixels the shape covers, coverage = clamp(0.5 - distance in pixels). */
  paint(shape: Shape, color: Rgb, opacity: number): void {
    const { size, rgb } = this;
    const b = shape.bounds;
    const px0 = Math.max(0, Math.floor(b.x0 * size - 1));
    const px1 = Math.min(size - 1, Math.ceil(b.x1 * size + 1));
    const py0 = Math.max(0, Math.floor(b.y0 * size - 1));
    const py1 = Math.min(size - 1, Math.ceil(b.y1 * size + 1));
    const [cr, cg, cb] = color;
    for (let py = py0; py <= py1; py++) {
      const y = (py + 0.5) / size;
      for (let px = px0; px <= px1; px++) {
        const coverage = 0.5 - shape.distance((px + 0.5) / size, y) * size;
        if (coverage <= 0) continue;
        const a = (coverage >= 1 ? 1 : coverage) * opacity;
        const o = (py * size + px) * 3;
        rgb[o] = rgb[o]! + (cr - rgb[o]!) * a;
        rgb[o + 1] = rgb[o + 1]! + (cg - rgb[o + 1]!) * a;
        rgb[o + 2] = rgb[o + 2]! + (cb - rgb[o + 2]!) * a;
      }
    }
  }

  /** Quantises to uint8, mirrored left-right when the car faces left. */
  writeBytes(out: Uint8Array, mirror: boolean): void {
    const { size, rgb } = this;
    for (let py = 0; py < size; py++) {
      for (let px = 0; px < size; px++) {
        const src = (py * size + px) * 3;
        const dst = (py * size + (mirror ? size - 1 - px : px)) * 3;
        out[dst] = Math.round(clamp01(rgb[src]!) * 255);
        out[dst + 1] = Math.round(clamp01(rgb[src + 1]!) * 255);
        out[dst + 2] = Math.round(clamp01(rgb[src + 2]!) * 255);
      }
    }
  }
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
