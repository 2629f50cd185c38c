/**
 * Time per request of a saved teacher against each student family of a given shape, on one
 * dataset's test histories: issue 24's "<= 1/10 of the teacher's time per request". One request is
 * one user: its history scored against every item, the history masked, the top 10 taken.
 *   teacher     scoreBatch of that one history (its TF.js forward pass and its item scores), as
 *               bench:quality's µs per request measures every model (bench/quality-measure.ts);
 *   student     the same measure (scoreBatch, which builds the student's matrix tensors on each call),
 *               and the serving path `--student auto` judges on (servingCostMs: the plain-JS user
 *               vector and ItemMatrixScorer over the served matrix).
 * Students have random weights (cost does not depend on them). The models alternate round by round
 * so all see the same load; prints the median of --repeats rounds (min-max) of wall and CPU time.
 *   npx tsx bench/request-cost.ts --data ../shared/datasets/ml-1m --models-dir <dir with a teacher> [--dim 16] [--window 20]
 */
import { pathToFileURL } from 'node:url'
import { CliUsageError, COMMON_OPTIONS, dataFormat, parseCli, runCli } from '../src/cli/args.js'
import { markdownTable } from '../src/cli/table.js'
import { servingCostMs } from '../src/distill/student/serving-cost.js'
import { loadData } from '../src/distill/training/training-data.js'
import { loadTeacher } from '../src/models/artifact/model-io.js'
import { Student, STUDENT_DEFAULTS, STUDENT_FAMILIES } from '../src/models/student.js'
import { selectBackend } from '../src/tf/backend.js'
import { usPerRequest } from './quality-measure.js'

const SPEC = {
  usage: 'npx tsx bench/request-cost.ts --',
  summary: 'Microseconds per request of a saved teacher and of each student family, one user at a time.',
  options: {
    ...COMMON_OPTIONS,
    data: { type: 'string', description: 'required: dataset directory or interaction log' },
    dim: { type: 'int', default: STUDENT_DEFAULTS.dim, description: 'student width' },
    window: { type: 'int', default: STUDENT_DEFAULTS.window, description: 'student window' },
    requests: { type: 'int', default: 200, description: 'requests timed per round (test users, in order)' },
    repeats: { type: 'int', default: 5, description: 'rounds' }
  }
} as const

interface Timed { wall: number[], cpu: number[] }

/** Unmeasured requests before the timed ones: usPerRequest's 20, servingCostMs's 8 (their CPU time is counted with the rest). */
const SCORE_BATCH_WARMUP = 20
const SERVING_WARMUP = 8

async function main (argv: readonly string[]): Promise<void> {
  const args = parseCli(SPEC, argv)
  if (args === null) return
  if (args.data === undefined) throw new CliUsageError('--data is required')
  await selectBackend()
  const data = await loadData(args.data, dataFormat(args.format), args.seed)
  const cases = data.split.test.slice(0, args.requests)
  const numItems = data.dataset.items.size
  const teacher = await loadTeacher(args['models-dir'])
  const students = STUDENT_FAMILIES.map((family) => new Student({ family, numItems, dim: args.dim, window: args.window, seed: args.seed }))
  try {
    // run: the measure's own µs per request (mean for scoreBatch, median for the serving path); calls: requests it makes, warm-up included
    const runs: Array<{ label: string, params: number, run: () => number, calls: number }> = [
      { label: `teacher v${teacher.manifest.version} (scoreBatch)`, params: teacher.model.paramCount(), run: () => usPerRequest(teacher.model, cases, cases.length), calls: cases.length + SCORE_BATCH_WARMUP },
      ...students.flatMap((s) => [
        { label: `${s.family} (scoreBatch)`, params: s.paramCount(), run: () => usPerRequest(s, cases, cases.length), calls: cases.length + SCORE_BATCH_WARMUP },
        { label: `${s.family} (serving path)`, params: s.paramCount(), run: () => servingCostMs(s, cases, cases.length) * 1000, calls: cases.length + SERVING_WARMUP }
      ])
    ]
    const timed = new Map<string, Timed>(runs.map((r) => [r.label, { wall: [], cpu: [] }]))
    for (let round = 0; round < args.repeats; round++) {
      for (const r of runs) {
        const cpu0 = process.cpuUsage()
        const t = timed.get(r.label)!
        t.wall.push(r.run())
        const used = process.cpuUsage(cpu0)
        t.cpu.push((used.user + used.system) / r.calls)
      }
    }
    const teacherCpu = median(timed.get(runs[0].label)!.cpu)
    console.log(`${args.data}: ${numItems} items; ${cases.length} test users a round (wall: the measure's mean (scoreBatch) or median (serving path) per round; CPU: every call of the round, warm-up included); ` +
      `median of ${args.repeats} rounds (min-max); student dim ${args.dim}, window ${args.window}`)
    console.log(markdownTable(['model', 'parameters', 'µs per request (wall)', 'CPU µs per request', 'CPU share of the teacher\'s'], runs.map((r) => {
      const t = timed.get(r.label)!
      return [r.label, String(r.params), spread(t.wall), spread(t.cpu), (median(t.cpu) / teacherCpu).toFixed(4)]
    })))
  } finally {
    teacher.model.dispose()
    for (const s of students) s.dispose()
  }
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1]
}

function spread (xs: number[]): string {
  return `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)})`
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) runCli(() => main(process.argv.slice(2)))
