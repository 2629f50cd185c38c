import { trainTeacherOnThreads } from '../src/distill/teacher/thread-gradient-pool.js'
import { ensembleMembers } from '../src/distill/targets/ensemble-members.js'
import { ensembleLabel, ensembleScorer, fitEnsemble, fittedEnsembleTargets, teacherDropped } from '../src/distill/targets/fit-ensemble.js'
import { usesTeacher } from '../src/distill/student/distill-losses.js'
import { servedLosses } from '../src/distill/student/served-losses.js'
import { computeTeacherTargets, mixTeacherTargets, scorerTargets, type TeacherTargets } from '../src/distill/targets/teacher-targets.js'
import { distillStudent } from '../src/distill/student/distill-student.js'
import type { TrainReport } from '../src/distill/training/train-loop.js'
import type { LoadedData } from '../src/distill/training/training-data.js'
import { trainingPositions } from '../src/distill/training/training-positions.js'
import { ItemKnnScorer } from '../src/models/item-knn.js'
import { MarkovChainScorer } from '../src/models/markov-chain.js'
import { MixtureScorer } from '../src/models/mixture.js'
import { PopularityScorer } from '../src/models/popularity.js'
import type { Scorer } from '../src/models/scorer.js'
import { Student, type StudentFamily } from '../src/models/student.js'
import { evaluate } from '../src/distill/evaluation/evaluate.js'
import { selectFamily, type FamilyFigures } from '../src/distill/student/family-selection.js'
import { servingCostMs } from '../src/distill/student/serving-cost.js'
import { DEFAULT_PARAM_RATIO } from '../src/distill/student/student-pipeline.js'
import { Teacher } from '../src/models/teacher.js'
import { measure, seconds, type MeasureContext, type Measured } from './quality-measure.js'
import { ENSEMBLE, MIX, type Mode, type StudentVariant } from './quality-modes.js'
import type { QualityRows } from './quality-rows.js'

export interface SeedRun {
  data: LoadedData
  mode: Mode
  seed: number
  /** Requests timed for us/request. */
  requests: number
  variants: readonly StudentVariant[]
  /** Threads each teacher step is split over. */
  threads: number
  /** The student families each variant is trained as; with more than one, an auto-chosen row per variant follows. */
  families: readonly StudentFamily[]
  /** The serving-cost budget the auto-chosen rows judge on (GATE_LATENCY_BUDGET_MS's default). */
  latencyBudgetMs: number
  rows: QualityRows
  log: (line: string) => void
}

interface Trained { teacher: Teacher, report: TrainReport }

/**
 * One seed's rows, in order: the baselines, the teacher (and the tuned one), the mixed and the
 * ensemble teachers, then each student variant. Each row is recorded on its own (QualityRows): one
 * that fails is kept with its reason and the next goes on; a row that needs the teacher (or its
 * targets) fails with the reason they could not be had. A student whose teacher's targets carry no
 * item embeddings (an ensemble that gave the teacher weight 0) trains without the hint loss, as
 * `distill` does, and its row notes it.
 */
