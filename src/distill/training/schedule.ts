/**
 * How much the teacher's losses weigh at each epoch (the task loss keeps weight 1):
 * `constant` keeps `start`; `linear` goes from `start` to `end` over `epochs`;
 * `exponential` multiplies by `rate` every epoch. Epochs count from 0.
 */
export type TeacherWeightSchedule =
  | { kind: 'constant', start: number }
  | { kind: 'linear', start: number, end: number, epochs: number }
  | { kind: 'exponential', start: number, rate: number }

export function teacherWeight (schedule: TeacherWeightSchedule, epoch: number): number {
  switch (schedule.kind) {
    case 'constant':
      return schedule.start
    case 'linear': {
      if (schedule.epochs <= 1) return schedule.end
      const t = Math.min(1, Math.max(0, epoch / (schedule.epochs - 1)))
      return schedule.start + (schedule.end - schedule.start) * t
    }
    case 'exponential':
      return schedule.start * Math.pow(schedule.rate, Math.max(0, epoch))
  }
}

/** How the learning rate moves over the epochs: `constant`, or `linear` down to a tenth of it at the last epoch. */
export type LearningRateDecay = 'constant' | 'linear'

/** Fraction of the learning rate reached at the last epoch under `linear` decay. */
const LINEAR_DECAY_END = 0.1

/**
 * The learning rate at the start of `epoch`. With a time budget, `budgetUsed` (the share of it
 * already spent, 0 to 1) moves linear decay along too, so a run cut by its budget still ends near
 * the low rate: the decay follows whichever is further, epochs or time.
 */
export function learningRateAt (learningRate: number, decay: LearningRateDecay, epoch: number, epochs: number, budgetUsed = 0): number {
  if (decay === 'constant') return learningRate
  const byEpochs = epochs <= 1 ? 0 : epoch / (epochs - 1)
  const t = Math.min(1, Math.max(0, byEpochs, budgetUsed))
  return learningRate + (learningRate * LINEAR_DECAY_END - learningRate) * t
}
