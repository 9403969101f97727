// The values each recipe sets, under whatever a config gives explicitly. `improved` was chosen
// by measurement on the demo's budget (bench/NOTES.md, "The improved recipe"): each entry is a
// fix for one reason the notebook's cars look poor, and each can be switched back on its own.
import { isOneOf, RECIPES, type RecipeName } from './options';
import { RUN_CONFIG_TABLE, type FieldSpec, type RunConfigField, type ValueOfFieldSpec } from './runConfigSchema';

/** Some fields of a run config (RunConfig is built from the same table; runConfig.ts imports this file). */
type RecipeValues = { readonly [K in RunConfigField]?: ValueOfFieldSpec<(typeof RUN_CONFIG_TABLE)[K]> };

export const RECIPE_VALUES: Readonly<Record<RecipeName, RecipeValues>> = {
  faithful: {},
  improved: {
    // BatchNorm's running statistics lag weights that move fast, and go stale under an EMA.
    normalization: 'group',
    residual: 'on',
    activation: 'silu',
    // The notebook's linear schedule leaves 22% of x_0 at t = T-1: sampling starts from the wrong noise.
    schedule: 'cosine',
    loss: 'l2',
    lr: 2e-3,
    lrWarmupSteps: 20,
    emaDecay: 0.995,
    // Clamping x_t every step removes noise the next step expects; clamping the x_0 estimate does not.
    samplingClamp: 'x0',
    samplingBatchNorm: 'eval',
    // Quick previews: a grid by DDIM every sampleEvery epochs, for about the cost of one DDPM image.
    previewSampler: 'ddim',
    previewCount: 8,
  },
};

/**
 * Whether a run's value of `field` is just what its recipe gives (the recipe's value, else the
 * table's default): a label that names the recipe need not name it too.
 */
export function impliedByRecipe(field: string, value: unknown, recipe: unknown): boolean {
  if (field === 'recipe' || !isOneOf(RECIPES, recipe) || !(field in RUN_CONFIG_TABLE)) return false;
  const set = RECIPE_VALUES[recipe] as Record<string, unknown>;
  const implied = field in set ? set[field] : (RUN_CONFIG_TABLE[field as RunConfigField] as FieldSpec).default;
  return implied !== undefined && implied === value;
}
