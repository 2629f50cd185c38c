import { evaluate, topKOverlap, type EvaluationResult } from '../evaluation/evaluate.js'
import { sampleMetrics } from '../evaluation/evaluation-sample.js'
import { savedMetrics, usPerRequest } from '../training/saved-metrics.js'
import { curveLines, type TrainReport } from '../training/train-loop.js'
import { writeTensorBoard } from '../training/tensorboard.js'
import { loadTeacherSource, type TeacherSource, type TeacherSourceOptions } from '../targets/teacher-source.js'
import { distillStudent } from './distill-student.js'
import { TRAINING_DEFAULTS } from '../training-defaults.js'
import { scaleTeacherLosses, usesTeacher, type DistillLosses } from './distill-losses.js'
import { servedLosses } from './served-losses.js'
import { checkStudentRun } from './student-run-check.js'
import type { StudentRunOptions } from './student-run-options.js'
import { trainingPositions } from '../training/training-positions.js'
import { saveModel } from '../../models/artifact/model-io.js'
import { Student, type StudentFamily } from '../../models/student.js'
import { warmStart, type WarmStartResult } from '../../models/warm-start.js'
import { foldValidation } from '../training/fold-validation.js'
import { studentFamily } from '../../models/student-config.js'
import { selectFamily, type FamilySelection } from './family-selection.js'
import { servingCostMs } from './serving-cost.js'

/** `--student auto`'s parameter cap: a tenth of the teacher's parameters. */
export const DEFAULT_PARAM_RATIO = 0.1

export interface StudentRunResult {
  /** The saved version, or null when `save` was false. */
  version: number | null
  dir: string | null
  test: EvaluationResult
  report: TrainReport
  params: number
  teacherLabel: string | null
  /** Top-10 agreement with the teacher on the test cases, when the teacher can score. */
  overlap?: number
  /** Rows reused from `warmFrom`, or null when its shape did not fit (trained from scratch). */
  warm?: WarmStartResult | null
  /** The gate's reason when it turned the student down. */
  rejected?: string
  /** The multiplier of the teacher losses chosen on validation (1 when there was no choice). */
  teacherWeight: number
  /** With fit 'train+valid': the refit's run (its epochs are the report's best epoch + 1). */
  refit?: TrainReport
  /** The losses the student trained with: the asked ones less any its teacher could not serve (see servedLosses). */
  losses: DistillLosses
  /** The student's family (its manifest's config records it too). */
  family: StudentFamily
  /** With `auto`: which family won and why (the manifest keeps it too). */
  selection?: FamilySelection
}

/**
 * One student run, the same for `npm run distill` and the worker: refuse options that could only
 * fail later (checkStudentRun), build the student, get the
 * teacher's targets when a teacher loss is on, distill on the train split with early stopping on
 * validation, evaluate on test, and save the version with its figures.
 */
