// The rooms and the arrows between them (docs/architecture.md), checked by `npm run depcheck`
// (part of `npm test`): extension -> shared <- trainer, webview -> shared, and no cycles.
// Type-only imports count (tsPreCompilationDeps): a type from another room is still a
// dependency on that room. Tests, benchmarks and scripts are not cruised.
const { builtinModules } = require('node:module');

const escape = (name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** Node's own modules, however they are written: `node:fs`, `fs`, `fs/promises`. */
const NODE_CORE = ['^node:', `^(${builtinModules.filter((m) => !m.startsWith('_')).map(escape).join('|')})(/|$)`];
const TFJS = ['^@tensorflow/', '(^|/)node_modules/@tensorflow/'];
const VSCODE = ['^vscode$', '(^|/)node_modules/@types/vscode/'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'extension-not-to-trainer',
      comment: 'The extension host runs the trainer as a child process (or its CLI); it never imports its code. Move what both need to src/shared.',
      severity: 'error',
      from: { path: '^src/extension/' },
      to: { path: '^src/trainer/' },
    },
    {
      name: 'trainer-not-to-extension',
      comment: 'The trainer never knows VS Code exists: it runs from the command line too.',
      severity: 'error',
      from: { path: '^src/trainer/' },
      to: { path: '^src/extension/' },
    },
    {
      name: 'shared-imports-no-room',
      comment: 'src/shared is what crosses a process boundary; it imports no other room.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: ['^src/(extension|trainer)/', '^webview/'] },
    },
    {
      name: 'webview-only-to-shared',
      comment: 'The webview talks to the extension only by postMessage; of src it imports src/shared alone.',
      severity: 'error',
      from: { path: '^webview/' },
      to: { path: '^src/', pathNot: '^src/shared/' },
    },
    {
      name: 'src-not-to-webview',
      comment: 'The extension knows the webview by its bundle (dist/webview.js), not by its code.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^webview/' },
    },
    {
      name: 'tfjs-only-in-trainer',
      comment: 'Only the trainer computes tensors: the extension host, the webview and src/shared never import tfjs.',
      severity: 'error',
      from: { path: ['^src/(extension|shared)/', '^webview/'] },
      to: { path: TFJS },
    },
    {
      name: 'vscode-only-in-extension',
      comment: 'Only src/extension runs in the extension host; nothing else may import the vscode API.',
      severity: 'error',
      from: { path: ['^src/', '^webview/'], pathNot: '^src/extension/' },
      to: { path: VSCODE },
    },
    {
      name: 'no-node-in-webview',
      comment: 'The webview runs in a browser page: no Node module, directly or through what it imports (a src/shared module that uses node:fs must not be imported by the webview).',
      severity: 'error',
      from: { path: '^webview/' },
      to: { path: NODE_CORE, reachable: true },
    },
    {
      name: 'no-circular',
      comment: 'Modules import one another one way only.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'resolvable',
      comment: 'An import the check cannot resolve is one it cannot check. The optional tfjs-node backends may be absent.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, pathNot: ['^@tensorflow/tfjs-node(-gpu)?$', '^vscode$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['types', 'import', 'require', 'node', 'default'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: { text: { highlightFocused: true } },
  },
};
