/**
 * Offline quality benchmark: baselines, the teacher (and a tuned teacher when `npm run tune` saved
 * settings for the data; the one better on validation teaches the rest), the teacher mixed with item-KNN, the ensemble
 * teacher (weights fitted on validation), and the student with and without distillation (all
 * teacher losses, each on top of the task loss, and the mixed and ensemble teachers' soft
 * targets), leave-one-out by time, full ranking,
 * mean and spread over seeds. Prints a markdown table; writes the raw and summary figures as JSON
 * under bench/results/, rewritten after every row. Options that could only fail later are refused
 * before the first epoch; a row that still fails is kept as failed with its reason (in the table
 * and the file) while the others go on, and the run then exits with status 1.
 *   npm run bench:quality -- --data ../shared/datasets/ml-100k [--seeds 3] [--quick] [--students core] [--families all] [--teacher-threads N]
 * With `--families all` every student row is trained once per student family, and an "auto-chosen"
 * row per variant repeats the family `--student auto` would keep (validation NDCG@10 within the
 * latency budget and a tenth of the teacher's parameters; its note names the family and why).
 */
import { basename, join } from 'node:path'
import { availableParallelism } from 'node:os'
import { pathToFileURL } from 'node:url'
import { CliUsageError, COMMON_OPTIONS, dataFormat, learningRateDecay, parseCli, runCli } from '../src/cli/args.js'
import { lossOption } from '../src/cli/train-teacher.js'
import { writableDir } from '../src/cli/writable-dir.js'
import { markdownTable } from '../src/cli/table.js'
import { DistillError } from '../src/distill/distill-error.js'
import { checkStudentRun } from '../src/distill/student/student-run-check.js'
import { checkTeacherRun } from '../src/distill/teacher/teacher-run-check.js'
import { teacherLoss } from '../src/distill/tuning/tune.js'
import { readTunedSettings } from '../src/distill/tuning/tuned-settings.js'
import { GBCE_CALIBRATION } from '../src/distill/teacher/train-teacher.js'
import { describeData, loadData, type LoadedData } from '../src/distill/training/training-data.js'
import { TRAINING_DEFAULTS } from '../src/distill/training-defaults.js'
import { TEACHER_DEFAULTS } from '../src/models/teacher.js'
import { selectBackend } from '../src/tf/backend.js'
import { FULL, QUICK, STUDENT_VARIANTS, type Mode, type StudentVariant } from './quality-modes.js'
import { QualityRows } from './quality-rows.js'
import { familyLabel, runSeed } from './quality-seed.js'
import { STUDENT_FAMILIES, type StudentFamily } from '../src/models/student.js'
import { summarise, summaryRows, SUMMARY_HEADERS } from './quality-summary.js'

const { 'models-dir': _modelsDir, ...DATA_OPTIONS } = COMMON_OPTIONS

const SPEC = {
  usage: 'npm run bench:quality --',
  summary: 'Quality benchmark: baselines, teacher, student with and without distillation, over several seeds.',
  options: {
    ...DATA_OPTIONS,
    data: { type: 'string', default: 'synthetic', description: 'interaction log file, dataset directory (e.g. ../shared/datasets/ml-100k) or "synthetic"' },
    seeds: { type: 'int', description: 'seeds to average over (default 3, or 1 with --quick)' },
    quick: { type: 'boolean', default: false, description: 'small models, few epochs, recent positions only: proves the pipeline, not the quality' },
    'teacher-epochs': { type: 'int', description: 'override the mode\'s teacher epochs' },
    'student-epochs': { type: 'int', description: 'override the mode\'s student epochs (the same for every student row)' },
    'teacher-max-len': { type: 'int', description: `override the teacher's window (default ${TEACHER_DEFAULTS.maxLen})` },
    'teacher-loss': { type: 'string', default: 'full', description: 'the teacher\'s loss: full | sampled | gbce (with --teacher-negatives)' },
    'teacher-negatives': { type: 'int', default: TRAINING_DEFAULTS.teacher.negatives, description: 'shared negatives per batch for --teacher-loss sampled or gbce' },
    'teacher-threads': { type: 'int', default: 0, description: 'threads each teacher step is split over (as train:teacher --threads): 0 = every core' },
    'lr-decay': { type: 'string', default: 'constant', description: 'constant | linear (to a tenth by the last epoch, or over --teacher-seconds / --student-seconds), teacher and students' },
    'teacher-dropout': { type: 'float', description: `override the teacher's dropout (default ${TEACHER_DEFAULTS.dropout}; 0.5 suited ML-100K: test NDCG@10 0.099 ± 0.005 over 3 seeds run to a 285 s cap, against 0.093 ± 0.009 at 0.2 with patience 3)` },
    'teacher-seconds': { type: 'float', description: 'stop the teacher after the epoch that passes this training time (issue budget: 300 on ML-100K, 2700 (45 minutes) on ML-1M)' },
    'teacher-patience': { type: 'int', description: 'override the teacher\'s early-stopping patience (default 5; on ML-100K patience 5 stopped seed 43 at epoch 9 and kept epoch 4, test NDCG@10 0.074)' },
    'student-seconds': { type: 'float', description: 'the same for each student (issue budget: 120 on ML-100K, 600 on ML-1M)' },
    'student-patience': { type: 'int', description: 'override the students\' early-stopping patience (default 3; as many as --student-epochs gives every student row the same epochs)' },
    students: { type: 'string', default: 'all', description: '"all" student rows, or "core": undistilled, and kd + ranking + hint from the mixed and from the ensemble teacher' },
    tuned: { type: 'string', default: 'models', description: 'models directory whose tuned/<data fingerprint>.json (npm run tune) adds a tuned teacher row, trained with the same budget; the teacher better on validation then serves the mixed and ensemble teachers and the students; "none": no tuned row' },
    families: { type: 'string', default: 'pooling', description: `student families each student row is trained as: a comma list of ${STUDENT_FAMILIES.join(', ')}, or "all"; with more than one, an "auto-chosen" row per variant follows (the family --student auto would keep: best validation NDCG@10 within --latency-budget-ms and a tenth of the teacher's parameters)` },
    'latency-budget-ms': { type: 'float', default: 50, description: 'serving-cost budget of the auto-chosen rows (ms per request; GATE_LATENCY_BUDGET_MS\'s default)' },
    requests: { type: 'int', default: 200, description: 'single-history requests timed for us/request' },
    out: { type: 'string', default: 'bench/results', description: 'directory for the JSON results' }
  }
} as const

