import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { DataFormat } from '../data/interaction-reader.js'
import { readDataset } from '../data/read-dataset.js'
import { withEvaluationSample, type EvaluationSample, type EvaluationUsers } from '../distill/evaluation/evaluation-sample.js'
import type { EpochProgress, LogFields, LogLine, ProgressReporter } from '../distill/training/progress.js'
import { runStudent } from '../distill/student/student-pipeline.js'
import { runTeacher } from '../distill/teacher/teacher-pipeline.js'
import { teacherLossFor } from '../distill/teacher/train-teacher.js'
import { TRAINING_DEFAULTS } from '../distill/training-defaults.js'
import type { DistillLosses } from '../distill/student/distill-losses.js'
import { STUDENT_FAMILIES, type StudentFamily } from '../models/student-config.js'
import { DEFAULT_ENSEMBLE_SHARPNESS } from '../distill/targets/ensemble-members.js'
import { checkStudentRun, type StudentRunPlan } from '../distill/student/student-run-check.js'
import { catalogueFit, withEvents, type LoadedData } from '../distill/training/training-data.js'
import { listVersions, readArtifact, versionDir, type ArtifactFileName } from '../models/artifact/index.js'
import { restoreStudent } from '../models/artifact/model-io.js'
import { manifestFamily, parseManifest } from '../models/artifact/manifest.js'
import { PopularityScorer } from '../models/popularity.js'
import { RemappedScorer } from '../models/remapped-scorer.js'
import type { Student, StudentConfig } from '../models/student.js'
import { PopularRanking } from '../serving/popular-ranking.js'
import { StudentServable } from '../serving/student-servable.js'
import type { EpochFigures, RunPhase } from '../stores/job.js'
import { gateNdcg } from './gate-ndcg.js'
import { gateVerdict } from './validation-gate.js'
import { resolveStudent, type WorkerStudent } from './worker-student.js'

/** Everything one run needs, plain data so it crosses into a worker thread. */
export interface RedistillInput {
  dataPath: string
  dataFormat: DataFormat
  seed: number
  modelsDir: string
  /** Every event ingested so far, in log order. */
  events: Array<{ userId: string, itemId: string }>
  /** The candidate's version: the run's fencing token. */
  version: number
  /** Decided by the worker: train a new teacher first, use the newest, or none (task loss only). */
  teacher: 'retrain' | 'reuse' | 'none'
  teacherEpochs: number
  epochs: number
  losses: DistillLosses
  /** Distil from the ensemble of the teacher and the baselines fitted on validation (see RunRequest). */
  ensemble: boolean
  force: boolean
  /** Start from the active student's weights (when there is one, of the family trained). */
  warmStart: boolean
  /** WORKER_STUDENT: the family to train (keep: the active student's). */
  student: WorkerStudent
  /** The student serving now: warm start and the gate's baseline; null before the first. */
  active: { version: number, files: Record<ArtifactFileName, Uint8Array> } | null
  gate: { tolerance: number, latencyBudgetMs: number }
  /** ANN_MIN_ITEMS: the candidate is saved with an ANN index from this many items (absent: ANN_MIN_ITEMS_DEFAULT). */
  annMinItems?: number
  /** TRAINING_POSITIONS_PER_USER: the student trains on each user's latest this many positions (absent: every one). */
  positionsPerUser?: number
  /** EVAL_MAX_USERS: the validation and test users evaluated (absent: auto, see withEvaluationSample). */
  evalMaxUsers?: EvaluationUsers
}

export interface RedistillHooks {
  signal: { readonly aborted: boolean }
  phase: (phase: RunPhase) => void
  epoch: (figures: EpochFigures & { epochs: number, etaSeconds: number }) => void
  log: LogLine
}

export interface RedistillOutcome {
  version: number
  /** ready: may go live; rejected: saved as rejected with `reason`. */
  state: 'ready' | 'rejected'
  reason?: string
  candidateNdcg: number
  activeNdcg: number | null
  latencyMs: number
  /** The validation and test users evaluated, when a sample of them (see withEvaluationSample); absent or null: every user. */
  evaluationSample?: EvaluationSample | null
  testNdcg: number
  teacherVersion: number | null
  items: number
  users: number
}

/** Requests timed through the serving path for the latency check, after a few unmeasured ones. */
const LATENCY_REQUESTS = 64
const LATENCY_WARMUP = 8

/**
 * One re-distillation: the dataset plus every event as training data, a new teacher when asked,
 * the student warm-started from the active one and distilled, then judged by the validation gate
 * against the active student on the same validation users, and saved as version `input.version`
 * (as rejected when the gate turned it down). Publishing is the caller's.
 */
