// The names of the losses a person sees, in one place: the tree, the panel, the Compare tab,
// the CLI table and the report all say which loss a number is, and define it the same way.

/** The default everywhere a run gets one loss: the mean training loss over its last epoch. */
export const FINAL_LOSS = {
  label: 'final loss',
  /** What it is, in a few words, for a line of text beside the number. */
  brief: 'mean over the last epoch',
  definition: 'mean training loss over the last epoch (the same number in the tree, the Compare tab, the CLI table and the report)',
} as const;

/** The curve's line: the exponential moving average the smoothing slider sets. */
export const SMOOTHED_LOSS = {
  label: 'smoothed loss',
  definition: 'training loss at the last step, smoothed by the panel\'s smoothing slider (exponential moving average)',
} as const;

/** One minibatch's loss, as the trainer logs it at each step. */
export const STEP_LOSS = {
  label: 'step loss',
  definition: 'training loss of the last step\'s minibatch alone (noisy)',
} as const;

/** The lowest epoch mean over the run. */
export const BEST_LOSS = {
  label: 'best epoch loss',
  definition: 'lowest mean training loss of any epoch',
} as const;