type QualityArgs = NonNullable<ReturnType<typeof parseCli<typeof SPEC.options>>>

/** Runs the benchmark; returns its results file and its rows, failed ones included (null after --help). */
export async function main (argv: readonly string[], print: (line: string) => void = console.log,
  log: (line: string) => void = console.error): Promise<{ file: string, rows: QualityRows } | null> {
  const args = parseCli(SPEC, argv, (text) => print(text.trimEnd()))
  if (args === null) return null
  if (args.students !== 'all' && args.students !== 'core') throw new CliUsageError('--students is "all" or "core"')
  if (!(args['teacher-threads'] >= 0)) throw new CliUsageError('--teacher-threads must be 0 (every core) or more')
  if (args.seeds !== undefined && !(args.seeds >= 1)) throw new CliUsageError('--seeds must be at least 1')
  if (!(args.requests >= 1)) throw new CliUsageError('--requests must be at least 1')
  const mode = modeOf(args)
  const families = familiesOf(args.families)
  if (!(args['latency-budget-ms'] > 0)) throw new CliUsageError('--latency-budget-ms must be positive')
  const variants = STUDENT_VARIANTS.filter((v) => args.students === 'all' || v.core === true)
  checkTeacherRun({ ...mode.teacherTraining, teacher: mode.teacher, save: false })
  checkStudents(mode, variants, families)
  await writableDir(args.out, '--out')
  const seeds = Array.from({ length: args.seeds ?? (args.quick ? 1 : 3) }, (_, i) => args.seed + i)
  const backend = await selectBackend()
  const threads = args['teacher-threads'] !== 0 ? args['teacher-threads'] : backend === 'tensorflow' ? 1 : availableParallelism()
  const started = new Date()
  const name = basename(args.data).replace(/\.[^.]*$/, '').replace(/[^\w-]/g, '_')
  const file = join(args.out, `quality-${name}-${args.quick ? 'quick-' : ''}${started.toISOString().replace(/[:.]/g, '-')}.json`)
  let data: LoadedData | undefined
  let rows: QualityRows | undefined
  for (const seed of seeds) {
    // real data splits the same way for every seed; the synthetic set is regenerated from it
    if (data === undefined || args.data === 'synthetic') data = await loadData(args.data, dataFormat(args.format), seed)
    if (rows === undefined) {
      if (args.tuned !== 'none') mode.tuned = await tunedTeacher(args.tuned, data.fingerprint, log)
      if (mode.tuned !== undefined) checkTeacherRun({ ...mode.teacherTraining, teacher: mode.tuned.teacher, learningRate: mode.tuned.learningRate, loss: mode.tuned.loss, save: false })
      checkStudents(mode, variants, families, data.dataset.items.size)
      log(`${describeData(data)}; backend ${backend}; ${args.quick ? 'quick' : 'full'} mode; seeds ${seeds.join(', ')}; teacher on ${threads} thread(s)`)
      rows = new QualityRows({
        file,
        started,
        log,
        header: { source: data.source, fingerprint: data.fingerprint, backend, threads, quick: args.quick, students: args.students, seeds, mode, started: started.toISOString() }
      })
    }
    await runSeed({ data, mode, seed, requests: args.requests, variants, threads, rows, log, families, latencyBudgetMs: args['latency-budget-ms'] })
  }
  const summary = summarise(rows!.rows)
  print(`\n${describeData(data!)}; ${backend}; ${args.quick ? 'quick' : 'full'} mode; ${seeds.length} seed(s); mean ± std over seeds\n`)
  print(markdownTable(SUMMARY_HEADERS, summaryRows(summary)))
  const notes = [...new Set(rows!.rows.flatMap((r) => 'note' in r && r.note !== undefined ? [`${r.model}: ${r.note}`] : []))]
  if (notes.length > 0) print(`\n${notes.join('\n')}`)
  await rows!.finish()
  print(`\nwrote ${file}`)
  if (rows!.failed > 0) print(`${rows!.failed} row(s) failed: their reasons are in the table and the file`)
  return { file, rows: rows! }
}

