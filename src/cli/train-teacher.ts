/**
 * Trains the SASRec-style teacher on a dataset's leave-one-out train split (early stopping on the
 * validation split), reports held-out test quality, and saves it as the next teacher version:
 *   npm run train:teacher -- --data ../shared/datasets/ml-100k --epochs 20
 * A thin parser: the run itself is `runTeacher` (src/distill/teacher/teacher-pipeline.ts). The figures
 * also go to a results file (--results), the printed lines and epochs to --log when given.
 */
import { availableParallelism } from 'node:os'
import { pathToFileURL } from 'node:url'
import { runTeacher } from '../distill/teacher/teacher-pipeline.js'
import { GBCE_CALIBRATION, type TeacherLoss } from '../distill/teacher/train-teacher.js'
import { TRAINING_DEFAULTS } from '../distill/training-defaults.js'
import { TEACHER_DEFAULTS } from '../models/teacher.js'
import { COMMON_OPTIONS, CliUsageError, learningRateDecay, parseCli, runCli, trainingPlan, TRAINING_OPTIONS } from './args.js'
import { qualityLine } from './quality-line.js'
import { RECORD_OPTIONS } from './run-record.js'
import { startTraining } from './training-start.js'
import { FIT_OPTION, fitOption, refitLine } from './fit-option.js'
import { teacherOptions } from './tuned-options.js'
import { checkTeacherRun, type TeacherRunPlan } from '../distill/teacher/teacher-run-check.js'
import type { Fit } from '../distill/training/fold-validation.js'

export const TRAIN_TEACHER_SPEC = {
  usage: 'npm run train:teacher --',
  summary: 'Trains the teacher (causal self-attention over the item sequence) and saves it as the next teacher version.',
  options: {
    ...COMMON_OPTIONS,
    epochs: { type: 'int', default: TRAINING_DEFAULTS.teacher.epochs, description: 'training epochs at most (early stopping on validation: --patience)' },
    dim: { type: 'int', default: TEACHER_DEFAULTS.dim, description: 'embedding and block width' },
    blocks: { type: 'int', default: TEACHER_DEFAULTS.blocks, description: 'self-attention blocks' },
    heads: { type: 'int', default: TEACHER_DEFAULTS.heads, description: 'attention heads (must divide dim)' },
    'ffn-dim': { type: 'int', default: TEACHER_DEFAULTS.ffnDim, description: 'feed-forward inner width' },
    'max-len': { type: 'int', default: TEACHER_DEFAULTS.maxLen, description: 'longest history read' },
    dropout: { type: 'float', default: TEACHER_DEFAULTS.dropout, description: 'dropout rate while training' },
    loss: { type: 'string', default: 'sampled', description: 'full (softmax over every item) | sampled (softmax over shared negatives, log-Q corrected) | gbce (gSASRec\'s calibrated binary cross-entropy over shared uniform negatives)' },
    negatives: { type: 'int', default: TRAINING_DEFAULTS.teacher.negatives, description: 'shared negatives per batch for --loss sampled or gbce' },
    'gbce-t': { type: 'float', default: GBCE_CALIBRATION, description: 'gBCE calibration t in [0, 1] (1: calibrated, 0: plain binary cross-entropy)' },
    'batch-size': { type: 'int', default: TRAINING_DEFAULTS.teacher.batchSize, description: 'sequences per step' },
    threads: { type: 'int', default: 0, description: 'threads each training step is split over (data parallel, one TF.js backend each); 0 = every core, 1 = this thread alone' },
    'learning-rate': { type: 'float', default: TRAINING_DEFAULTS.teacher.learningRate, description: 'Adam learning rate' },
    ...TRAINING_OPTIONS,
    fit: FIT_OPTION,
    ...RECORD_OPTIONS
  }
} as const

type TrainTeacherArgs = NonNullable<ReturnType<typeof parseCli<typeof TRAIN_TEACHER_SPEC.options>>>

export async function main (argv: readonly string[], print: (line: string) => void = console.log): Promise<{ version: number | null, ndcg: number } | null> {
  const args = parseCli(TRAIN_TEACHER_SPEC, argv, (text) => print(text.trimEnd()))
  if (args === null) return null
  const lrDecay = learningRateDecay(args['lr-decay'])
  if (!(args.threads >= 0)) throw new CliUsageError('--threads must be 0 (every core) or more')
  const fit = fitOption(args.fit, args['no-save'])
  // read again after tuned settings fill in what the command line left out
  const plan = (): TeacherRunPlan => teacherPlan(args, fit)
  checkTeacherRun(plan())
  const { record, backend, data } = await startTraining('train-teacher', argv, args, print, { writes: args['no-save'] ? undefined : 'teacher', tuned: teacherOptions })
  print = record.print
  const { loss } = plan()

  // the native backend already runs each kernel on every core; wasm runs one thread per backend
  const threads = args.threads !== 0 ? args.threads : backend === 'tensorflow' ? 1 : availableParallelism()
  const run = await runTeacher({
    ...plan(),
    data,
    modelsDir: args['models-dir'],
    learningRateDecay: lrDecay,
    seed: args.seed,
    progress: record.progress('teacher'),
    threads
  })
  const refitted = refitLine(run.refit)
  if (refitted !== undefined) print(refitted)
  print(qualityLine(`teacher (fitted on ${fit})`, run.test, run.params, run.report.seconds + (run.refit?.seconds ?? 0)))
  if (run.version !== null) print(`saved teacher v${run.version} in ${run.dir ?? ''}`)
  const results = await record.write({
    data: data.source, fingerprint: data.fingerprint, backend, threads, loss, fit, version: run.version, params: run.params, test: run.test, training: run.report, refit: run.refit ?? null
  })
  if (results !== null) print(`results: ${results}`)
  return { version: run.version, ndcg: run.test.ndcg }
}

/** The teacher run the command line asks for, before any data is read (threads aside: they follow the backend). */
function teacherPlan (args: TrainTeacherArgs, fit: Fit): TeacherRunPlan {
  return {
    teacher: { dim: args.dim, blocks: args.blocks, heads: args.heads, ffnDim: args['ffn-dim'], maxLen: args['max-len'], dropout: args.dropout },
    loss: lossOption(args.loss, args.negatives, args['gbce-t']),
    ...trainingPlan(args),
    fit
  }
}

/** The `--loss` choice as a TeacherLoss, or a usage error. */
export function lossOption (kind: string, negatives: number, calibration: number): TeacherLoss {
  if (kind === 'full') return { kind: 'full' }
  if (kind !== 'sampled' && kind !== 'gbce') throw new CliUsageError(`--loss must be full, sampled or gbce, got ${JSON.stringify(kind)}`)
  if (!(Number.isSafeInteger(negatives) && negatives >= 1)) throw new CliUsageError(`--negatives must be a positive integer, got ${negatives}`)
  if (kind === 'sampled') return { kind, negatives }
  if (!(calibration >= 0 && calibration <= 1)) throw new CliUsageError(`--gbce-t must be between 0 and 1, got ${calibration}`)
  return { kind, negatives, calibration }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runCli(async () => { await main(process.argv.slice(2)) })
