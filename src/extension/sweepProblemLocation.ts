// Where in a sweep file a problem is: from its JSON path (a checked SweepProblem), or from the
// trainer's message alone: `axes.imgSize[0]: ...`, `unknown field "x"`, or a JSON syntax error
// `at line L, column C`. The editor underlines that text. No VS Code import.
import { findNodeAtLocation, parseTree, type JSONPath, type Node } from 'jsonc-parser';
import type { SweepProblem } from '../shared/sweepChecks/sweepProblem';

export interface TextSpan {
  offset: number;
  length: number;
}

export interface SweepProblemSpan extends TextSpan {
  /** The span is the problem's own value or key (a fix may replace it), not a parent standing in for it. */
  exact: boolean;
}

/** The problem's value (its key, for an unknown field); a path that is not there: the deepest part that is; else the first character. */
export function spanOfSweepProblem(text: string, problem: SweepProblem): SweepProblemSpan {
  if (problem.offset !== undefined) return { offset: Math.min(problem.offset, text.length), length: 1, exact: false };
  const root = parseTree(text);
  for (let n = problem.path.length; root && n > 0; n--) {
    const node = findNodeAtLocation(root, problem.path.slice(0, n));
    const exact = n === problem.path.length;
    if (node) return { ...spanOf(problem.atKey && exact ? keyOf(node) : node), exact };
  }
  return { offset: 0, length: Math.min(1, text.length), exact: problem.path.length === 0 };
}

export function locateSweepProblem(text: string, problem: string): TextSpan | undefined {
  const syntax = /at line (\d+), column (\d+)/.exec(problem);
  if (syntax) {
    const lines = text.split('\n');
    const line = Math.min(Number(syntax[1]) - 1, lines.length - 1);
    const offset = lines.slice(0, line).reduce((a, l) => a + l.length + 1, 0) + Number(syntax[2]) - 1;
    return { offset: Math.min(offset, text.length), length: 1 };
  }
  const root = parseTree(text);
  if (!root) return undefined;
  const at = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\[\d+\]|\["[^"]*"\])*):/.exec(problem);
  let jsonPath: JSONPath = at ? parsePath(at[1]!) : [];
  const unknown = /unknown field "([^"]+)"/.exec(problem);
  if (unknown) jsonPath = [...jsonPath, unknown[1]!];
  // The deepest part of the path that exists: a missing field points at its parent.
  for (let n = jsonPath.length; n > 0; n--) {
    const node = findNodeAtLocation(root, jsonPath.slice(0, n));
    if (node) return spanOf(unknown && n === jsonPath.length ? keyOf(node) : node);
  }
  return undefined;
}

/** `axes.imgSize[0]` -> ['axes', 'imgSize', 0]. */
export function parsePath(text: string): JSONPath {
  const out: JSONPath = [];
  for (const m of text.matchAll(/([A-Za-z_$][\w$]*)|\[(\d+)\]|\["([^"]*)"\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(m[3]!);
  }
  return out;
}

/** A property's value node -> its key, so an unknown field's name is what gets selected. */
function keyOf(node: Node): Node {
  return node.parent?.type === 'property' && node.parent.children?.[0] ? node.parent.children[0] : node;
}

function spanOf(node: Node): TextSpan {
  return { offset: node.offset, length: node.length };
}
