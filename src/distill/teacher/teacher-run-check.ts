import { TEACHER_DEFAULTS } from '../../models/teacher.js'
import { positive, positiveInt, refuseProblems } from '../option-problems.js'
import type { TeacherRunOptions } from './teacher-run-options.js'

/** What a teacher run is asked to do, before any data is read. */
export type TeacherRunPlan = Pick<TeacherRunOptions, 'teacher' | 'loss' | 'fit' | 'save' | 'epochs' | 'batchSize' | 'learningRate' | 'patience' | 'maxSeconds' | 'threads'>

/**
 * Refuses, before anything trains, every teacher-run option that could only fail later: a shape
 * the attention blocks cannot take (heads that do not divide dim), a dropout outside [0, 1), a
 * loss without negatives, a refit that would be saved, out-of-range numbers. One
 * DISTILL_OPTIONS_INVALID error names every problem. runTeacher calls it first; train:teacher,
 * bench:quality (for each teacher it will train) and the worker call it before they train.
 */
export function checkTeacherRun (o: TeacherRunPlan): void {
  const t = { ...TEACHER_DEFAULTS, ...o.teacher }
  const { loss } = o
  const shape = (['dim', 'blocks', 'heads', 'ffnDim', 'maxLen'] as const).map((key) => positiveInt(`the teacher's ${key}`, t[key]))
  refuseProblems('teacher run', [
    ...shape,
    shape.every((p) => p === false) && t.dim % t.heads !== 0 && `the teacher's dim ${t.dim} is not divisible by its ${t.heads} heads`,
    !(t.dropout >= 0 && t.dropout < 1) && `the teacher's dropout must be at least 0 and below 1, got ${t.dropout}`,
    loss.kind !== 'full' && positiveInt(`the ${loss.kind} loss's negatives`, loss.negatives),
    loss.kind === 'gbce' && loss.calibration !== undefined && !(loss.calibration >= 0 && loss.calibration <= 1) &&
      `the gBCE calibration must be between 0 and 1, got ${loss.calibration}`,
    o.fit === 'train+valid' && o.save && 'a teacher fitted on train+valid has seen the validation targets later runs choose on: it is not saved',
    positiveInt('epochs', o.epochs),
    positiveInt('the batch size', o.batchSize),
    positive('the learning rate', o.learningRate),
    positiveInt('patience', o.patience),
    positive('max seconds', o.maxSeconds),
    positiveInt('threads', o.threads)
  ])
}
