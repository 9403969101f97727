// One build script for every bundle. The trainer bundles keep tfjs-node and sharp external:
// they are native. tfjs's wasm backend is bundled; its .wasm binaries (and the threaded
// build's worker JavaScript) are copied next to the bundles, where
// src/trainer/backend/wasm/wasmBackend.ts looks for them first.
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
// --outdir=DIR: where the bundles go (scripts/package.mjs builds the VSIX's into its staging folder).
const outdir = process.argv.find((a) => a.startsWith('--outdir='))?.slice('--outdir='.length) ?? 'dist';
const packageVersion = JSON.parse(readFileSync('package.json', 'utf8')).version;

/** Imports a module of src/shared that imports no package (the schemas), compiled on the fly. */
async function importShared(entry) {
  const { outputFiles } = await esbuild.build({ entryPoints: [entry], bundle: true, write: false, format: 'esm', platform: 'neutral', logLevel: 'silent' });
  return import(`data:text/javascript;base64,${Buffer.from(outputFiles[0].text).toString('base64')}`);
}

/**
 * src/shared/runConfigValidator.ts compiles the run-config check with Ajv as it loads, and
 * src/shared/sweepChecks/sweepSchemaValidator.ts the sweep file's. In the bundles, Ajv's
 * standalone code for the same schema and options takes each one's place: no Ajv in them (the
 * minified extension bundle: 128 KB, not 223 KB) and no ~120 ms compile at start-up.
 */
const STANDALONE_VALIDATORS = [
  {
    module: /[\\/]src[\\/]shared[\\/]runConfigValidator\.ts$/, exportName: 'checkRunConfigSchema',
    schema: async () => {
      const { RUN_CONFIG_SCHEMA, RUN_CONFIG_AJV_OPTIONS } = await importShared('src/shared/runConfigSchema.ts');
      return { schema: RUN_CONFIG_SCHEMA, options: RUN_CONFIG_AJV_OPTIONS };
    },
    watchFiles: ['src/shared/runConfigSchema.ts', 'src/shared/options.ts'],
  },
  {
    module: /[\\/]src[\\/]shared[\\/]sweepChecks[\\/]sweepSchemaValidator\.ts$/, exportName: 'checkSweepSchema',
    schema: async () => {
      const { SWEEP_SCHEMA, SWEEP_AJV_OPTIONS } = await importShared('src/shared/sweepSchema.ts');
      return { schema: SWEEP_SCHEMA, options: SWEEP_AJV_OPTIONS };
    },
    watchFiles: ['src/shared/sweepSchema.ts', 'src/shared/runConfigSchema.ts', 'src/shared/options.ts'],
  },
];

/** @returns {esbuild.Plugin} */
function standaloneValidatorsPlugin() {
  return {
    name: 'standalone-validators',
    setup(build) {
      for (const v of STANDALONE_VALIDATORS) {
        build.onLoad({ filter: v.module }, async (args) => {
          const { schema, options } = await v.schema();
          const ajv = new Ajv({ ...options, code: { source: true } });
          // A schema without $id is found by the key it was added under.
          ajv.addSchema(schema, schema.$id ? undefined : v.exportName);
          return {
            contents: standaloneCode(ajv, { [v.exportName]: schema.$id ?? v.exportName }),
            loader: 'js',
            resolveDir: dirname(args.path),
            watchFiles: v.watchFiles.map((f) => join(process.cwd(), f)),
          };
        });
      }
    },
  };
}

/** @type {esbuild.BuildOptions} */
const nodeBundle = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
  external: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', 'sharp'],
  define: { __DIFFUSION_LAB_VERSION__: JSON.stringify(packageVersion) },
  plugins: [standaloneValidatorsPlugin()],
  // jsonc-parser's UMD build (its `main`) requires its parts at run time; its ESM build bundles.
  // The trainer uses it too (src/shared/sweepChecks), where mainFields stay node's.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
};

const builds = [
  { ...nodeBundle, entryPoints: { trainer: 'src/trainer/forkedTrainer.ts' }, outdir },
  // The extension host side: never imports tfjs (docs/architecture.md, checked by npm run depcheck), so only `vscode` stays external.
  // mainFields: jsonc-parser's UMD build requires its parts at run time; its ESM build bundles.
  { ...nodeBundle, entryPoints: { extension: 'src/extension/extension.ts' }, outdir, external: ['vscode'], mainFields: ['module', 'main'] },
  {
    ...nodeBundle,
    entryPoints: { cli: 'src/trainer/cli.ts' },
    outdir,
    banner: { js: '#!/usr/bin/env node' },
  },
  // The results panel's webview: a browser bundle (Lit, uPlot, the webview toolkit), its CSS beside it.
  // Always minified (the source map keeps it debuggable): the page parses and compiles it before its
  // first paint: 330 KB instead of 690 KB (with the changes beside it, first paint 484-512 -> 212-256 ms; bench/NOTES.md, Panel).
  { entryPoints: { webview: 'webview/main.ts' }, outdir, bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: !production, minify: true, logLevel: 'info', tsconfig: 'webview/tsconfig.json' },
];

function copyWasmBinaries() {
  const wasmPackage = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  mkdirSync(outdir, { recursive: true });
  for (const name of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    copyFileSync(join(wasmPackage, 'dist', name), join(outdir, name));
  }
  // The threaded build's JavaScript, which its pthread workers load (src/trainer/backend/wasm/wasmThreads.ts).
  for (const name of ['tfjs-backend-wasm-threaded-simd.js', 'tfjs-backend-wasm-threaded-simd.worker.js']) {
    copyFileSync(join(wasmPackage, 'wasm-out', name), join(outdir, name));
  }
}
copyWasmBinaries();

/** schemas/sweep.schema.json, written from its TypeScript source so the two cannot differ. */
async function writeSweepSchema() {
  const { sweepSchemaText } = await importShared('src/shared/sweepSchema.ts');
  const file = 'schemas/sweep.schema.json';
  mkdirSync('schemas', { recursive: true });
  if (!existsSync(file) || readFileSync(file, 'utf8') !== sweepSchemaText()) writeFileSync(file, sweepSchemaText());
}
await writeSweepSchema();

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
