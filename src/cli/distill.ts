/**
 * Distils a student from a teacher (a saved version, a Layers model or a scores file) on a
 * dataset's leave-one-out train split, reports held-out quality and agreement with the teacher,
 * and saves it as the next student version:
 *   npm run distill -- --data ../shared/datasets/ml-100k --losses task,kd,ranking
 * `--losses task` trains the same student without distillation (no teacher needed).
 * A thin parser: the run itself is `runStudent` (src/distill/student/student-pipeline.ts), which the worker calls too.
 * The figures also go to a results file (--results), the printed lines and epochs to --log when given.
 */
import { pathToFileURL } from 'node:url'
import { distillLosses, LOSS_NAMES, type DistillLosses } from '../distill/student/distill-losses.js'
import { TRAINING_DEFAULTS } from '../distill/training-defaults.js'
import { STUDENT_DEFAULTS, STUDENT_FAMILIES, type StudentFamily } from '../models/student.js'
import { COMMON_OPTIONS, CliUsageError, learningRateDecay as learningRateDecayOption, parseCli, runCli, trainingPlan, TRAINING_OPTIONS } from './args.js'
import { givenOptions, studentOptions } from './tuned-options.js'
import { qualityLine } from './quality-line.js'
import { fixed } from './table.js'
import { RECORD_OPTIONS } from './run-record.js'
import { startTraining } from './training-start.js'
import { FIT_OPTION, fitOption, refitLine } from './fit-option.js'
import { checkStudentRun, type StudentRunPlan } from '../distill/student/student-run-check.js'
import type { Fit } from '../distill/training/fold-validation.js'
import { POSITION_WEIGHTINGS, type PositionWeighting } from '../distill/training/position-weights.js'
import { DEFAULT_ENSEMBLE_SHARPNESS } from '../distill/targets/ensemble-members.js'
import { DEFAULT_PARAM_RATIO, runStudent } from '../distill/student/student-pipeline.js'
import type { StudentSelection } from '../models/student-selection.js'
import { loadConfig } from '../config.js'

const STUDENT = TRAINING_DEFAULTS.student