export async function runSeed (r: SeedRun): Promise<void> {
  const { data, mode, seed, rows, log } = r
  const { train, valid, test } = data.split
  const numItems = data.dataset.items.size
  // a catalogue smaller than the support: every item is in it
  const topN = Math.min(mode.topN, numItems)
  const ctx: MeasureContext = { test, tailItems: data.tailItems, itemIds: data.dataset.items.ids(), fingerprint: data.fingerprint, requests: r.requests }
  const baselines: Array<() => Scorer> = [() => new PopularityScorer({ train, numItems }), () => new MarkovChainScorer({ train, numItems })]
  for (const [i, name] of ['popularity', 'markov-chain'].entries()) {
    await rows.record(seed, name, async () => {
      const t0 = performance.now()
      const scorer = baselines[i]()
      return await measure(scorer.name, scorer, ctx, { trainSeconds: seconds(t0) })
    })
  }
  let knn: { scorer: ItemKnnScorer, seconds: number } | undefined
  await rows.record(seed, 'item-knn', async () => {
    const t0 = performance.now()
    const scorer = new ItemKnnScorer({ train, numItems })
    knn = { scorer, seconds: seconds(t0) }
    return await measure(scorer.name, scorer, ctx, { trainSeconds: knn.seconds })
  })

  const trainOne = async (config: Mode['teacher'], training: Mode['teacherTraining']): Promise<Trained> => {
    const teacher = new Teacher({ numItems, ...config, seed })
    try {
      return { teacher, report: await trainTeacherOnThreads(teacher, train, r.threads, { ...training, seed, valid }) }
    } catch (err) {
      teacher.dispose()
      throw err
    }
  }
  let trained: Trained | undefined
  try {
    await rows.record(seed, 'teacher', async () => {
      const t = trained = await trainOne(mode.teacher, mode.teacherTraining)
      return await measure('teacher', t.teacher, ctx, { trainSeconds: t.report.seconds, model: t.teacher })
    })
    if (mode.tuned !== undefined) trained = await tunedRow(r, trainOne, trained, mode.tuned, ctx)
    const teacher = (): Trained => needed(trained, 'the teacher')
    const positions = trainingPositions(train, mode.positionsPerUser)
    const targets = once(() => {
      const t0 = performance.now()
      const own = computeTeacherTargets(teacher().teacher, train, positions, { topN, withItemEmbeddings: true })
      log(`seed ${seed}: teacher top-${topN} targets at ${own.size} positions in ${seconds(t0).toFixed(1)}s`)
      return own
    })
    const mixed = once(() => {
      const t0 = performance.now()
      const knnTargets = scorerTargets(needed(knn, 'item-KNN').scorer, train, positions, { topN, sharpness: MIX.sharpness })
      const mix = mixTeacherTargets([targets(), knnTargets], [1 - MIX.weight, MIX.weight], topN)
      log(`seed ${seed}: item-KNN targets mixed in ${seconds(t0).toFixed(1)}s`)
      return mix
    })
    await rows.record(seed, 'mixed teacher (teacher + item-knn)', async () => {
      const { scorer, seconds } = needed(knn, 'item-KNN')
      const mixture = new MixtureScorer([{ scorer: teacher().teacher, weight: 1 - MIX.weight }, { scorer, weight: MIX.weight, sharpness: MIX.sharpness }])
      return await measure('mixed teacher (teacher + item-knn)', mixture, ctx, { trainSeconds: teacher().report.seconds + seconds })
    })
    const ensemble = once(() => {
      const t0 = performance.now()
      const members = ensembleMembers({ train, numItems }, ENSEMBLE.sharpness, teacher().teacher)
      const fitted = fitEnsemble(members, valid, { seed: 1 })
      const ensembleTargets = fittedEnsembleTargets(members, fitted.weights, targets(), train, topN)
      const names = members.map((m, i) => i === 0 ? 'teacher' : m.scorer.name)
      log(`seed ${seed}: ensemble teacher (${ensembleLabel(names, fitted.weights)}) fitted on ${fitted.cases} validation users (valid NDCG@10 ${fitted.ndcg.toFixed(4)}), targets in ${seconds(t0).toFixed(1)}s`)
      return { scorer: ensembleScorer(members, fitted.weights), targets: ensembleTargets, seconds: seconds(t0), noItemEmbeddings: teacherDropped('the teacher', fitted.weights) }
    })
    await rows.record(seed, 'ensemble teacher', async () => {
      const e = ensemble()
      return await measure('ensemble teacher', e.scorer, ctx, { trainSeconds: teacher().report.seconds + e.seconds })
    })
    // per variant, each family's student as --student auto judges it (validation NDCG@10, serving cost, parameters) and its row
    const judged = new Map<string, Array<{ figures: FamilyFigures, row: Measured & { note?: string } }>>()
    for (const family of r.families) {
      for (const variant of r.variants) {
        const label = familyLabel(variant.label, family)
        await rows.record(seed, label, async () => {
          const source: { targets: TeacherTargets, noItemEmbeddings?: string } | undefined = !usesTeacher(variant.losses)
            ? undefined
            : variant.teacher === 'ensemble' ? ensemble() : { targets: variant.teacher === 'mixed' ? mixed() : targets() }
          const { losses, note } = source === undefined ? { losses: variant.losses } : servedLosses(variant.losses, source.targets, source.noItemEmbeddings)
          if (note !== undefined) log(`seed ${seed}: ${label}: ${note}`)
          const student = new Student({ numItems, ...mode.student, family, seed })
          try {
            const report = distillStudent(student, train, { ...mode.studentTraining, seed, valid, losses, targets: source?.targets, positions })
            const figures = { family, ndcg: evaluate(student, valid, { k: 10 }).ndcg, costMs: servingCostMs(student, valid), params: student.paramCount() }
            const row = { ...await measure(label, student, ctx, { trainSeconds: report.seconds, model: student, teacher: trained?.teacher }), servingUs: figures.costMs * 1000, note }
            judged.set(variant.label, [...judged.get(variant.label) ?? [], { figures, row }])
            return row
          } finally {
            student.dispose()
          }
        })
      }
    }
    if (r.families.length > 1) {
      for (const variant of r.variants) {
        const label = `auto-chosen ${variant.label}`
        await rows.record(seed, label, async () => {
          const candidates = judged.get(variant.label) ?? []
          if (candidates.length === 0) throw new Error('every family\'s row failed')
          // as distill --student auto: the cap is a tenth of the teacher's parameters when the row learns from a teacher
          const maxParams = usesTeacher(variant.losses) && trained !== undefined ? Math.floor(trained.teacher.paramCount() * DEFAULT_PARAM_RATIO) : null
          const selection = selectFamily(candidates.map((c) => c.figures), { latencyBudgetMs: r.latencyBudgetMs, maxParams })
          log(`seed ${seed}: ${label}: ${selection.reason}; ` + selection.candidates.map((c) => `${c.family} valid ${c.ndcg.toFixed(4)}, ${(c.costMs * 1000).toFixed(1)} us`).join(', '))
          const chosen = candidates.find((c) => c.figures.family === selection.chosen)!
          return { ...chosen.row, model: label, note: `${selection.chosen} (${selection.reason})` }
        })
      }
    }
  } finally {
    trained?.teacher.dispose()
  }
}