export async function redistill (input: RedistillInput, hooks: RedistillHooks): Promise<RedistillOutcome> {
  hooks.phase('loading-data')
  const { data, sample } = withEvaluationSample(withEvents(await readDataset(input.dataPath, input.dataFormat, input.seed), input.events), input.evalMaxUsers ?? 'auto', input.seed)
  if (data.split.valid.length === 0) throw new Error(`not enough data to train: ${data.dataset.users.size} users, none with 3 or more interactions`)
  hooks.log(`training data: ${data.source}, ${data.dataset.users.size} users, ${data.dataset.items.size} items`)
  if (sample !== null) {
    hooks.log(`evaluation sampled (EVAL_MAX_USERS=${input.evalMaxUsers ?? 'auto'}, seed ${sample.seed}): validation ${sample.valid.evaluated} of ${sample.valid.of} users, test ${sample.test.evaluated} of ${sample.test.of}`,
      { stage: 'evaluation', validUsers: sample.valid.evaluated, validUsersOf: sample.valid.of, testUsers: sample.test.evaluated, testUsersOf: sample.test.of })
  }

  let teacherVersion: number | null = null
  let mode = input.teacher
  if (mode === 'reuse') {
    teacherVersion = listVersions(input.modelsDir, 'teacher').at(-1) ?? null
    const fit = teacherVersion === null ? 'none' : teacherFit(input.modelsDir, teacherVersion, data)
    if (fit !== 'fits') {
      hooks.log(teacherVersion === null ? 'no teacher to reuse: training one' : `teacher v${teacherVersion} ${fit}: training a new one`)
      mode = 'retrain'
    }
  }
  // the student's options are judged before a teacher trains for them
  const family = resolveStudent(input.student, input.active === null ? null : activeFamily(input.active))
  hooks.log(`student family: ${family}` + (input.student === 'keep' ? (input.active === null ? ' (WORKER_STUDENT=keep, nothing active yet)' : ` (WORKER_STUDENT=keep: active v${input.active.version}'s)`) : ''),
    { stage: 'student', family, setting: input.student })
  checkStudentRun(studentPlan(input, mode === 'none' ? null : teacherVersion ?? undefined, family), data.dataset.items.size)
  if (mode === 'retrain') {
    hooks.phase('training-teacher')
    const run = await runTeacher({
      data,
      modelsDir: input.modelsDir,
      teacher: {},
      loss: teacherLossFor(data.dataset.items.size),
      epochs: input.teacherEpochs,
      seed: input.seed,
      patience: TRAINING_DEFAULTS.patience,
      save: true,
      progress: reporter('teacher', hooks),
      signal: hooks.signal
    })
    teacherVersion = run.version
    hooks.log(`teacher v${run.version ?? '?'}: test NDCG@10 ${run.test.ndcg.toFixed(4)}`, { stage: 'teacher', teacherVersion: run.version, testNdcg: Number(run.test.ndcg.toFixed(4)) })
  }

  const active = input.active === null ? null : await restoreActive(input.active)
  try {
    hooks.phase(teacherVersion === null ? 'training-student' : 'teacher-targets')
    let verdict: Omit<RedistillOutcome, 'version' | 'state' | 'testNdcg' | 'teacherVersion' | 'items' | 'users' | 'evaluationSample'> | undefined
    const run = await runStudent({
      ...studentPlan(input, teacherVersion, family),
      data,
      modelsDir: input.modelsDir,
      seed: input.seed,
      version: input.version,
      annMinItems: input.annMinItems,
      warmFrom: input.warmStart ? active ?? undefined : undefined,
      log: hooks.log,
      progress: reporter('student', hooks, () => hooks.phase('training-student')),
      signal: hooks.signal,
      gate: async (student, measured) => {
        hooks.phase('validating')
        verdict = await judge(student, measured.validNdcg, data, active, input, hooks.log)
        hooks.phase('saving')
        return { rejected: verdict.reason }
      }
    })
    if (verdict === undefined || run.version === null) throw new Error('the student run ended without a verdict')
    return {
      ...verdict,
      version: run.version,
      state: verdict.reason === undefined ? 'ready' : 'rejected',
      evaluationSample: sample,
      testNdcg: run.test.ndcg,
      teacherVersion,
      items: data.dataset.items.size,
      users: data.dataset.users.size
    }
  } finally {
    active?.model.dispose()
  }
}

/**
 * The student run asked for, from the teacher `version` (undefined: one still to be trained;
 * null: none, so the task loss alone).
 */
