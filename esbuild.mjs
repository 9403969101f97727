// One build script for every bundle. The trainer bundles keep tfjs and sharp external:
// sharp is native, and tfjs's wasm backend loads its .wasm files from its own package.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

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
};

const builds = [
  { ...nodeBundle, entryPoints: { trainer: 'src/trainer/main.ts' }, outdir: 'dist' },
  {
    ...nodeBundle,
    entryPoints: { cli: 'src/trainer/cli.ts' },
    outdir: 'dist',
    banner: { js: '#!/usr/bin/env node' },
  },
];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