/** The tuned teacher's row; whichever of the two is better on validation teaches the rows after it (the other is disposed). */
async function tunedRow (r: SeedRun, trainOne: (config: Mode['teacher'], training: Mode['teacherTraining']) => Promise<Trained>,
  trained: Trained | undefined, settings: NonNullable<Mode['tuned']>, ctx: MeasureContext): Promise<Trained | undefined> {
  let tuned: Trained | undefined
  await r.rows.record(r.seed, 'tuned teacher', async () => {
    const t = tuned = await trainOne(settings.teacher, { ...r.mode.teacherTraining, learningRate: settings.learningRate, loss: settings.loss })
    return await measure('tuned teacher', t.teacher, ctx, { trainSeconds: t.report.seconds, model: t.teacher })
  })
  if (tuned === undefined) return trained
  if (trained === undefined) return tuned
  const [a, b] = [tuned.report.bestMetric ?? 0, trained.report.bestMetric ?? 0]
  const better = a > b
  r.log(`seed ${r.seed}: the ${better ? 'tuned' : 'default'} teacher is better on validation (NDCG@10 ${a.toFixed(4)} tuned, ${b.toFixed(4)} default) and teaches the rows below`)
  const [kept, dropped] = better ? [tuned, trained] : [trained, tuned]
  dropped.teacher.dispose()
  return kept
}

/** A variant's row label for `family`: pooling keeps the plain `student ...` labels of the rows before families. */
export function familyLabel (label: string, family: StudentFamily): string {
  return family === 'pooling' ? label : label.replace(/^student/, `${family} student`)
}

/** `value`, or an error saying the row that should have made it failed. */
function needed<T> (value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`needs ${what}, whose row failed`)
  return value
}

/** `compute`'s result on first call, kept (its error too, thrown again to every later caller). */
function once<T> (compute: () => T): () => T {
  let done: { value: T } | { error: unknown } | undefined
  return () => {
    if (done === undefined) {
      try {
        done = { value: compute() }
      } catch (error) {
        done = { error }
      }
    }
    if ('error' in done) throw done.error
    return done.value
  }
}
