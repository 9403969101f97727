// `sweep --dry-run`'s time estimate: the FLOPs each run will compute, divided by a throughput
// that is either measured (earlier runs of the same model, image size and batch size in the
// same output folder) or assumed per backend. It counts training steps (forward + backward
// ~ 3 forward passes) and sampling (reverse strips and the final grid, T forward passes
// each); dataset loading and quality evaluations are not included.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { BackendName } from '../../shared/options';
import type { RunConfig } from '../../shared/runConfig';
import type { SweepRun } from '../../shared/sweepSpec';
import { findImages } from '../data/findImages';
import { heldOutSize } from '../../shared/runConfig';
import { forwardFlopsPerImage } from '../model/flops';
import { readMetrics, readRunConfigFile, readRunStatus, runsDirectory } from '../../shared/runReading/runFiles';
import type { SweepRunRow } from './sweepSummary';

/**
 * Training throughput assumed when nothing was measured, in GFLOP/s. wasm: measured for the
 * small preset at 16 and 32 px, batch 64, on a 2-core cloud VM (5-6.5 GFLOP/s). tensorflow and
 * cpu are guesses (libtensorflow on a few CPU cores; plain JavaScript), webgpu a guess for a laptop
 * GPU at tfjs-webgpu's conv rates (bench/NOTES.md, WebGPU): pass --gflops for yours.
 */
export const ASSUMED_GFLOPS: Readonly<Record<BackendName, number>> = { tensorflow: 50, webgpu: 200, wasm: 6, cpu: 0.5 };

export interface RunEstimate {
  /** Optimiser steps still to do; null when the dataset cannot be counted. */
  steps: number | null;
  flops: number | null;
  seconds: number | null;
  gflops: number;
  /** How the throughput was found. */
  basis: 'measured' | 'assumed' | 'given';
}

export interface SweepEstimate {
  runs: RunEstimate[];
  totalSeconds: number;
  /** Runs whose time is unknown (their dataset folder could not be read). */
  unknown: number;
  /** One line saying where the throughput came from. */
  basis: string;
}

export interface EstimateOptions {
  outDir: string;
  /** `--gflops`: use this throughput for every run. */
  gflops?: number;
  /** What each run's directory holds now: done runs need nothing, resumed ones the rest. */
  current: Pick<SweepRunRow, 'state'>[];
}

export async function estimateSweep(runs: SweepRun[], opts: EstimateOptions): Promise<SweepEstimate> {
  const measured = await measuredThroughputs(opts.outDir);
  const imageCounts = new Map<string, Promise<number | null>>();
  const estimates: RunEstimate[] = [];
  for (const [i, run] of runs.entries()) {
    const c = run.config;
    const key = `${c.dataset}|${c.datasetSplit}`;
    if (!imageCounts.has(key)) imageCounts.set(key, countImages(c));
    const images = await imageCounts.get(key)!;
    const state = opts.current[i]?.state;
    const doneSteps = state === 'done' ? Infinity : state && state !== 'not started' ? await stepsDone(opts.outDir, run) : 0;
    const work = images === null ? null : workload(c, images, doneSteps);
    const m = measured.get(throughputKey(c, c.backend === 'auto' ? null : c.backend));
    const [gflops, basis]: [number, RunEstimate['basis']] = opts.gflops !== undefined ? [opts.gflops, 'given']
      : m !== undefined ? [m, 'measured'] : [ASSUMED_GFLOPS[c.backend === 'auto' ? 'wasm' : c.backend], 'assumed'];
    estimates.push({
      steps: work?.steps ?? null, flops: work?.flops ?? null, gflops, basis,
      seconds: work === null ? null : work.flops / (gflops * 1e9),
    });
  }
  const assumedFor = [...new Set(runs.filter((_, i) => estimates[i]!.basis === 'assumed').map((r) => r.config.backend))];
  const basis = opts.gflops !== undefined
    ? `${opts.gflops} GFLOP/s (given with --gflops)`
    : [
      estimates.some((e) => e.basis === 'measured') ? `measured on earlier runs in ${opts.outDir} with the same widths, image size and batch size` : '',
      assumedFor.length > 0 ? `assumed ${assumedFor.map((b) => `${ASSUMED_GFLOPS[b === 'auto' ? 'wasm' : b]} GFLOP/s for ${b === 'auto' ? 'wasm (backend auto, without tfjs-node)' : b}`).join(', ')}; pass --gflops N for your machine's` : '',
    ].filter(Boolean).join('; ');
  return {
    runs: estimates,
    totalSeconds: estimates.reduce((a, e) => a + (e.seconds ?? 0), 0),
    unknown: estimates.filter((e) => e.seconds === null).length,
    basis: `training and sampling only; throughput ${basis}`,
  };
}

