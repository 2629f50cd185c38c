/**
 * The distillation study: one saved teacher (its ensemble fitted and its targets computed once per
 * run), then a student per family and per point of a grid of kd temperature x ranking depth x
 * position weighting (x popularity discount of the teacher's logits x teacher weight), and the undistilled student of each family on the same positions and budget.
 * Every student is chosen on validation NDCG@10 (early stopping); the test figures are only reported.
 * One JSON line per student is appended to --out as it finishes (a cut-short study keeps its rows);
 * --shard i/n runs every n-th student, so n processes can share the grid. --dim, --window and --lr-decay
 * shape and schedule every student alike; a row records them, its parameters and its median serving cost. A markdown table of this
 * process's rows ends the run.
 *   npx tsx bench/kd-study.ts --data ../shared/datasets/ml-100k --models-dir <dir with a teacher> --out study.jsonl
 */
import { appendFile, readFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { CliUsageError, COMMON_OPTIONS, dataFormat, learningRateDecay, parseCli, positiveIntList, runCli } from '../src/cli/args.js'
import { markdownTable } from '../src/cli/table.js'
import { evaluate } from '../src/distill/evaluation/evaluate.js'
import { distillStudent } from '../src/distill/student/distill-student.js'
import { servingCostMs } from '../src/distill/student/serving-cost.js'
import { scaleTeacherLosses, type DistillLosses } from '../src/distill/student/distill-losses.js'
import { DEFAULT_ENSEMBLE_SHARPNESS } from '../src/distill/targets/ensemble-members.js'
import { loadTeacherSource } from '../src/distill/targets/teacher-source.js'
import { popularityDebiased } from '../src/distill/targets/popularity-debias.js'
import type { TeacherTargets } from '../src/distill/targets/teacher-targets.js'
import { POSITION_WEIGHTINGS, type PositionWeighting } from '../src/distill/training/position-weights.js'
import { createProgress } from '../src/distill/training/progress.js'
import { describeData, loadData } from '../src/distill/training/training-data.js'
import { trainingPositions } from '../src/distill/training/training-positions.js'
import { TRAINING_DEFAULTS } from '../src/distill/training-defaults.js'
import { Student, STUDENT_DEFAULTS, STUDENT_FAMILIES, type StudentFamily } from '../src/models/student.js'
import { selectBackend } from '../src/tf/backend.js'

const STUDENT = TRAINING_DEFAULTS.student

const SPEC = {
  usage: 'npx tsx bench/kd-study.ts --',
  summary: 'Distillation study: temperature x ranking depth x position weighting per student family, from one saved teacher (as an ensemble).',
  options: {
    ...COMMON_OPTIONS,
    data: { type: 'string', description: 'required: dataset directory or interaction log' },
    families: { type: 'string', default: 'pooling,last-item', description: `comma list of ${STUDENT_FAMILIES.join(', ')}` },
    temperatures: { type: 'string', default: '1,2,4', description: 'kd temperatures' },
    depths: { type: 'string', default: '10,32', description: 'ranking-distillation depths (teacher top-k as positives; at most --top-n)' },
    weightings: { type: 'string', default: POSITION_WEIGHTINGS.join(','), description: 'position weightings of kd and ranking' },
    debias: { type: 'string', default: '0', description: 'popularity discounts of the teacher\'s logits (alpha of popularityDebiased; 0: as they are)' },
    'teacher-weights': { type: 'string', default: '1', description: 'multipliers of the kd and ranking terms against the task loss (distill\'s --teacher-weights; the undistilled student is weight 0)' },
    'top-n': { type: 'int', default: TRAINING_DEFAULTS.targets.topN, description: 'teacher items kept per position' },
    'no-ensemble': { type: 'boolean', default: false, description: 'distil from the saved teacher alone (default: its ensemble with the baselines, weights fitted on validation)' },
    'positions-per-user': { type: 'int', description: 'each user\'s latest N positions (default every position)' },
    epochs: { type: 'int', default: 16, description: 'epochs at most per student' },
    patience: { type: 'int', default: TRAINING_DEFAULTS.patience, description: 'early stopping on validation NDCG@10' },
    'max-seconds': { type: 'float', description: 'training seconds per student' },
    dropout: { type: 'float', default: STUDENT.dropout, description: 'dropout of the attention student\'s block while training' },
    dim: { type: 'int', default: STUDENT_DEFAULTS.dim, description: 'student embedding width (every family)' },
    window: { type: 'int', default: STUDENT_DEFAULTS.window, description: 'student window: the latest items pooled or attended to (every family)' },
    'lr-decay': { type: 'string', default: 'constant', description: 'constant | linear (to a tenth by the last epoch, or over --max-seconds)' },
    'no-undistilled': { type: 'boolean', default: false, description: 'leave out the task loss alone (trained per family by default)' },
    shard: { type: 'string', default: '0/1', description: 'i/n: this process trains students i, i+n, ...' },
    resume: { type: 'boolean', default: false, description: 'leave out the students --out already holds a row for (same data, seed and point)' },
    out: { type: 'string', description: 'required: JSON Lines file the rows are appended to' }
  }
} as const

interface Point { family: StudentFamily, temperature: number | null, depth: number | null, weighting: PositionWeighting | null, debias: number | null, teacherWeight: number | null }

async function main (argv: readonly string[]): Promise<void> {
  const args = parseCli(SPEC, argv)
  if (args === null) return
  if (args.data === undefined || args.out === undefined) throw new CliUsageError('--data and --out are required')
  const families = list(args.families, (f) => (STUDENT_FAMILIES as readonly string[]).includes(f), 'families') as StudentFamily[]
  const weightings = list(args.weightings, (w) => (POSITION_WEIGHTINGS as readonly string[]).includes(w), 'weightings') as PositionWeighting[]
  const temperatures = list(args.temperatures, (t) => Number(t) > 0, 'temperatures').map(Number)
  const depths = positiveIntList(args.depths, '--depths')
  const debiases = list(args.debias, (a) => Number(a) >= 0, 'debias').map(Number)
  const teacherWeights = list(args['teacher-weights'], (w) => Number(w) > 0, 'teacher-weights').map(Number)
  if (depths.some((d) => d > args['top-n'])) throw new CliUsageError(`--depths must be at most --top-n ${args['top-n']}`)
  const decay = learningRateDecay(args['lr-decay'])
  const [shard, shards] = args.shard.split('/').map(Number)
  if (!(shards >= 1 && shard >= 0 && shard < shards)) throw new CliUsageError('--shard is i/n with 0 <= i < n')

  const points: Point[] = []
  for (const family of families) {
    if (!args['no-undistilled']) points.push({ family, temperature: null, depth: null, weighting: null, debias: null, teacherWeight: null })
    for (const teacherWeight of teacherWeights) {
      for (const debias of debiases) {
        for (const temperature of temperatures) for (const depth of depths) for (const weighting of weightings) points.push({ family, temperature, depth, weighting, debias, teacherWeight })
      }
    }
  }
  const done = args.resume ? await donePoints(args.out, args.data, args.seed) : new Set<string>()
  const mine = points.filter((p) => !done.has(pointKey(p))).filter((_, i) => i % shards === shard)

  await selectBackend()
  const data = await loadData(args.data, dataFormat(args.format), args.seed)
  console.error(describeData(data))
  const perUser = args['positions-per-user'] ?? Infinity
  const teacher = mine.some((p) => p.temperature !== null)
    ? await loadTeacherSource(data, {
      ...TRAINING_DEFAULTS.targets,
      modelsDir: args['models-dir'],
      topN: args['top-n'],
      perUser,
      withItemEmbeddings: false,
      ensemble: args['no-ensemble'] ? undefined : { sharpness: DEFAULT_ENSEMBLE_SHARPNESS },
      log: (line) => console.error(line)
    })
    : undefined
  if (teacher !== undefined) console.error(tailShares(teacher.targets, data.split.train, data.tailItems))
  const debiased = new Map<number, TeacherTargets>()
  const targetsAt = (alpha: number): TeacherTargets => {
    if (!debiased.has(alpha)) debiased.set(alpha, popularityDebiased(teacher!.targets, data.split.train, data.dataset.items.size, alpha))
    return debiased.get(alpha)!
  }
  const rows: string[][] = []
  try {
    for (const point of mine) {
      const losses: DistillLosses = point.temperature === null
        ? { task: { weight: 1 } }
        : scaleTeacherLosses({
          task: { weight: 1 },
          kd: { weight: STUDENT.kdWeight, temperature: point.temperature, normalise: 'support', weighting: point.weighting! },
          ranking: { weight: STUDENT.rankingWeight, k: point.depth!, weighting: point.weighting! }
        }, point.teacherWeight!)
      const student = new Student({ family: point.family, numItems: data.dataset.items.size, dim: args.dim, window: args.window, seed: args.seed })
      try {
        const report = distillStudent(student, data.split.train, {
          epochs: args.epochs,
          batchSize: STUDENT.batchSize,
          learningRate: STUDENT.learningRate,
          learningRateDecay: decay,
          seed: args.seed,
          losses,
          targets: point.temperature === null ? undefined : targetsAt(point.debias!),
          positions: teacher?.targets.positions ?? trainingPositions(data.split.train, perUser),
          valid: data.split.valid,
          patience: args.patience,
          maxSeconds: args['max-seconds'],
          dropout: args.dropout,
          // one line an epoch on stderr, so a long run shows where it is (stdout keeps the table)
          progress: createProgress(`${point.family} ${pointLabel(point)}`)
        })
        const test = evaluate(student, data.split.test, { k: 10, tailItems: data.tailItems })
        const setting = { data: args.data, seed: args.seed, teacher: teacher?.label ?? null, ...point, ...(point.family === 'attention' ? { dropout: args.dropout } : {}), dim: args.dim, window: args.window, lrDecay: decay }
        const figures = { valid: report.bestMetric, testNdcg: test.ndcg, testHr: test.hr, tailRecall: test.tailRecall, tailCases: test.tailCases, coverage: test.coverage }
        // servingUs: the median serving cost --student auto judges on (user vector, every item scored, top 10), on validation histories
        const servingUs = Number((servingCostMs(student, data.split.valid) * 1000).toFixed(1))
        const cost = { epochs: report.epochs.length, bestEpoch: report.bestEpoch + 1, seconds: Number(report.seconds.toFixed(1)), usPerPosition: Number(report.usPerPosition.toFixed(0)), params: student.paramCount(), servingUs }
        const row = { ...setting, ...figures, ...cost }
        await appendFile(args.out, JSON.stringify(row) + '\n')
        const cells = [point.family, pointLabel(point),
          fixed(report.bestMetric), fixed(test.ndcg), fixed(test.tailRecall), `${report.bestEpoch + 1}/${report.epochs.length}`, report.seconds.toFixed(0)]
        rows.push(cells)
        console.error(cells.join(' | '))
      } finally {
        student.dispose()
      }
    }
  } finally {
    teacher?.dispose()
  }
  console.log(markdownTable(['family', 'student', 'valid NDCG@10', 'test NDCG@10', 'tail recall@10', 'best/epochs', 's'], rows))
}

/**
 * How much the teacher's soft targets lean to the head: the share of tail items (data.tailItems) among the
 * training positions' next items, among the teacher's top-10 slots and in its top-N mass (softmax at T=1).
 */
function tailShares (t: TeacherTargets, train: readonly Int32Array[], tail: Uint8Array): string {
  const n = t.topN
  let next = 0
  let top10 = 0
  let mass = 0
  for (let p = 0; p < t.size; p++) {
    next += tail[train[t.positions.users[p]][t.positions.ends[p]]]
    const at = p * n
    let z = 0
    let onTail = 0
    for (let j = 0; j < n; j++) {
      const e = Math.exp(t.logits[at + j] - t.logits[at])
      z += e
      if (tail[t.items[at + j]] === 1) { onTail += e; if (j < 10) top10++ }
    }
    mass += onTail / z
  }
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`
  return `tail items: ${pct(next / t.size)} of the next items at the ${t.size} training positions, ${pct(top10 / (t.size * Math.min(10, n)))} of the teacher's top-10, ${pct(mass / t.size)} of its top-${n} mass`
}

/** A point's student as the table and the progress lines name it. */
function pointLabel (p: Point): string {
  if (p.temperature === null) return 'undistilled'
  return `T=${p.temperature} k=${p.depth} ${p.weighting}${p.debias === 0 ? '' : ` debias ${p.debias}`}${p.teacherWeight === 1 ? '' : ` weight ${p.teacherWeight}`}`
}

function pointKey (p: Point): string {
  const distilled = p.temperature !== null
  return JSON.stringify([p.family, p.temperature, p.depth, p.weighting, distilled ? p.debias ?? 0 : null, distilled ? p.teacherWeight ?? 1 : null])
}

async function donePoints (file: string, data: string, seed: number): Promise<Set<string>> {
  const text = await readFile(file, 'utf8').catch(() => '')
  const rows = text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Point & { data: string, seed: number })
  return new Set(rows.filter((r) => r.data === data && r.seed === seed).map(pointKey))
}

function list (text: string, ok: (s: string) => boolean, name: string): string[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (items.length === 0 || !items.every(ok)) throw new CliUsageError(`--${name}: bad list ${JSON.stringify(text)}`)
  return items
}

function fixed (x: number | undefined): string {
  return x === undefined || Number.isNaN(x) ? '-' : x.toFixed(4)
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) runCli(() => main(process.argv.slice(2)))
