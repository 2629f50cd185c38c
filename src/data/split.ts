import type { Dataset } from './dataset.js'

/** One held-out prediction: given `history` (oldest first), the model should rank `target` high. */
export interface EvalCase {
  user: number
  history: Int32Array
  target: number
}

export interface LeaveOneOutSplit {
  /** Per user: every item but the last two (the whole sequence for users with fewer than 3). */
  train: Int32Array[]
  /** history = train sequence, target = second-to-last item. */
  valid: EvalCase[]
  /** history = all but the last item, target = the last item. */
  test: EvalCase[]
}

/**
 * Leave-one-out by time, the standard sequential-recommendation protocol (SASRec, BERT4Rec):
 * the last item of each user is the test target, the one before it the validation target.
 * Users with fewer than 3 items keep their whole sequence in train and get no eval case.
 * Histories are views (subarrays) of the dataset's sequences, not copies.
 */
export function leaveOneOut (dataset: Pick<Dataset, 'sequences'>): LeaveOneOutSplit {
  const train: Int32Array[] = []
  const valid: EvalCase[] = []
  const test: EvalCase[] = []
  dataset.sequences.forEach((sequence, user) => {
    const n = sequence.length
    if (n < 3) {
      train.push(sequence)
      return
    }
    const trainSequence = sequence.subarray(0, n - 2)
    train.push(trainSequence)
    valid.push({ user, history: trainSequence, target: sequence[n - 2] })
    test.push({ user, history: sequence.subarray(0, n - 1), target: sequence[n - 1] })
  })
  return { train, valid, test }
}