export const DISTILL_SPEC = {
  usage: 'npm run distill --',
  summary: 'Trains the student on the task loss plus the teacher\'s losses and saves it as the next student version.',
  options: {
    ...COMMON_OPTIONS,
    epochs: { type: 'int', default: STUDENT.epochs, description: 'training epochs at most, per student (early stopping on validation: --patience)' },
    losses: { type: 'string', default: STUDENT.lossNames.join(','), description: `comma list of ${LOSS_NAMES.join(', ')}` },
    'teacher-version': { type: 'int', description: 'saved teacher version (latest when omitted)' },
    'teacher-scores': { type: 'string', description: 'JSON Lines of per-user teacher top-N lists, instead of a saved teacher' },
    'layers-dir': { type: 'string', description: 'TF.js Layers model directory to use as the teacher, instead of a saved one' },
    'max-len': { type: 'int', default: TRAINING_DEFAULTS.targets.maxLen, description: 'input length of the --layers-dir model' },
    'item-map': { type: 'string', description: 'the --layers-dir model\'s item numbering (CSV, TSV or JSON: item id, token, column; see npm run item-map)' },
    student: { type: 'string', default: STUDENT_DEFAULTS.family, description: `student family: ${STUDENT_FAMILIES.join(' | ')} | auto (last-item also feeds the dense layer the last item's embedding; auto trains each family and keeps the best on validation NDCG@10 within the latency budget and the parameter cap)` },
    'family-budget': { type: 'float', description: 'with --student auto: training seconds per family, shared by its --teacher-weights runs (default: --max-seconds shared between the families)' },
    'latency-budget-ms': { type: 'float', description: 'with --student auto: a family\'s median serving cost (user vector + scoring, ms per request) must be within this (default GATE_LATENCY_BUDGET_MS, 50)' },
    'param-ratio': { type: 'float', default: DEFAULT_PARAM_RATIO, description: 'with --student auto: a family\'s parameters must be at most this share of the teacher\'s (no cap without a teacher, or with a scores file)' },
    dim: { type: 'int', default: STUDENT_DEFAULTS.dim, description: 'student embedding width' },
    window: { type: 'int', default: STUDENT_DEFAULTS.window, description: 'recent items the student pools' },
    'no-dense': { type: 'boolean', default: false, description: 'drop the dense layer after pooling' },
    'no-item-bias': { type: 'boolean', default: false, description: 'drop the per-item bias' },
    'top-n': { type: 'int', default: TRAINING_DEFAULTS.targets.topN, description: 'teacher items kept per position (soft-target support)' },
    'positions-per-user': { type: 'int', description: 'train on each user\'s latest N positions only (default: every position)' },
    'list-positions': { type: 'int', default: 1, description: 'a --teacher-scores list covers each user\'s latest N positions (the others train on the task loss alone)' },
    'mix-item-knn': { type: 'float', default: 0, description: 'mixed distillation: weight (0-1) of item-KNN\'s soft targets mixed into the teacher\'s' },
    ensemble: { type: 'boolean', default: false, description: 'distil from an ensemble: the teacher, Markov chain, item-KNN and popularity weighted on validation NDCG@10' },
    'ensemble-sharpness': { type: 'float', default: DEFAULT_ENSEMBLE_SHARPNESS, description: 'logit of the best item of each baseline in the ensemble (the rest scale with their scores)' },
    'knn-sharpness': { type: 'float', default: 5, description: 'logit of item-KNN\'s best item per position when mixed (the rest scale with their votes)' },
    'kd-weight': { type: 'float', default: STUDENT.kdWeight, description: 'weight of the soft-target loss' },
    'teacher-weights': { type: 'string', default: '1,0', description: 'multipliers of the teacher losses to try, one student each, the best on validation NDCG@10 kept (0: undistilled, so a teacher that hurts is dropped; 1: one run)' },
    temperature: { type: 'float', default: STUDENT.temperature, description: 'soft-target temperature' },
    'kd-normalise': { type: 'string', default: STUDENT.kdNormalise, description: 'full | support: where the student\'s softmax is taken' },
    'kd-weighting': { type: 'string', default: STUDENT.weighting, description: `${POSITION_WEIGHTINGS.join(' | ')}: how kd and ranking weigh the training positions (confidence: by the teacher's certainty, 1 - normalised entropy of its top-N; target: by its probability of the true next item; mean 1 over the positions either way)` },
    'ranking-weight': { type: 'float', default: STUDENT.rankingWeight, description: 'weight of the ranking-distillation loss' },
    'ranking-k': { type: 'int', default: STUDENT.rankingK, description: 'teacher top-k treated as positives' },
    'hint-weight': { type: 'float', default: STUDENT.hintWeight, description: 'weight of the embedding hint loss (saved teacher only)' },
    schedule: { type: 'string', default: 'constant', description: 'constant | linear: teacher losses fade to 0 over the epochs' },
    'batch-size': { type: 'int', default: STUDENT.batchSize, description: 'positions per step' },
    dropout: { type: 'float', default: STUDENT.dropout, description: 'dropout of the attention student\'s block while training (input rows, attention probabilities, attention and feed-forward outputs; the other families have none)' },
    'learning-rate': { type: 'float', default: STUDENT.learningRate, description: 'Adam learning rate' },
    ...TRAINING_OPTIONS,
    fit: FIT_OPTION,
    ...RECORD_OPTIONS
  }
} as const

type DistillArgs = NonNullable<ReturnType<typeof parseCli<typeof DISTILL_SPEC.options>>>