/** The run's mode: quick or full, with the command line's overrides. */
function modeOf (args: QualityArgs): Mode {
  const base = args.quick ? QUICK : FULL
  const decay = learningRateDecay(args['lr-decay'])
  return {
    ...base,
    teacher: { ...base.teacher, dropout: args['teacher-dropout'] ?? base.teacher.dropout, maxLen: args['teacher-max-len'] ?? base.teacher.maxLen },
    teacherTraining: {
      ...base.teacherTraining,
      loss: lossOption(args['teacher-loss'], args['teacher-negatives'], GBCE_CALIBRATION),
      learningRateDecay: decay,
      epochs: args['teacher-epochs'] ?? base.teacherTraining.epochs,
      patience: args['teacher-patience'] ?? base.teacherTraining.patience,
      maxSeconds: args['teacher-seconds']
    },
    studentTraining: {
      ...base.studentTraining,
      epochs: args['student-epochs'] ?? base.studentTraining.epochs,
      patience: args['student-patience'] ?? base.studentTraining.patience,
      learningRateDecay: decay,
      maxSeconds: args['student-seconds']
    }
  }
}

/** Each student row's options, refused (naming the row) before the first epoch; with `numItems`, against the catalogue too. */
function checkStudents (mode: Mode, variants: readonly StudentVariant[], families: readonly StudentFamily[], numItems?: number): void {
  for (const family of families) {
    for (const v of variants) {
      try {
        checkStudentRun({ ...mode.studentTraining, student: { ...mode.student, family }, losses: v.losses, teacher: { topN: mode.topN, maxLen: mode.teacher.maxLen }, save: false }, numItems)
      } catch (err) {
        if (!(err instanceof DistillError)) throw err
        throw new DistillError(err.code, `${familyLabel(v.label, family)}: ${err.message}`)
      }
    }
  }
}

/** `--families`: "all", or a comma list of known families (each once, in the order given). */
function familiesOf (text: string): StudentFamily[] {
  if (text === 'all') return [...STUDENT_FAMILIES]
  const names = [...new Set(text.split(',').map((s) => s.trim()).filter((s) => s !== ''))]
  const unknown = names.filter((n) => !(STUDENT_FAMILIES as readonly string[]).includes(n))
  if (names.length === 0 || unknown.length > 0) throw new CliUsageError(`--families takes "all" or a comma list of ${STUDENT_FAMILIES.join(', ')}, got ${JSON.stringify(text)}`)
  return names as StudentFamily[]
}

/** The teacher settings `npm run tune` saved for this data under `modelsDir`, if any. */
async function tunedTeacher (modelsDir: string, fingerprint: string, log: (line: string) => void): Promise<Mode['tuned']> {
  const found = await readTunedSettings(modelsDir, fingerprint)
  if (found === undefined) {
    log(`no tuned settings for this data in ${modelsDir}/tuned (npm run tune): no tuned teacher row`)
    return undefined
  }
  const s = found.tuned.teacher.settings
  log(`tuned teacher settings from ${found.path}: ${JSON.stringify(s)}`)
  return {
    path: found.path,
    teacher: { dim: s.dim, blocks: s.blocks, heads: s.heads, ffnDim: s.dim, maxLen: s.maxLen, dropout: s.dropout },
    learningRate: s.learningRate,
    loss: teacherLoss(s)
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runCli(async () => {
    const run = await main(process.argv.slice(2))
    if (run !== null && run.rows.failed > 0) process.exitCode = 1
  })
}
