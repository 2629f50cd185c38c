import type { LoadedData } from './training-data.js'

/** Which data a final model is fitted on for the test ranking. */
export type Fit = 'train' | 'train+valid'

export const FITS: readonly Fit[] = ['train', 'train+valid']

/**
 * The data with each user's validation target folded into training: train sequences become the
 * test histories (every item but the last), no validation cases are left, the test cases stay.
 * For refitting a model, and the baselines, once settings (epochs included) were chosen on
 * validation: the test ranking then sees one more item per user, as the test histories already
 * do. A different fingerprint, so nothing cached for the train split is read back for it.
 */
export function foldValidation (data: LoadedData): LoadedData {
  // the test histories carry the validation targets back into train: a sample of them would drop the others'
  if (data.evaluationSample !== undefined) throw new Error('train+valid needs every test case: the evaluation is sampled (see withEvaluationSample)')
  const { train, test } = data.split
  const folded = [...train]
  for (const c of test) folded[c.user] = c.history
  return { ...data, split: { train: folded, valid: [], test }, fingerprint: `${data.fingerprint}+valid` }
}