/** Steps and FLOPs still to do for a run that has finished `doneSteps` steps. */
export function workload(c: RunConfig, images: number, doneSteps = 0): { steps: number; flops: number } {
  const trainImages = images - heldOutSize(images, c.heldOutCount, c.heldOutFraction);
  const perEpoch = Math.floor(trainImages / c.batchSize);
  const allSteps = c.maxSteps > 0 ? Math.min(c.maxSteps, c.epochs * perEpoch) : c.epochs * perEpoch;
  if (doneSteps >= allSteps) return { steps: 0, flops: 0 };
  const steps = allSteps - doneSteps;
  const forward = forwardFlopsPerImage(c.channels, c.imgSize, c);
  const epochsRun = perEpoch > 0 ? Math.ceil(allSteps / perEpoch) : 0;
  // trainRun: a reverse strip (one image) after every sampleEvery-th epoch but the last, one at the end, then the grid.
  const strips = (c.sampleEvery > 0 ? Math.floor(Math.max(0, epochsRun - 1) / c.sampleEvery) : 0) + 1;
  const sampling = forward * c.timesteps * (strips + c.sampleCount);
  return { steps, flops: 3 * forward * c.batchSize * steps + sampling };
}

async function countImages(c: RunConfig): Promise<number | null> {
  if (c.dataset === 'toy-cars') return c.toyCarsCount;
  try {
    return (await findImages(c.dataset, c.datasetSplit)).files.length;
  } catch {
    return null; // reported: the dry run lists the runs whose dataset could not be counted
  }
}

async function stepsDone(outDir: string, run: SweepRun): Promise<number> {
  return readRunStatus(path.join(runsDirectory(outDir), run.runId)).then((s) => s.step, () => 0); // no readable status: nothing done yet, as far as an estimate goes
}

function throughputKey(c: Pick<RunConfig, 'channels' | 'imgSize' | 'batchSize'>, backend: BackendName | null): string {
  return `${c.channels.join(',')}|${c.imgSize}|${c.batchSize}|${backend ?? 'any'}`;
}

/** Training GFLOP/s of the runs in `outDir`, keyed by widths, size, batch and backend (and `any`). */
async function measuredThroughputs(outDir: string): Promise<Map<string, number>> {
  const dir = runsDirectory(outDir);
  const samples = new Map<string, { flops: number; ms: number }>();
  for (const id of await fs.readdir(dir).catch(() => [] as string[])) { // no runs yet: nothing measured
    const runDir = path.join(dir, id);
    const file = await readRunConfigFile(runDir).catch(() => null); // not a run to measure; the sweep table reports broken runs
    if (!file) continue;
    // The first step of a session compiles kernels and warms caches: leave it out.
    const steps = (await readMetrics(runDir)).filter((r) => r.kind === 'step' && r.step > 1);
    if (steps.length === 0) continue;
    const c = file.config;
    const flops = 3 * forwardFlopsPerImage(c.channels, c.imgSize, c) * c.batchSize * steps.length;
    const ms = steps.reduce((a, r) => a + (r as { ms: number }).ms, 0);
    for (const key of [throughputKey(c, file.environment.backend), throughputKey(c, null)]) {
      const s = samples.get(key) ?? { flops: 0, ms: 0 };
      samples.set(key, { flops: s.flops + flops, ms: s.ms + ms });
    }
  }
  return new Map([...samples].map(([k, s]) => [k, s.flops / (s.ms / 1000) / 1e9]));
}