export function parseLosses (args: Pick<DistillArgs, 'losses' | 'kd-weight' | 'temperature' | 'kd-normalise' | 'kd-weighting' | 'ranking-weight' | 'ranking-k' | 'hint-weight'>): DistillLosses {
  const names = args.losses.split(',').map((s) => s.trim()).filter((s) => s !== '')
  const unknown = names.filter((n) => !(LOSS_NAMES as readonly string[]).includes(n))
  if (names.length === 0 || unknown.length > 0) throw new CliUsageError(`--losses takes a comma list of ${LOSS_NAMES.join(', ')}, got ${JSON.stringify(args.losses)}`)
  if (args['kd-normalise'] !== 'full' && args['kd-normalise'] !== 'support') throw new CliUsageError('--kd-normalise must be full or support')
  if (!(POSITION_WEIGHTINGS as readonly string[]).includes(args['kd-weighting'])) throw new CliUsageError(`--kd-weighting must be one of ${POSITION_WEIGHTINGS.join(', ')}, got ${JSON.stringify(args['kd-weighting'])}`)
  return distillLosses(names, {
    kdWeight: args['kd-weight'],
    temperature: args.temperature,
    kdNormalise: args['kd-normalise'],
    weighting: args['kd-weighting'] as PositionWeighting,
    rankingWeight: args['ranking-weight'],
    rankingK: args['ranking-k'],
    hintWeight: args['hint-weight']
  })
}

export function parseTeacherWeights (text: string): number[] {
  const weights = text.split(',').map((w) => w.trim()).filter((w) => w !== '').map(Number)
  if (weights.length === 0 || weights.some((w) => !(w >= 0 && Number.isFinite(w)))) {
    throw new CliUsageError(`--teacher-weights takes a comma list of numbers at least 0, got ${JSON.stringify(text)}`)
  }
  return [...new Set(weights)]
}

export function studentFamilyOption (text: string): StudentFamily | 'auto' {
  if (text !== 'auto' && !(STUDENT_FAMILIES as readonly string[]).includes(text)) throw new CliUsageError(`--student takes one of ${STUDENT_FAMILIES.join(', ')} or auto, got ${JSON.stringify(text)}`)
  return text as StudentFamily | 'auto'
}

/** The student run the command line asks for, before any data is read. */
function studentPlan (args: DistillArgs, teacherWeights: number[], fit: Fit, latencyBudgetMs: number): StudentRunPlan {
  const mix = args['mix-item-knn']
  const family = studentFamilyOption(args.student)
  return {
    student: { family: family === 'auto' ? undefined : family, dim: args.dim, window: args.window, dense: !args['no-dense'], itemBias: !args['no-item-bias'], seed: args.seed },
    auto: family === 'auto' ? { families: STUDENT_FAMILIES, latencyBudgetMs, familySeconds: args['family-budget'], paramRatio: args['param-ratio'] } : undefined,
    losses: parseLosses(args),
    teacher: {
      version: args['teacher-version'],
      scoresFile: args['teacher-scores'],
      layersDir: args['layers-dir'],
      itemMapFile: args['item-map'],
      maxLen: args['max-len'],
      topN: args['top-n'],
      perUser: args['positions-per-user'],
      listPositions: args['list-positions'],
      mixItemKnn: mix > 0 ? { weight: mix, sharpness: args['knn-sharpness'] } : undefined,
      ensemble: args.ensemble ? { sharpness: args['ensemble-sharpness'] } : undefined
    },
    teacherWeights,
    dropout: args.dropout,
    ...trainingPlan(args),
    fit
  }
}

