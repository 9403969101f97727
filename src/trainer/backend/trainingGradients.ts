// Gradients for training. tfjs-core's own entry point registers no gradient functions
// (the @tensorflow/tfjs union package does that, and this project does not use it), so
// tf.variableGrads fails on the first op until they are registered here.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import {
  broadcastTo,
  div,
  Equal,
  Mean,
  reshape,
  Sum,
  util,
  type NamedAttrMap,
  getGradient,
  Greater,
  Less,
  LessEqual,
  NotEqual,
  registerGradient,
  zerosLike,
  type Tensor,
} from '@tensorflow/tfjs-core';

// Comparisons have no gradient in tfjs, and the tape still asks for one whenever a
// comparison of a trained tensor feeds tf.where (a Huber loss written with
// where(less(|d|, delta), …) fails with "gradient function not found for Less").
// Their true derivative is zero almost everywhere, as TensorFlow itself treats them.
const COMPARISONS = [Less, LessEqual, Greater, Equal, NotEqual] as const;

let broadcastReductionGradients = false;

/** Idempotent: the side-effect import above registers tfjs's gradients once. */
export function registerTrainingGradients(): void {
  if (!broadcastReductionGradients) {
    registerBroadcastReductionGradients();
    broadcastReductionGradients = true;
  }
  for (const kernelName of COMPARISONS) {
    if (getGradient(kernelName) !== undefined) continue;
    registerGradient({
      kernelName,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy: Tensor | Tensor[], saved: Tensor[]) => {
        const [a, b] = saved as [Tensor, Tensor];
        return { a: () => zerosLike(a), b: () => zerosLike(b) };
      },
    });
  }
}

/**
 * Mean's and Sum's gradients as tfjs-core writes them build a ones tensor of the input's
 * full shape in JavaScript (makeOnesTypedArray, then a copy into the backend) and multiply
 * by it; BatchNorm's moments and the loss's mean do this every step. Broadcasting dy (divided
 * by the count first, for Mean) gives the same values bit for bit: x * 1 is exact, and dy / n
 * is the division the original does after that multiplication.
 */
function registerBroadcastReductionGradients(): void {
  for (const kernelName of [Mean, Sum] as const) {
    registerGradient({
      kernelName,
      inputsToSave: ['x'],
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
        const [x] = saved as [Tensor];
        const axes = util.parseAxisParam((attrs as unknown as { axis: number | number[] }).axis, x.shape);
        const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
        const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
        return {
          x: () => {
            const g = reshape(dy as Tensor, expanded);
            return broadcastTo(kernelName === Mean ? div(g, count) : g, x.shape);
          },
        };
      },
    });
  }
}