export async function runStudent (o: StudentRunOptions): Promise<StudentRunResult> {
  const { data } = o
  let losses = o.losses
  checkStudentRun(o, data.dataset.items.size)
  const needsTeacher = usesTeacher(losses)
  const weights = needsTeacher ? o.teacherWeights ?? [1] : [1]
  let teacher: TeacherSource | undefined
  let chosen: Trained | undefined
  const trained: Trained[] = []
  let selection: FamilySelection | undefined
  try {
    // targets without item embeddings drop the hint loss, said once in the log
    const serve = (source: TeacherSource): DistillLosses => {
      const served = servedLosses(losses, source.targets, source.noItemEmbeddings)
      if (served.note !== undefined) o.log(served.note)
      return served.losses
    }
    if (needsTeacher) {
      teacher = await loadTeacherSource(data, teacherOptions(o))
      losses = serve(teacher)
    }
    // one student per family (its best teacher weight); --student auto keeps one of them
    const families = o.auto?.families ?? [studentFamily(o.student)]
    // auto: a family's seconds are shared by its teacher weights' runs (one family alone: each run gets maxSeconds, as before families)
    const familySeconds = o.auto?.familySeconds ?? (o.auto === undefined || o.maxSeconds === undefined ? undefined : o.maxSeconds / families.length)
    const maxSeconds = o.auto === undefined ? o.maxSeconds : familySeconds === undefined ? undefined : familySeconds / weights.length
    for (const family of families) {
      trained.push(trainFamily({ ...o, losses, student: { ...o.student, family }, maxSeconds }, weights, teacher, o.auto !== undefined))
    }
    if (o.auto === undefined) {
      chosen = trained.pop()
    } else {
      selection = chooseFamily(o, trained, teacher)
      chosen = trained.find((t) => t.student.family === selection!.chosen)
      for (const t of trained) if (t !== chosen) t.student.dispose()
      trained.length = 0
    }
    const { report, warm, weight: teacherWeight } = chosen!
    let refit: TrainReport | undefined
    if (o.fit === 'train+valid') {
      const folded = foldValidation(data)
      const epochs = report.bestEpoch + 1
      o.log(`refitting on train+valid: ${epochs} epoch(s), teacher weight ${teacherWeight}, as chosen on validation`, { stage: 'student', fit: 'train+valid', epochs, teacherWeight })
      chosen!.student.dispose()
      chosen = undefined
      const trainOnly = teacher
      teacher = undefined
      trainOnly?.dispose()
      teacher = teacherWeight > 0 && needsTeacher ? await loadTeacherSource(folded, teacherOptions({ ...o, losses }, { cache: false })) : undefined
      if (teacher !== undefined) losses = serve(teacher)
      chosen = trainStudent({ ...o, data: folded, losses, student: { ...o.student, family: selection?.chosen ?? o.student.family } }, teacherWeight, teacher, epochs)
      refit = chosen.report
    }
    const { student } = chosen!
    // a student that ignored its teacher was not distilled from it
    const used = teacherWeight > 0 ? teacher : undefined
    const test = evaluate(student, data.split.test, { k: 10, tailItems: data.tailItems })
    const overlap = used?.scorer ? topKOverlap(used.scorer, student, overlapCases(data.split.test, data.dataset.items.size), 10) : undefined
    const params = student.paramCount()
    // the loop restored the best epoch's weights, so its figure is this student's; a refit's weights were never validated
    const validNdcg = refit === undefined && Number.isFinite(chosen!.valid) ? chosen!.valid : undefined
    const { rejected } = (await o.gate?.(student, { validNdcg })) ?? {}
    const base = { test, report, refit, params, teacherLabel: used?.label ?? null, overlap, warm, rejected, teacherWeight, losses, family: student.family, selection }
    if (!o.save) return { ...base, version: null, dir: null }
    const curves = curveLines('student', report)
    const saved = await saveModel(o.modelsDir, student, {
      itemIds: data.dataset.items.ids(),
      datasetFingerprint: data.fingerprint,
      teacherVersion: used?.version ?? null,
      teacher: used === undefined ? null : { ...used.provenance, weight: teacherWeight },
      metrics: { ...savedMetrics(test, report, params, usPerRequest(student, data.split.test)), ...(overlap === undefined ? {} : { teacherOverlap10: overlap }), ...sampleMetrics(data.evaluationSample) },
      curves,
      version: o.version,
      selection,
      annMinItems: o.annMinItems,
      rejected: rejected === undefined ? undefined : { reason: rejected }
    })
    await writeTensorBoard(saved.dir, curves)
    return { ...base, version: saved.version, dir: saved.dir }
  } finally {
    for (const t of trained) t.student.dispose()
    chosen?.student.dispose()
    teacher?.dispose()
  }
}

/** The family's student at each teacher weight, the best on validation kept (the others disposed). */
function trainFamily (o: StudentRunOptions, weights: readonly number[], teacher: TeacherSource | undefined, named: boolean): Trained {
  const tried: Array<{ weight: number, valid: number }> = []
  let best: Trained | undefined
  try {
    for (const weight of weights) {
      const run = trainStudent(o, weight, teacher)
      tried.push({ weight, valid: run.valid })
      if (best === undefined || run.valid > best.valid) {
        best?.student.dispose()
        best = run
      } else {
        run.student.dispose()
      }
    }
  } catch (err) {
    best?.student.dispose()
    throw err
  }
  const { weight } = best!
  if (tried.length > 1) {
    o.log(`${named ? `${best!.student.family}: ` : ''}teacher weight chosen on validation NDCG@10: ${weight} (` +
      tried.map((t) => `${t.weight}: ${t.valid.toFixed(4)}`).join(', ') + ')' +
      (weight === 0 ? `; ${teacher!.label} made the student worse, so it is not distilled from` : ''), { stage: 'student', teacherWeight: weight })
  }
  return best!
}

/**
 * --student auto: every trained family's validation NDCG@10 (the gate's validation users),
 * median serving cost and parameters, judged by selectFamily; each family and the choice are logged.
 */
