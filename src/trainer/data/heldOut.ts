// The held-out images: a fixed seeded subset never trained on, used for evaluation.
// Each image draws a score from (seed, its name) and the lowest scores are held out, so the
// choice does not depend on the order of the others: adding or removing a few files to a
// folder changes the held-out set only by those files and the few displaced at the margin.
import { heldOutSize, type RunConfig } from '../../shared/runConfig';
import { Random } from '../random';
import { datasetFingerprint, type ImageDataset } from './dataset';

export interface HeldOutSplit {
  /** Held-out image indices, ascending. */
  heldOut: Int32Array;
  /** Every other index, ascending: what TrainingBatches should draw from. */
  training: Int32Array;
  /** Names which images were held out (by dataset name and image names, so it is the same at every image size). */
  fingerprint: string;
}


export function splitHeldOut(
  dataset: ImageDataset,
  { heldOutCount, heldOutFraction, seed }: Pick<RunConfig, 'heldOutCount' | 'heldOutFraction' | 'seed'>,
): HeldOutSplit {
  const n = heldOutSize(dataset.count, heldOutCount, heldOutFraction);
  const keyOf = (i: number) => dataset.imageName?.(i) ?? String(i);
  const scores = new Float64Array(dataset.count);
  for (let i = 0; i < dataset.count; i++) scores[i] = Random.derive(seed, `held-out/${keyOf(i)}`).uniform();
  const ranked = Int32Array.from({ length: dataset.count }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]! || a - b);
  const heldOut = ranked.slice(0, n).sort();
  const training = ranked.slice(n).sort();
  const names = Array.from(heldOut, keyOf);
  return { heldOut, training, fingerprint: datasetFingerprint(['held-out', dataset.name, ...names]) };
}
