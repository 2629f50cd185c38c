import { FITS, type Fit } from '../distill/training/fold-validation.js'
import type { TrainReport } from '../distill/training/train-loop.js'
import { CliUsageError, type OptionSpec } from './args.js'

/** `--fit`: what the tested model (and, in eval, the baselines) is fitted on once settings were chosen on validation. */
export const FIT_OPTION = {
  type: 'string',
  default: 'train',
  description: 'train | train+valid: refit the final model on train plus the validation targets for the epochs chosen on validation, then test it (an experiment: needs --no-save)'
} as const satisfies OptionSpec

/** The `--fit` value, checked; train+valid only for runs that save nothing. */
export function fitOption (value: string, noSave: boolean): Fit {
  if (!(FITS as readonly string[]).includes(value)) throw new CliUsageError(`--fit must be ${FITS.join(' or ')}, got ${JSON.stringify(value)}`)
  if (value === 'train+valid' && !noSave) {
    throw new CliUsageError('--fit train+valid gives a model that has seen the validation targets later runs choose on: add --no-save (it is for the test ranking of experiments)')
  }
  return value as Fit
}

/** What a run refitted on train+valid says of it (nothing for a run fitted on train alone). */
export function refitLine (refit: TrainReport | undefined): string | undefined {
  return refit === undefined ? undefined : `refitted on train+valid for ${refit.epochs.length} epoch(s) (the best on validation) in ${refit.seconds.toFixed(1)}s; test figures are the refit's`
}
