import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMarkdownReport } from '../../src/trainer/report/markdownReport';
import { buildNotebook, notebookText, toMultiline } from '../../src/trainer/report/notebook';
import { slug } from '../../src/shared/formatting';
import type { ReportBlock } from '../../src/trainer/report/studyDocument';
import { notebookStructureErrors } from '../helpers/notebookStructure';

const PNG_BYTES = Uint8Array.from([0x89, 0x50, 0x4e, 0x47]);
const blocks: ReportBlock[] = [
  { kind: 'markdown', id: 'title', text: '# Study\n\nline two' },
  { kind: 'figure', id: 'loss', title: 'Loss', alt: 'loss [all]', caption: 'Every run.', image: { name: 'loss.png', png: PNG_BYTES, width: 1, height: 1 } },
  { kind: 'code', id: 'load', source: 'x = 1\nprint(x)\n' },
  { kind: 'markdown', id: 'notes', text: 'verbatim  \n\n' },
];

test('toMultiline keeps every character, one line per entry', () => {
  assert.deepEqual(toMultiline(''), []);
  assert.deepEqual(toMultiline('a'), ['a']);
  assert.deepEqual(toMultiline('a\nb\n'), ['a\n', 'b\n']);
  assert.deepEqual(toMultiline('a\r\n\nb'), ['a\r\n', '\n', 'b']);
});

test('blocks become nbformat 4.5 cells: figures as markdown attachments, code without outputs', () => {
  const nb = buildNotebook(blocks, { sweepId: 's' });
  assert.deepEqual(notebookStructureErrors(JSON.parse(notebookText(nb))), []);
  assert.deepEqual(nb.cells.map((c) => [c.cell_type, c.id]), [['markdown', 'title'], ['markdown', 'loss'], ['code', 'load'], ['markdown', 'notes']]);
  const figure = nb.cells[1]!;
  assert.equal(figure.cell_type === 'markdown' && figure.attachments?.['loss.png']?.['image/png'], Buffer.from(PNG_BYTES).toString('base64'));
  assert.equal(figure.source.join(''), '**Loss**\n\n![loss all](attachment:loss.png)\n\nEvery run.');
  assert.deepEqual(nb.cells[2], { cell_type: 'code', id: 'load', metadata: {}, execution_count: null, outputs: [], source: ['x = 1\n', 'print(x)\n'] });
  assert.equal(nb.cells[3]!.source.join(''), 'verbatim  \n\n');
  assert.equal(nb.metadata.diffusion_lab.sweepId, 's');
});

test('the same blocks as markdown: image links into report-figures/, code fenced', () => {
  const md = buildMarkdownReport(blocks);
  assert.equal(md.text, '# Study\n\nline two\n\n**Loss**\n\n![loss all](report-figures/loss.png)\n\nEvery run.\n\n```python\nx = 1\nprint(x)\n```\n\nverbatim  \n');
  assert.deepEqual(md.images.map((i) => i.name), ['loss.png']);
});

test('slugs are safe cell ids and file names', () => {
  assert.equal(slug('forward-timesteps-250'), 'forward-timesteps-250');
  assert.equal(slug('run T=300, 32px / é'), 'run-T-300-32px');
  assert.equal(slug('..//x'), 'x');
});

test('the structural validator finds what is wrong', () => {
  const good = JSON.parse(notebookText(buildNotebook(blocks)));
  const broken = structuredClone(good);
  broken.nbformat_minor = 4;
  broken.cells[0].id = 'has space';
  broken.cells[1].id = 'load';
  broken.cells[2].outputs = [{ output_type: 'display_data', data: { 'image/png': 42 }, metadata: {} }, { output_type: 'nope' }];
  delete broken.cells[3].metadata;
  broken.cells[3].outputs = [];
  broken.extra = true;
  const errors = notebookStructureErrors(broken);
  for (const expected of [
    /unknown top-level key "extra"/, /nbformat_minor must be an integer >= 5/, /cells\[0\]\.id: must be 1-64/,
    /cells\[2\]\.id: "load" is not unique/, /cells\[2\]\.outputs\[0\]\.data\["image\/png"\]/, /cells\[2\]\.outputs\[1\]\.output_type: unknown "nope"/,
    /cells\[3\]\.metadata: must be an object/, /cells\[3\]: key "outputs" is not allowed in a markdown cell/,
  ]) {
    assert.ok(errors.some((e) => expected.test(e)), `expected ${expected} in ${JSON.stringify(errors, null, 1)}`);
  }
});

test('a gallery: captions over images side by side, four to a row, one attachment per image in both formats', { timeout: 10_000 }, () => {
  const image = (name: string) => ({ name, png: PNG_BYTES, width: 1, height: 1 });
  const items = ['a', 'b', 'c', 'd', 'e'].map((k) => ({ caption: `epoch ${k} · 1s | x`, alt: `grid [${k}]`, image: image(`${k}.png`) }));
  const gallery: ReportBlock = { kind: 'gallery', id: 'grids', title: 'Grids *side* by side', caption: 'Left to right.', items };
  const nb = buildNotebook([gallery]);
  assert.deepEqual(notebookStructureErrors(JSON.parse(notebookText(nb))), []);
  const cell = nb.cells[0]!;
  assert.equal(cell.cell_type, 'markdown');
  assert.deepEqual(Object.keys(cell.cell_type === 'markdown' ? cell.attachments ?? {} : {}), ['a.png', 'b.png', 'c.png', 'd.png', 'e.png']);
  const lines = cell.source.join('').split('\n');
  assert.equal(lines[0], '**Grids \\*side\\* by side**');
  // Two tables: four images, then the fifth; the captions are the header, their pipes escaped.
  const headers = lines.filter((l) => l.startsWith('| epoch'));
  assert.deepEqual(headers, ['| epoch a · 1s \\| x | epoch b · 1s \\| x | epoch c · 1s \\| x | epoch d · 1s \\| x |', '| epoch e · 1s \\| x |']);
  const imageRows = lines.filter((l) => l.startsWith('| !['));
  assert.equal(imageRows[0], '| ![grid a](attachment:a.png) | ![grid b](attachment:b.png) | ![grid c](attachment:c.png) | ![grid d](attachment:d.png) |');
  assert.equal(lines[lines.length - 1], 'Left to right.');

  const md = buildMarkdownReport([gallery]);
  assert.deepEqual(md.images.map((i) => i.name), ['a.png', 'b.png', 'c.png', 'd.png', 'e.png']);
  assert.ok(md.text.includes('| ![grid e](report-figures/e.png) |'), md.text);
});