function chooseFamily (o: StudentRunOptions, trained: readonly Trained[], teacher: TeacherSource | undefined): FamilySelection {
  const auto = o.auto!
  const { valid } = o.data.split
  const cost = auto.cost ?? servingCostMs
  const figures = trained.map(({ student }) => ({
    family: student.family,
    ndcg: evaluate(student, valid, { k: 10 }).ndcg,
    costMs: cost(student, valid),
    params: student.paramCount()
  }))
  const ratio = auto.paramRatio ?? DEFAULT_PARAM_RATIO
  const maxParams = teacher?.params === undefined ? null : Math.floor(teacher.params * ratio)
  if (maxParams === null) o.log(teacher === undefined ? 'no teacher: the families are judged without a parameter cap' : `${teacher.label}'s size is unknown: the families are judged without a parameter cap`)
  const selection = selectFamily(figures, { latencyBudgetMs: auto.latencyBudgetMs, maxParams })
  for (const c of selection.candidates) {
    o.log(`family ${c.family}: validation NDCG@10 ${c.ndcg.toFixed(4)}, ${c.why}${c.eligible ? '' : ' (not eligible)'}`,
      { stage: 'student', family: c.family, validNdcg: Number(c.ndcg.toFixed(4)), costMs: c.costMs, params: c.params, eligible: c.eligible })
  }
  o.log(`student family chosen: ${selection.reason}`, { stage: 'student', family: selection.chosen })
  return selection
}

/** Test cases scored by both the teacher and the student for the top-10 overlap (a diagnostic): all of them, or a spread of OVERLAP_CASES above exactMaxItems items. */
function overlapCases<T> (test: readonly T[], numItems: number): readonly T[] {
  if (numItems <= TRAINING_DEFAULTS.targets.exactMaxItems || test.length <= OVERLAP_CASES) return test
  return Array.from({ length: OVERLAP_CASES }, (_, i) => test[Math.floor(i * test.length / OVERLAP_CASES)])
}

const OVERLAP_CASES = 2000

interface Trained {
  student: Student
  report: TrainReport
  warm: WarmStartResult | null | undefined
  weight: number
  /** Best validation NDCG@10 (-Infinity without validation users). */
  valid: number
}

function teacherOptions (o: StudentRunOptions, extra: Partial<TeacherSourceOptions> = {}): TeacherSourceOptions {
  return { ...TRAINING_DEFAULTS.targets, perUser: o.positionsPerUser, ...o.teacher, modelsDir: o.modelsDir, withItemEmbeddings: o.losses.hint !== undefined, log: o.log, ...extra }
}

/**
 * One student, its teacher losses scaled by `weight` (0: the task loss alone), trained with early
 * stopping on validation, or for exactly `fixedEpochs` epochs without it.
 */
function trainStudent (o: StudentRunOptions, weight: number, teacher: TeacherSource | undefined, fixedEpochs?: number): Trained {
  const { data } = o
  const epochs = fixedEpochs ?? o.epochs ?? TRAINING_DEFAULTS.student.epochs
  const losses = scaleTeacherLosses(o.losses, weight)
  const student = new Student({ ...o.student, numItems: data.dataset.items.size, seed: o.student.seed ?? o.seed })
  try {
    const warm = o.warmFrom === undefined ? undefined : warmStart(student, data.dataset.items.ids(), o.warmFrom.model, o.warmFrom.itemIds)
    if (warm === null) o.log(warmSkipped(o.warmFrom!.model, student))
    else if (warm !== undefined) o.log(`warm start: ${warm.reused} item rows from the previous student, ${warm.added} new`)
    const distilled = weight > 0 && teacher !== undefined
    const report = distillStudent(student, data.split.train, {
      epochs,
      batchSize: o.batchSize ?? TRAINING_DEFAULTS.student.batchSize,
      learningRate: o.learningRate ?? TRAINING_DEFAULTS.student.learningRate,
      learningRateDecay: o.learningRateDecay,
      dropout: o.dropout ?? TRAINING_DEFAULTS.student.dropout,
      seed: o.seed,
      losses,
      targets: distilled ? teacher.targets : undefined,
      positions: teacher?.targets.positions ?? trainingPositions(data.split.train, o.teacher?.perUser ?? o.positionsPerUser ?? Infinity),
      schedule: o.schedule === 'linear' ? { kind: 'linear', start: 1, end: 0, epochs } : undefined,
      valid: fixedEpochs === undefined ? data.split.valid : undefined,
      patience: fixedEpochs === undefined ? o.patience : undefined,
      maxSeconds: fixedEpochs === undefined ? o.maxSeconds : undefined,
      progress: o.progress,
      signal: o.signal
    })
    return { student, report, warm, weight, valid: report.bestMetric ?? -Infinity }
  } catch (err) {
    student.dispose()
    throw err
  }
}

function warmSkipped (previous: Student, student: Student): string {
  return previous.family === student.family
    ? 'warm start skipped: the previous student has another shape; training from scratch'
    : `warm start skipped: the previous student is ${previous.family}, this one ${student.family} (rows do not carry across families); training from scratch`
}