function studentPlan (input: RedistillInput, version: number | null | undefined, family: StudentFamily | 'auto'): StudentRunPlan {
  return {
    student: family === 'auto' ? {} : { family },
    // auto judges the families on the gate's latency budget
    auto: family === 'auto' ? { families: STUDENT_FAMILIES, latencyBudgetMs: input.gate.latencyBudgetMs } : undefined,
    losses: version === null ? { task: input.losses.task ?? { weight: 1 } } : input.losses,
    teacher: version === null
      ? undefined
      : { version, maxLen: TRAINING_DEFAULTS.targets.maxLen, topN: TRAINING_DEFAULTS.targets.topN, cache: false, ensemble: input.ensemble ? { sharpness: DEFAULT_ENSEMBLE_SHARPNESS } : undefined },
    positionsPerUser: input.positionsPerUser,
    epochs: input.epochs,
    patience: TRAINING_DEFAULTS.patience,
    save: true
  }
}

/** The active student's family, from its manifest (pooling when it names none); null when unreadable. */
function activeFamily (active: NonNullable<RedistillInput['active']>): StudentFamily | null {
  try {
    return manifestFamily(parseManifest(JSON.parse(Buffer.from(active.files['manifest.json']).toString('utf8')), `active student v${active.version}`))
  } catch {
    return null
  }
}

/** Whether a saved teacher's catalogue is the data's or a prefix of it (what reusing it needs). */
function teacherFit (modelsDir: string, version: number, data: LoadedData): 'fits' | string {
  try {
    const { items } = JSON.parse(readFileSync(join(versionDir(modelsDir, 'teacher', version), 'items.json'), 'utf8')) as { items: string[] }
    catalogueFit(items, data, `teacher v${version}`)
    return 'fits'
  } catch (err) {
    return `cannot be reused (${(err as Error).message})`
  }
}

async function restoreActive (active: NonNullable<RedistillInput['active']>): Promise<{ model: Student, itemIds: string[] }> {
  const where = `active student v${active.version}`
  const artifact = await readArtifact<StudentConfig>({ where, read: async (name) => Buffer.from(active.files[name]) }, 'student', active.version)
  const { model, itemIds } = await restoreStudent(artifact)
  return { model, itemIds }
}

async function judge (student: Student, measured: number | undefined, data: LoadedData, active: { model: Student, itemIds: string[] } | null, input: RedistillInput, log: LogLine) {
  const finite = Object.values(student.weights()).every((w) => (w.dataSync() as Float32Array).every(Number.isFinite))
  const activeScorer = active === null ? null : new RemappedScorer(active.model, active.itemIds, data.dataset.items.ids())
  const { candidateNdcg, activeNdcg, reused } = gateNdcg(student, measured, activeScorer, data.split.valid)
  log(`gate: candidate validation NDCG@10 ${candidateNdcg.toFixed(4)} (${reused ? 'as the training loop measured it' : 'measured now'})` +
    (activeNdcg === null ? '' : `, active ${activeNdcg.toFixed(4)}`) + ` on ${data.split.valid.length} validation users`,
  { stage: 'gate', candidateNdcg: Number(candidateNdcg.toFixed(4)), activeNdcg: activeNdcg === null ? null : Number(activeNdcg.toFixed(4)), reused, validUsers: data.split.valid.length })
  const latencyMs = finite ? await servingLatencyMs(student, data) : Infinity
  const reason = gateVerdict({ candidateNdcg, activeNdcg, finite, latencyMs, force: input.force, ...input.gate })
  return { candidateNdcg, activeNdcg, latencyMs, reason }
}

/** Median ms to rank one user's validation history through the serving path, one at a time. */
async function servingLatencyMs (student: Student, data: LoadedData): Promise<number> {
  const encoder = student.encoder()
  const servable = new StudentServable({
    version: 1,
    itemIds: data.dataset.items.ids(),
    encoder,
    popular: new PopularRanking(PopularityScorer.fromCounts(new Float64Array(data.dataset.items.size))),
    batch: { maxBatch: 1, maxWaitMs: 0 }
  })
  const ranker = servable.ranker
  const cases = data.split.valid
  const times: number[] = []
  try {
    for (let i = 0; i < LATENCY_WARMUP + LATENCY_REQUESTS; i++) {
      const history = cases[i % cases.length].history
      const started = performance.now()
      await ranker.rank(ranker.encode(history), 10, undefined)
      if (i >= LATENCY_WARMUP) times.push(performance.now() - started)
    }
  } finally {
    servable.dispose()
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]
}

/** Epoch figures to the hooks; `onFirstStep` once the first training step is done. */
function reporter (stage: 'teacher' | 'student', hooks: RedistillHooks, onFirstStep?: () => void): ProgressReporter {
  let started = false
  return {
    step () {
      if (!started) {
        started = true
        onFirstStep?.()
      }
    },
    epoch (e: EpochProgress) {
      hooks.epoch({ stage, epoch: e.epoch + 1, epochs: e.epochs, loss: e.loss, validNdcg: e.metric, seconds: e.seconds, etaSeconds: e.etaSeconds })
    },
    done (summary: string, fields?: LogFields) {
      hooks.log(`${stage} ${summary}`, { stage, ...fields })
    }
  }
}
