/**
 * Where a training step spends its time: times three epochs of the teacher's (or the student's)
 * training on random sequences (us per position, median), then profiles one more and prints
 * kernel time by kernel name, most first. PROFILE_DETAIL=<kernel> lists that kernel's calls.
 * A list of sizes (`--items 10000,100000,1000000`) runs each size and model in a child process of
 * its own, time-boxed (see train-profile-sizes.ts), and prints us/position and peak RSS per size.
 *
 *   npm run bench:train-profile -- [--model teacher|student] [--items 3706] [--users 64]
 *   list mode: --items 10000,100000,1000000 [--time-box 300] [--repeats 1]
 *     teacher: [--dim 128] [--loss sampled|gbce|full] [--negatives 512] [--batch-size 16] [--dense-items]
 *              [--max-len 50] [--dropout 0.2] [--ffn-dim 128]
 *     student: [--dim 16] [--batch-size 256] [--loss task|kd]   (kd: task + soft targets)
 *              [--negatives 512]  (sampled softmax, sparse item tables; 0: full softmax, dense tables)
 */
import * as tf from '@tensorflow/tfjs'
import { parseArgs } from 'node:util'
import { Random } from '../src/data/random.js'
import { distillStudent } from '../src/distill/student/distill-student.js'
import { TeacherTargets } from '../src/distill/targets/teacher-targets.js'
import { trainingPositions } from '../src/distill/training/training-positions.js'
import { trainTeacher, type TeacherLoss } from '../src/distill/teacher/train-teacher.js'
import { TRAINING_DEFAULTS } from '../src/distill/training-defaults.js'
import { Student } from '../src/models/student.js'
import { Teacher } from '../src/models/teacher.js'
import { selectBackend } from '../src/tf/backend.js'
import { profileSizes, stepTimer } from './train-profile-sizes.js'

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'teacher' },
    items: { type: 'string', default: '3706' },
    users: { type: 'string', default: '64' },
    dim: { type: 'string' },
    'ffn-dim': { type: 'string', default: '128' },
    'max-len': { type: 'string', default: '50' },
    dropout: { type: 'string', default: '0.2' },
    loss: { type: 'string' },
    negatives: { type: 'string', default: String(TRAINING_DEFAULTS.teacher.negatives) },
    'batch-size': { type: 'string' },
    /** Seconds each size and model may take before its child is killed (list mode). */
    'time-box': { type: 'string', default: '300' },
    repeats: { type: 'string', default: '1' },
    /** Teacher: dense item gradients (as before sparse training), for an A/B on the sampled losses. */
    'dense-items': { type: 'boolean', default: false },
    /** Child mode: print one JSON line of figures, no kernel profile. */
    json: { type: 'boolean', default: false }
  }
})
if (values.items!.includes(',')) {
  await profileSizes({ sizes: values.items!.split(',').map(Number), timeBoxSeconds: Number(values['time-box']), repeats: Number(values.repeats), argv: process.argv.slice(2) })
  process.exit(0)
}
const student = values.model === 'student'
const num = (key: keyof typeof values, fallback?: number): number => values[key] === undefined ? fallback! : Number(values[key])

const backend = await selectBackend()
tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false)
const numItems = num('items')
const maxLen = num('max-len')
const rng = new Random(7)
const train = Array.from({ length: num('users') }, () => Int32Array.from({ length: maxLen + 1 }, () => rng.int(numItems)))
const timer = stepTimer()
const trainOnce = student ? studentRun() : teacherRun()
trainOnce() // warm-up: kernels compiled, buffers allocated
const positions = train.length * maxLen
const steady: number[] = []
const runs = Array.from({ length: 3 }, () => {
  timer.reset()
  const t0 = performance.now()
  trainOnce()
  steady.push(timer.usPerPosition(positions))
  return (performance.now() - t0) * 1000 / positions
}).sort((a, b) => a - b)
steady.sort((a, b) => a - b)
if (values.json) {
  console.log(JSON.stringify({ model: values.model, items: numItems, backend, positions, runUs: runs, stepUs: steady, maxRssMb: process.resourceUsage().maxRSS / 1024 }))
  process.exit(0)
}
const profile = await tf.profile(() => { trainOnce() })
const byKernel = new Map<string, { ms: number, calls: number }>()
if (process.env.PROFILE_DETAIL) for (const k of profile.kernels) if (k.name === process.env.PROFILE_DETAIL) console.log(JSON.stringify(k.inputShapes), JSON.stringify(k.outputShapes), (await k.kernelTimeMs as number).toFixed(2))
for (const k of profile.kernels) {
  const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 }
  entry.ms += await k.kernelTimeMs as number
  entry.calls++
  byKernel.set(k.name, entry)
}
const kernelMs = [...byKernel.values()].reduce((a, b) => a + b.ms, 0)
console.log(`${values.model}, backend ${backend}; ${positions} positions a run; ${runs.map(r => r.toFixed(0)).join(', ')} us/position over 3 runs (median ${runs[1].toFixed(0)}; steps alone ${steady[1].toFixed(0)}); ` +
  `under the profiler, kernels take ${(kernelMs * 1000 / positions).toFixed(0)} us/position`)
console.log('| kernel | calls | ms | share |\n|---|---:|---:|---:|')
for (const [name, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
  console.log(`| ${name} | ${e.calls} | ${e.ms.toFixed(1)} | ${(100 * e.ms / kernelMs).toFixed(1)}% |`)
}

function teacherRun (): () => void {
  const teacher = new Teacher({ numItems, dim: num('dim', 128), ffnDim: num('ffn-dim'), maxLen, dropout: num('dropout') })
  const loss: TeacherLoss = values.loss === 'full' ? { kind: 'full' } : { kind: values.loss === 'gbce' ? 'gbce' : 'sampled', negatives: num('negatives') }
  const options = { epochs: 1, batchSize: num('batch-size', 16), learningRate: 1e-3, seed: 1, loss, progress: timer.progress, sparseItems: values['dense-items'] ? false : undefined }
  return () => { trainTeacher(teacher, train, options) }
}

function studentRun (): () => void {
  const model = new Student({ numItems, dim: num('dim', 16) })
  const at = trainingPositions(train)
  const topN = TRAINING_DEFAULTS.targets.topN
  const targets = values.loss === 'kd'
    ? new TeacherTargets(at, topN, Int32Array.from({ length: at.users.length * topN }, () => rng.int(numItems)), Float32Array.from({ length: at.users.length * topN }, () => rng.next()))
    : undefined
  const losses = targets ? { task: { weight: 1 }, kd: { weight: 1, temperature: 1, normalise: 'support' as const } } : { task: { weight: 1 } }
  const options = { epochs: 1, batchSize: num('batch-size', 256), learningRate: 1e-3, seed: 1, losses, targets, positions: at, progress: timer.progress, negatives: num('negatives') }
  return () => { distillStudent(model, train, options) }
}
