// The host's checks on a chart image the panel asks it to save: the message check (its shape)
// and the file it then writes (a PNG that really is one, a standalone SVG document, a plain
// file name), with an error that names the file and what is wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { chartImageFile, fileNameFor, MAX_CHART_IMAGE_CHARS } from '../../src/extension/panel/savedChartImage';
import { isPanelToHostMessage, PNG_DATA_URL_PREFIX } from '../../src/shared/panelMessages';

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><path d="M0 0L10 10"/></svg>';

async function pngBytes(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#336699' } }).png().toBuffer();
}
const dataUrl = (bytes: Buffer) => PNG_DATA_URL_PREFIX + bytes.toString('base64');

describe('save-image message check', () => {
  const message = (fields: Record<string, unknown>) => ({ type: 'save-image', format: 'svg', suggestedName: 'loss-chart.svg', data: SVG, ...fields });

  it('accepts a PNG or SVG request whose data is text (the data is checked when saving, with a message)', async () => {
    assert.ok(isPanelToHostMessage(message({})));
    assert.ok(isPanelToHostMessage(message({ format: 'png', suggestedName: 'loss-chart.png', data: dataUrl(await pngBytes(3, 2)) })));
  });

  it('rejects another format and missing or mistyped fields', () => {
    for (const bad of [
      message({ format: 'gif' }), message({ format: 'PNG' }), message({ format: undefined }),
      message({ suggestedName: 3 }), message({ data: undefined }), message({ data: [1, 2] }),
    ]) assert.equal(isPanelToHostMessage(bad), false, JSON.stringify(bad).slice(0, 120));
  });
});

describe('chart image file', () => {
  it('decodes a PNG to its bytes and size (sharp reads the same)', async () => {
    const png = await pngBytes(7, 5);
    const file = chartImageFile('png', 'loss-chart.png', dataUrl(png));
    assert.equal(file.name, 'loss-chart.png');
    assert.deepEqual(file.size, { width: 7, height: 5 });
    assert.deepEqual(Buffer.from(file.bytes), png, 'written as sent');
    const meta = await sharp(Buffer.from(file.bytes)).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 7, 5]);
  });

  it('refuses PNG data of another type, not base64, not a PNG or cut short, naming the file', async () => {
    assert.throws(() => chartImageFile('png', 'a.png', 'data:image/jpeg;base64,/9j/4AAQ'), /^Error: a\.png: the data is not a PNG data URL \(it starts with "data:image\/jpeg;base64,"/);
    assert.throws(() => chartImageFile('png', 'a.png', SVG), /a\.png: the data is not a PNG data URL/);
    assert.throws(() => chartImageFile('png', 'a.png', `${PNG_DATA_URL_PREFIX}not base64!`), /a\.png: the PNG data is not valid base64/);
    const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'latin1');
    assert.throws(() => chartImageFile('png', 'a.png', dataUrl(gif)), /a\.png: the data is not a PNG image/);
    const png = await pngBytes(4, 4);
    assert.throws(() => chartImageFile('png', 'a.png', dataUrl(png.subarray(0, png.length - 6))), /a\.png: the PNG image is cut short/);
  });

  it('writes an SVG as UTF-8 text, and refuses one cut short, without its namespace, with a script or of another kind', () => {
    const file = chartImageFile('svg', 'plot.svg', `<?xml version="1.0" encoding="UTF-8"?>\n${SVG.replace('<path', '<text>T ≥ 300</text><path')}`);
    assert.ok(new TextDecoder().decode(file.bytes).includes('T ≥ 300'));
    assert.throws(() => chartImageFile('svg', 'plot.svg', SVG.slice(0, -6)), /plot\.svg: the data is not an SVG document/);
    assert.throws(() => chartImageFile('svg', 'plot.svg', '<html><svg></svg></html>'), /plot\.svg: the data is not an SVG document/);
    assert.throws(() => chartImageFile('svg', 'plot.svg', '<svg width="3"></svg>'), /plot\.svg: the <svg> element has no xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.throws(() => chartImageFile('svg', 'plot.svg', SVG.replace('<path', '<script>alert(1)</script><path')), /plot\.svg: the SVG holds a <script>/);
  });

  it('refuses oversize data with its length and the limit', () => {
    const data = `<svg xmlns="http://www.w3.org/2000/svg">${' '.repeat(MAX_CHART_IMAGE_CHARS)}</svg>`;
    assert.throws(() => chartImageFile('svg', 'big.svg', data), new RegExp(`^Error: big\\.svg: the image is ${data.length} characters long, more than the ${MAX_CHART_IMAGE_CHARS}`));
  });

  it('makes a plain file name of the format\'s extension from any suggestion', () => {
    assert.equal(fileNameFor('loss-chart.png', 'png'), 'loss-chart.png');
    assert.equal(fileNameFor('../../etc/passwd', 'svg'), 'passwd.svg');
    assert.equal(fileNameFor('C:\\Users\\x\\plot.svg', 'svg'), 'plot.svg');
    assert.equal(fileNameFor('SWD (×10³) by time', 'png'), 'SWD-10-by-time.png');
    assert.equal(fileNameFor('...', 'png'), 'chart.png');
    assert.equal(fileNameFor('chart.svg', 'png'), 'chart.png');
  });
});
