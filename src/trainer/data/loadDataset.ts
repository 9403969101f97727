// Picks the dataset a run config names: the built-in toy-cars set, or a folder of images
// (Stanford Cars in torchvision's or Kaggle's layout, or any folder) decoded once and cached.
import type { DatasetRecord, RunConfig } from '../../shared/runConfig';
import type { ImageDataset } from './dataset';
import type { DecodeProgress } from './decodeImages';
import type { HeldOutSplit } from './heldOut';
import { loadImageFolder, type DatasetLoadReport } from './imageFolderDataset';
import { createToyCarsDataset } from './toyCars';

export const TOY_CARS = 'toy-cars';

export type { DatasetLoadReport } from './imageFolderDataset';
export type { DecodeProgress } from './decodeImages';

export interface LoadDatasetOptions {
  /** Where decoded folders are cached, e.g. `<outDir>/cache`; nothing is cached without it. */
  cacheDir?: string;
  /** Decoding progress (count, images/s, ETA, skipped so far); not called on a cache hit. */
  onProgress?: (p: DecodeProgress) => void;
  /** Files decoded at once (default twice the cores). */
  concurrency?: number;
}

/** A dataset plus what loading it found: skipped files, cache use, time. */
export type LoadedDataset = ImageDataset & { readonly report: DatasetLoadReport };

type DatasetConfig = Pick<RunConfig, 'dataset' | 'imgSize' | 'seed' | 'toyCarsCount'> &
  Partial<Pick<RunConfig, 'datasetSplit' | 'imageFit'>>;

export async function loadDataset(config: DatasetConfig, options: LoadDatasetOptions = {}): Promise<LoadedDataset> {
  // Configs written before these fields existed have neither: they mean the defaults.
  const split = config.datasetSplit ?? 'all';
  const fit = config.imageFit ?? 'fill';
  if (config.dataset === TOY_CARS) {
    const start = performance.now();
    const dataset = createToyCarsDataset({ count: config.toyCarsCount, imgSize: config.imgSize, seed: config.seed });
    const report: DatasetLoadReport = {
      source: TOY_CARS, layout: 'toy-cars', split, fit, images: dataset.count, skipped: 0, skippedExamples: [],
      enlarged: 0, cache: 'off', ms: performance.now() - start, notes: [],
    };
    return Object.assign(dataset, { report });
  }
  return loadImageFolder({
    path: config.dataset, imgSize: config.imgSize, split, fit,
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  });
}

/** What config.json records about the data of a run (RunEnvironment.dataset). */
export function datasetRecord(dataset: LoadedDataset, split: HeldOutSplit): DatasetRecord {
  return {
    name: dataset.name,
    ...(dataset.report.layout === 'toy-cars' ? {} : { path: dataset.report.source }),
    images: dataset.count,
    skipped: dataset.report.skipped,
    trainImages: split.training.length,
    heldOutImages: split.heldOut.length,
    heldOutFingerprint: split.fingerprint,
  };
}
