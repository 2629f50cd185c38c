/**
 * The training entry points: `trainTeacher` (next-item training of the SASRec-style teacher) and
 * `distillStudent` (the student on the task loss plus any of the teacher's losses).
 * Both are seeded and reproducible, use Adam, keep the best epoch by validation NDCG@10 when
 * `valid` is given, report progress on stderr unless `progress: false`, and release every tensor.
 */
export { trainTeacher, TEACHER_TRAINING_DEFAULTS, GBCE_CALIBRATION, lossNegatives, type GbceLoss, type TeacherLoss, type TrainTeacherOptions } from './train-teacher.js'
export { distillStudent, DISTILL_DEFAULTS, type DistillLosses, type DistillOptions } from './distill-student.js'
export { computeTeacherTargets, mixTeacherTargets, scorerTargets, TeacherTargets, type ComputeTargetsOptions, type ScorerTargetsOptions } from './teacher-targets.js'
export { trainingPositions, type TrainingPositions } from './training-positions.js'
export type { EpochReport, TrainLoopOptions, TrainReport } from './train-loop.js'
export { createProgress, silentProgress, type ProgressReporter } from './progress.js'
export { DistillError, type DistillErrorCode } from './distill-error.js'
