/**
 * Where a teacher training step spends its time: times three epochs of trainTeacher on random
 * full-length windows (us per position, median), then profiles one more and prints kernel time
 * by kernel name, most first. Set PROFILE_DETAIL=<kernel> to list that kernel's calls and shapes.
 *
 *   npm run bench:teacher-profile -- [--items 3706] [--users 64] [--dim 128] [--loss sampled|full]
 *     [--negatives 512] [--batch-size 16] [--max-len 50] [--dropout 0.2] [--ffn-dim 128]
 */
import * as tf from '@tensorflow/tfjs'
import { parseArgs } from 'node:util'
import { Random } from '../src/data/random.js'
import { trainTeacher, type TeacherLoss } from '../src/distill/train-teacher.js'
import { Teacher } from '../src/models/teacher.js'
import { selectBackend } from '../src/tf/backend.js'

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '3706' },
    users: { type: 'string', default: '64' },
    dim: { type: 'string', default: '128' },
    'ffn-dim': { type: 'string', default: '128' },
    'max-len': { type: 'string', default: '50' },
    dropout: { type: 'string', default: '0.2' },
    loss: { type: 'string', default: 'sampled' },
    negatives: { type: 'string', default: '512' },
    'batch-size': { type: 'string', default: '16' }
  }
})
const num = (key: keyof typeof values): number => Number(values[key])

const backend = await selectBackend()
tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false)
const numItems = num('items')
const maxLen = num('max-len')
const rng = new Random(7)
const train = Array.from({ length: num('users') }, () => Int32Array.from({ length: maxLen + 1 }, () => rng.int(numItems)))
const teacher = new Teacher({ numItems, dim: num('dim'), ffnDim: num('ffn-dim'), maxLen, dropout: num('dropout') })
const loss: TeacherLoss = values.loss === 'full' ? { kind: 'full' } : { kind: 'sampled', negatives: num('negatives') }
const options = { epochs: 1, batchSize: num('batch-size'), learningRate: 1e-3, seed: 1, loss, progress: false as const }
trainTeacher(teacher, train, options) // warm-up: kernels compiled, buffers allocated
const positions = train.length * maxLen
const runs = Array.from({ length: 3 }, () => {
  const t0 = performance.now()
  trainTeacher(teacher, train, options)
  return (performance.now() - t0) * 1000 / positions
}).sort((a, b) => a - b)
const profile = await tf.profile(() => { trainTeacher(teacher, train, options) })
const byKernel = new Map<string, { ms: number, calls: number }>()
if (process.env.PROFILE_DETAIL) for (const k of profile.kernels) if (k.name === process.env.PROFILE_DETAIL) console.log(JSON.stringify(k.inputShapes), JSON.stringify(k.outputShapes), (await k.kernelTimeMs as number).toFixed(2))
for (const k of profile.kernels) {
  const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 }
  entry.ms += await k.kernelTimeMs as number
  entry.calls++
  byKernel.set(k.name, entry)
}
const kernelMs = [...byKernel.values()].reduce((a, b) => a + b.ms, 0)
console.log(`backend ${backend}; ${positions} positions a run; ${runs.map(r => r.toFixed(0)).join(', ')} us/position over 3 runs (median ${runs[1].toFixed(0)}); ` +
  `under the profiler, kernels take ${(kernelMs * 1000 / positions).toFixed(0)} us/position`)
console.log('| kernel | calls | ms | share |\n|---|---:|---:|---:|')
for (const [name, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
  console.log(`| ${name} | ${e.calls} | ${e.ms.toFixed(1)} | ${(100 * e.ms / kernelMs).toFixed(1)}% |`)
}
teacher.dispose()
