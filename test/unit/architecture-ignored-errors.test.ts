// No swallowed errors (issue 14): every `catch` clause, `.catch(` callback and `.then(` rejection callback in src/
// and webview/ either uses its error (reports it, rethrows it, tells one error from another) or says why ignoring it
// is right, in a comment on the catch line or on the first line of its body. The scan reads the source with the
// TypeScript parser, so a `//` in a string is not a comment and a catch split over lines is still one catch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const TIMEOUT = 60_000;

/** Every line that has a comment starting on it (0-based): the trivia before each token, punctuation included. */
function commentLines(source: ts.SourceFile): Set<number> {
  const lines = new Set<number>();
  const visit = (node: ts.Node) => {
    // Leading ranges start after a line break; a comment on the previous token's line is that token's trailing one.
    for (const r of [...(ts.getLeadingCommentRanges(source.text, node.pos) ?? []), ...(ts.getTrailingCommentRanges(source.text, node.end) ?? [])]) {
      lines.add(source.getLineAndCharacterOfPosition(r.pos).line);
    }
    for (const child of node.getChildren(source)) visit(child);
  };
  visit(source);
  return lines;
}

/** Whether a name that the error was bound to is read anywhere in the handler's body. */
function usesAny(names: string[], body: ts.Node): boolean {
  if (names.length === 0) return false;
  let used = false;
  const visit = (node: ts.Node) => {
    if (used) return;
    // `x.err` or `{ err: 1 }` names something else; `{ err }` is a use.
    const isOtherName = (ts.isPropertyAccessExpression(node.parent) || ts.isPropertyAssignment(node.parent)) && node.parent.name === node;
    if (ts.isIdentifier(node) && names.includes(node.text) && !isOtherName) used = true;
    else node.forEachChild(visit);
  };
  visit(body);
  return used;
}

function boundNames(name: ts.BindingName | undefined): string[] {
  if (!name) return [];
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : boundNames(e.name)));
}

/** The body's first line: of its first statement, or of its closing brace when it is empty, or of an arrow's expression. */
function firstBodyLine(source: ts.SourceFile, body: ts.Node): number {
  const line = (pos: number) => source.getLineAndCharacterOfPosition(pos).line;
  if (ts.isBlock(body)) return body.statements.length > 0 ? line(body.statements[0].getStart(source)) : line(body.end - 1);
  return line(body.getStart(source));
}

export interface IgnoredError {
  file: string;
  /** 1-based. */
  line: number;
  text: string;
}

/** The catches in one file's text that ignore their error with no comment saying why. */
export function findIgnoredErrors(file: string, text: string): IgnoredError[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const comments = commentLines(source);
  const found: IgnoredError[] = [];
  const check = (at: number, names: string[], body: ts.Node) => {
    if (usesAny(names, body)) return;
    const from = source.getLineAndCharacterOfPosition(at).line;
    const to = Math.max(from, firstBodyLine(source, body));
    for (let l = from; l <= to; l++) if (comments.has(l)) return;
    found.push({ file, line: from + 1, text: text.split('\n')[from].trim() });
  };
  const visit = (node: ts.Node) => {
    if (ts.isCatchClause(node)) {
      check(node.getStart(source), boundNames(node.variableDeclaration?.name), node.block);
    } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && ['catch', 'then'].includes(node.expression.name.text)) {
      // `.catch(onRejected)`, and `.then(onFulfilled, onRejected)`, which is the same thing.
      const handler = node.arguments[node.expression.name.text === 'catch' ? 0 : 1];
      // A handler passed by name gets the error; only an inline function can drop it unseen.
      if (handler && (ts.isArrowFunction(handler) || ts.isFunctionExpression(handler))) {
        check(node.expression.name.getStart(source), handler.parameters.flatMap((p) => boundNames(p.name)), handler.body);
      }
    }
    node.forEachChild(visit);
  };
  visit(source);
  return found;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return name === 'node_modules' ? [] : tsFiles(p);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [p] : [];
  });
}

test('every catch in src/ and webview/ uses its error or says why not', { timeout: TIMEOUT }, () => {
  const files = [...tsFiles(path.join(ROOT, 'src')), ...tsFiles(path.join(ROOT, 'webview'))];
  assert.ok(files.length > 50, `found only ${files.length} source files`);
  const found = files.flatMap((f) => findIgnoredErrors(path.relative(ROOT, f), readFileSync(f, 'utf8')));
  assert.deepEqual(
    found.map((f) => `${f.file}:${f.line}: ${f.text}`),
    [],
    'these catches ignore their error: report it, or say on the catch line (or the first line of its body) why ignoring it is right',
  );
});

test('the scan flags a catch that ignores its error silently, and passes one that says why', { timeout: TIMEOUT }, () => {
  const source = [
    `export async function read(f: string, fs: any) {`, // 1
    `  try {`,
    `    return await fs.readFile(f);`,
    `  } catch {`, // 4: flagged
    `    return null;`,
    `  }`,
    `  try { fs.x(); } catch (err) { return 0; }`, // 7: err unused, flagged
    `  const a = await fs.stat(f).catch(() => null);`, // 8: flagged
    `  const b = await fs.stat(f).catch((_err: Error) => {`, // 9: flagged
    `    return '// not a comment';`,
    `  });`,
    `  fs.y().catch(() => {});`, // 12: flagged
    `  try {`,
    `    fs.z();`,
    `  } catch {`, // 15: commented in the body, passes
    `    // Absent is the default.`,
    `    return null;`,
    `  }`,
    `  try { fs.w(); } catch { /* best effort */ }`, // 19: passes
    `  const c = await fs.stat(f).catch(() => null); // absent: none`, // 20: passes
    `  try { fs.v(); } catch (err) { throw new Error(\`\${f}: \${String(err)}\`); }`, // 21: uses err, passes
    `  fs.u().catch((e: Error) => console.error(e));`, // 22: uses e, passes
    `  fs.t().catch(console.error);`, // 23: a named handler, passes
    `  const d = await fs.stat(f)`,
    `    .catch(() => {`, // 25: flagged
    `      return undefined;`,
    `    });`,
    `  try { fs.s(); } catch {`, // 28: flagged, the comment is past the body's first line
    `    fs.r();`,
    `    // too late`,
    `  }`,
    `  const e = await fs.stat(f).then((s: any) => s.size, () => 0);`, // 32: flagged
    `  const g = await fs.stat(f).then((s: any) => s.size, (err: any) => { if (err.code === 'ENOENT') return 0; throw err; });`, // 33: passes
    `  await fs.stat(f).then(() => 0);`, // 34: no rejection callback, nothing to check
    `  try { fs.q(); } catch (err) { return { err: fs.err }; }`, // 35: flagged, err is only a property name
    `  return [a, b, c, d, e, g];`,
    `}`,
  ].join('\n');
  const lines = findIgnoredErrors('planted.ts', source).map((f) => f.line);
  assert.deepEqual(lines, [4, 7, 8, 9, 12, 25, 28, 32, 35]);
  assert.match(findIgnoredErrors('planted.ts', source)[0].text, /catch \{/);
});
