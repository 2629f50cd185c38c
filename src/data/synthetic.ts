import type { Interaction } from './dataset.js'
import { SyntheticModel, type SyntheticOptions } from './synthetic-model.js'

export { SYNTHETIC_DEFAULTS, type SyntheticOptions } from './synthetic-model.js'

/**
 * The service's embedded default dataset and the data every test uses: small, deterministic from
 * the seed, and shaped like real logs so that model comparisons mean something (the model is
 * described in `synthetic-model.ts`; `npm run synthetic` streams the same model to a file).
 * Ids look like `u3` and `i17`; each user's ts increase; users are not interleaved.
 */
export function generateSynthetic (options: Partial<SyntheticOptions> = {}): Interaction[] {
  const model = new SyntheticModel(options)
  const interactions: Interaction[] = []
  for (let user = 0; user < model.options.users; user++) {
    const items = model.nextUser()
    for (let t = 0; t < items.length; t++) {
      interactions.push({ userId: `u${user}`, itemId: `i${items[t]}`, ts: EPOCH + user * 100_000 + t * 60 })
    }
  }
  return interactions
}

/** Base of the synthetic clock (2020-09-13, in seconds); ts only need to increase per user. */
const EPOCH = 1_600_000_000
