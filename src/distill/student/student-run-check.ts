import { atLeastZero, positive, positiveInt, refuseProblems, type Problem } from '../option-problems.js'
import { LOSS_NAMES, usesTeacher, type DistillLosses } from './distill-losses.js'
import type { StudentRunOptions } from './student-run-options.js'
import { TRAINING_DEFAULTS } from '../training-defaults.js'
import { familyProblem } from '../../models/student-config.js'

/** What a student run is asked to do, before any data is read. */
export type StudentRunPlan = Pick<StudentRunOptions, 'losses' | 'teacher' | 'teacherWeights' | 'fit' | 'save' | 'student' | 'auto' |
'epochs' | 'batchSize' | 'learningRate' | 'patience' | 'maxSeconds' | 'dropout' | 'positionsPerUser'>

/**
 * Refuses, before anything trains, every student-run option and combination of options that
 * could only fail later: losses that can never be served (the hint loss from a teacher-scores
 * file or a Layers model, whose item embeddings this code never reads), a ranking cut-off past
 * the teacher's top-N (and, given `numItems`, past the catalogue), an ensemble that cannot be
 * fitted, a refit that would be saved, and out-of-range numbers. One DISTILL_OPTIONS_INVALID
 * error names every problem. What only the data can tell (an ensemble that gives the attention
 * teacher weight 0) is not refused: the run drops the hint loss then (see servedLosses).
 * runStudent calls it first; the commands call it before they read the data.
 */
export function checkStudentRun (o: StudentRunPlan, numItems?: number): void {
  const { losses } = o
  const teacher: TeacherPlan | undefined = usesTeacher(losses) ? o.teacher ?? {} : undefined
  const weights = teacher === undefined ? [1] : o.teacherWeights ?? [1]
  refuseProblems('student run', [
    ...lossProblems(losses),
    ...(teacher === undefined ? [] : teacherProblems(losses, teacher, numItems)),
    (weights.length === 0 || weights.some((w) => !(w >= 0 && Number.isFinite(w)))) && `teacher weights must be finite and at least 0, got ${JSON.stringify(weights)}`,
    o.fit === 'train+valid' && o.save && 'a student fitted on train+valid has seen the validation targets later runs choose on: it is not saved',
    o.fit === 'train+valid' && teacher?.ensemble !== undefined && 'an ensemble teacher\'s weights are fitted on validation: it cannot be refitted on train+valid',
    ...(o.auto === undefined ? [familyProblem(o.student) ?? false as Problem] : autoProblems(o.auto, o.student)),
    positiveInt('the student\'s dim', o.student.dim),
    positiveInt('the student\'s window', o.student.window),
    positiveInt('epochs', o.epochs),
    positiveInt('the batch size', o.batchSize),
    positive('the learning rate', o.learningRate),
    positiveInt('patience', o.patience),
    positive('max seconds', o.maxSeconds),
    o.dropout !== undefined && !(o.dropout >= 0 && o.dropout < 1) && `the student's dropout must be at least 0 and below 1, got ${o.dropout}`
  ])
}

/** Every family `auto` trains must be buildable with the run's shape, and its budgets must be positive. */
function autoProblems (auto: NonNullable<StudentRunPlan['auto']>, student: StudentRunPlan['student']): Problem[] {
  return [
    auto.families.length === 0 && 'student auto needs at least one family',
    ...auto.families.map((family) => familyProblem({ ...student, family }) ?? false),
    positive('the latency budget (ms)', auto.latencyBudgetMs),
    positive('the seconds per family', auto.familySeconds),
    auto.paramRatio !== undefined && !(auto.paramRatio > 0 && auto.paramRatio <= 1) && `the parameter ratio must be above 0 and at most 1, got ${auto.paramRatio}`
  ]
}

function lossProblems (losses: DistillLosses): Problem[] {
  const names = LOSS_NAMES.filter((name) => losses[name] !== undefined)
  return [
    names.length === 0 && `no loss to train on: give at least one of ${LOSS_NAMES.join(', ')}`,
    ...names.map((name) => atLeastZero(`the ${name} loss's weight`, losses[name]?.weight)),
    positive('the kd temperature', losses.kd?.temperature),
    positiveInt('ranking k', losses.ranking?.k),
    positive('the ranking lambda', losses.ranking?.lambda)
  ]
}

type TeacherPlan = Partial<NonNullable<StudentRunPlan['teacher']>>

function teacherProblems (losses: DistillLosses, t: TeacherPlan, numItems: number | undefined): Problem[] {
  const sources = [t.version !== undefined && 'a saved teacher version', t.scoresFile !== undefined && 'a teacher-scores file', t.layersDir !== undefined && 'a Layers model']
  const given = sources.filter((s): s is string => s !== false)
  const topN = t.topN ?? TRAINING_DEFAULTS.targets.topN
  const k = losses.ranking?.k ?? 0
  return [
    given.length > 1 && `one teacher at a time: ${given.join(' and ')} were both given`,
    t.itemMapFile !== undefined && t.layersDir === undefined && 'an item map is read for a Layers teacher only',
    losses.hint !== undefined && t.scoresFile !== undefined && noEmbeddings('a teacher-scores file holds none'),
    losses.hint !== undefined && t.layersDir !== undefined && noEmbeddings('a Layers teacher\'s are not read'),
    t.ensemble !== undefined && t.scoresFile !== undefined && 'a teacher-scores file cannot score validation users, so no ensemble can be fitted with it',
    t.ensemble !== undefined && t.mixItemKnn !== undefined && 'an ensemble teacher already weighs item-KNN: drop the item-KNN mix',
    t.mixItemKnn !== undefined && !(t.mixItemKnn.weight > 0 && t.mixItemKnn.weight < 1) && `the item-KNN mix weight must be above 0 and below 1, got ${t.mixItemKnn.weight}`,
    positive('the item-KNN sharpness', t.mixItemKnn?.sharpness),
    positive('the ensemble sharpness', t.ensemble?.sharpness),
    positiveInt('the teacher\'s top-N', t.topN),
    positiveInt('the teacher\'s max length', t.maxLen),
    positiveInt('positions per user', t.perUser),
    positiveInt('list positions', t.listPositions),
    k > topN && `ranking k ${k} exceeds the teacher's top-${topN}`,
    numItems !== undefined && k <= topN && k > numItems && `ranking k ${k} exceeds the data's ${numItems} items`
  ]
}

function noEmbeddings (why: string): string {
  return `the hint loss needs the teacher's item embeddings, and ${why}: drop hint from the losses`
}
