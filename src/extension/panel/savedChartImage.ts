// What a panel's "Save PNG / Save SVG" writes: the bytes of the image the page drew, checked
// here (the page is not trusted): a PNG must be a whole PNG, an SVG a standalone SVG document
// without scripts, and the suggested name becomes a plain file name of the right extension.
import { PNG_DATA_URL_PREFIX, type ChartImageFormat } from '../../shared/panelMessages';

/** Longest image data accepted, in characters: far above any chart the panel draws (a 4K PNG is a few MB). */
export const MAX_CHART_IMAGE_CHARS = 24 * 1024 * 1024;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** The last chunk of every PNG: length 0, type IEND, its CRC. Missing: the image was cut short. */
const PNG_IEND = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];
const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';

export interface ChartImageFile {
  /** A file name without directories, ending in .png or .svg. */
  name: string;
  bytes: Uint8Array;
  /** Pixel size, for a PNG (from its IHDR chunk). */
  size?: { width: number; height: number };
}

/** The file to write for a save-image message; throws an Error that names the file and what is wrong with its data. */
export function chartImageFile(format: ChartImageFormat, suggestedName: string, data: string): ChartImageFile {
  const name = fileNameFor(suggestedName, format);
  if (data.length > MAX_CHART_IMAGE_CHARS) throw new Error(`${name}: the image is ${data.length} characters long, more than the ${MAX_CHART_IMAGE_CHARS} a chart may be`);
  return format === 'svg' ? svgFile(name, data) : pngFile(name, data);
}

function svgFile(name: string, data: string): ChartImageFile {
  const root = /^\s*(?:<\?xml[^>]*\?>\s*)?<svg(\s[^>]*)?>/.exec(data);
  if (!root || !/<\/svg>\s*$/.test(data)) throw new Error(`${name}: the data is not an SVG document (it must start with <svg and end with </svg>)`);
  // Standalone: opened on its own (a browser, an image viewer), an SVG without its namespace is not drawn.
  if (!new RegExp(`\\sxmlns=["']${SVG_NAMESPACE}["']`).test(root[1] ?? '')) throw new Error(`${name}: the <svg> element has no xmlns="${SVG_NAMESPACE}"`);
  if (/<script[\s>/]/i.test(data)) throw new Error(`${name}: the SVG holds a <script>; a chart has none`);
  return { name, bytes: new TextEncoder().encode(data) };
}

function pngFile(name: string, data: string): ChartImageFile {
  if (!data.startsWith(PNG_DATA_URL_PREFIX)) {
    const start = /^data:[^,]{0,40},?/.exec(data)?.[0] ?? data.slice(0, 20);
    throw new Error(`${name}: the data is not a PNG data URL (it starts with "${start}", not "${PNG_DATA_URL_PREFIX}")`);
  }
  const base64 = data.slice(PNG_DATA_URL_PREFIX.length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) throw new Error(`${name}: the PNG data is not valid base64`);
  const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
  if (bytes.length < 8 + 25 + 12 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b) || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') {
    throw new Error(`${name}: the data is not a PNG image (no PNG signature and IHDR chunk)`);
  }
  const end = bytes.subarray(bytes.length - PNG_IEND.length);
  if (PNG_IEND.some((b, i) => end[i] !== b)) throw new Error(`${name}: the PNG image is cut short (it does not end with an IEND chunk)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = { width: view.getUint32(16), height: view.getUint32(20) };
  if (size.width === 0 || size.height === 0) throw new Error(`${name}: the PNG image is ${size.width} x ${size.height} pixels`);
  return { name, bytes, size };
}

/** `loss-chart.png` from what the page suggests: no directories, only plain characters, the format's extension. */
export function fileNameFor(suggested: string, format: ChartImageFormat): string {
  const base = suggested.split(/[\\/]/).pop()!.replace(/\.(png|svg)$/i, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+|-+$/g, '').slice(0, 80);
  return `${base || 'chart'}.${format}`;
}
