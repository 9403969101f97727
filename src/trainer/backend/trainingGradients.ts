// Gradients for training. tfjs-core's own entry point registers no gradient functions
// (the @tensorflow/tfjs union package does that, and this project does not use it), so
// tf.variableGrads fails on the first op until they are registered here.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import {
  Equal,
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

/** Idempotent: the side-effect import above registers tfjs's gradients once. */
export function registerTrainingGradients(): void {
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