export async function main (argv: readonly string[], print: (line: string) => void = console.log, env: Record<string, string | undefined> = process.env):
Promise<{ version: number | null, ndcg: number, overlap?: number, teacherWeight: number, family: StudentFamily, selection?: StudentSelection } | null> {
  const args = parseCli(DISTILL_SPEC, argv, (text) => print(text.trimEnd()))
  if (args === null) return null
  const auto = studentFamilyOption(args.student) === 'auto'
  if (!auto) {
    for (const name of ['family-budget', 'latency-budget-ms', 'param-ratio'] as const) {
      if (givenOptions(argv).has(name)) throw new CliUsageError(`--${name} is read with --student auto only`)
    }
  }
  const latencyBudgetMs = args['latency-budget-ms'] ?? (auto ? loadConfig(env).gateLatencyBudgetMs : NaN)
  parseLosses(args)
  const learningRateDecay = learningRateDecayOption(args['lr-decay'])
  if (args.schedule !== 'constant' && args.schedule !== 'linear') throw new CliUsageError('--schedule must be constant or linear')
  const mix = args['mix-item-knn']
  if (!(mix >= 0 && mix < 1)) throw new CliUsageError('--mix-item-knn must be at least 0 and below 1')
  if (!(args['knn-sharpness'] > 0)) throw new CliUsageError('--knn-sharpness must be positive')
  if (!(args['list-positions'] >= 1)) throw new CliUsageError('--list-positions must be at least 1')
  const teacherWeights = parseTeacherWeights(args['teacher-weights'])
  const fit = fitOption(args.fit, args['no-save'])
  if (fit === 'train+valid' && args.ensemble) throw new CliUsageError('--fit train+valid cannot refit an --ensemble: its weights are fitted on validation')
  if (args.ensemble && mix > 0) throw new CliUsageError('--ensemble already weighs item-KNN on validation: drop --mix-item-knn')
  if (!(args['ensemble-sharpness'] > 0)) throw new CliUsageError('--ensemble-sharpness must be positive')
  // read again after tuned settings fill in what the command line left out
  const plan = (): StudentRunPlan => studentPlan(args, teacherWeights, fit, latencyBudgetMs)
  checkStudentRun(plan())
  const { record, backend, data } = await startTraining('distill', argv, args, print, {
    writes: args['no-save'] ? undefined : 'student',
    // tuned settings are per family; auto trains every family with the command line's
    tuned: (tuned) => { const family = studentFamilyOption(args.student); return family === 'auto' ? {} : studentOptions(tuned, family) }
  })
  print = record.print
  const { losses } = plan()

  const run = await runStudent({
    ...plan(),
    data,
    modelsDir: args['models-dir'],
    learningRateDecay,
    schedule: args.schedule,
    seed: args.seed,
    log: print,
    progress: record.progress('student')
  })
  const weighted = run.teacherWeight === 1 ? '' : `, teacher weight ${run.teacherWeight}`
  const dropped = LOSS_NAMES.filter((name) => losses[name] !== undefined && run.losses[name] === undefined)
  const trained = LOSS_NAMES.filter((name) => run.losses[name] !== undefined).join(',') + (dropped.length > 0 ? `; ${dropped.join(',')} dropped` : '')
  const refitted = refitLine(run.refit)
  if (refitted !== undefined) print(refitted)
  print(qualityLine(`${run.family} student (${trained}${weighted}, fitted on ${fit})`, run.test, run.params, run.report.seconds + (run.refit?.seconds ?? 0)))
  if (run.overlap !== undefined) print(`top-10 overlap with ${run.teacherLabel ?? 'the teacher'}: ${fixed(run.overlap)}`)
  if (run.version !== null) print(`saved student v${run.version} in ${run.dir ?? ''}`)
  const results = await record.write({
    data: data.source,
    fingerprint: data.fingerprint,
    backend,
    losses,
    trainedLosses: run.losses,
    family: run.family,
    selection: run.selection ?? null,
    teacher: run.teacherLabel,
    teacherWeight: run.teacherWeight,
    version: run.version,
    params: run.params,
    test: run.test,
    teacherOverlap: run.overlap ?? null,
    fit,
    training: run.report,
    refit: run.refit ?? null
  })
  if (results !== null) print(`results: ${results}`)
  return { version: run.version, ndcg: run.test.ndcg, overlap: run.overlap, teacherWeight: run.teacherWeight, family: run.family, selection: run.selection }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runCli(async () => { await main(process.argv.slice(2)) })
