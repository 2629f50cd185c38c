/**
 * What teacher targets from ANN candidates cost and how close they are to exact, on a saved
 * teacher and its data: for each `--candidates` count, candidate targets at each user's last
 * `--per-user` positions (us per position, the index build, recall@N and @10 against exact top-N
 * on `--recall-sample` positions), then the exact path (computeTeacherTargets) on `--exact-sample`
 * positions for its us per position.
 *
 *   npm run bench:candidate-targets -- --data FILE --format pairs --models-dir DIR
 *     [--per-user 1] [--candidates 128,256 (0: exact only)] [--recall-sample 200] [--exact-sample 32] [--top-n 32]
 */
import { parseArgs } from 'node:util'
import { candidateTeacherTargets } from '../src/distill/targets/candidate-targets.js'
import { computeTeacherTargets } from '../src/distill/targets/teacher-targets.js'
import { loadData } from '../src/distill/training/training-data.js'
import { trainingPositions, type TrainingPositions } from '../src/distill/training/training-positions.js'
import { TRAINING_DEFAULTS } from '../src/distill/training-defaults.js'
import type { DataFormat } from '../src/data/interaction-reader.js'
import { loadTeacher } from '../src/models/artifact/model-io.js'
import { selectBackend } from '../src/tf/backend.js'

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    format: { type: 'string', default: 'auto' },
    'models-dir': { type: 'string', default: 'models' },
    version: { type: 'string' },
    'per-user': { type: 'string', default: '1' },
    candidates: { type: 'string', default: String(TRAINING_DEFAULTS.targets.candidates) },
    'recall-sample': { type: 'string', default: '200' },
    'exact-sample': { type: 'string', default: '32' },
    'top-n': { type: 'string', default: String(TRAINING_DEFAULTS.targets.topN) },
    threads: { type: 'string', default: '0' }
  }
})

if (values.data === undefined) throw new Error('--data is required')
await selectBackend()
const data = await loadData(values.data, values.format as DataFormat, 42)
const loaded = await loadTeacher(values['models-dir'], values.version === undefined ? undefined : Number(values.version))
const teacher = loaded.model
const train = data.split.train
const positions = trainingPositions(train, Number(values['per-user']))
const topN = Number(values['top-n'])
console.log(`teacher v${loaded.manifest.version}: ${teacher.numItems} items, dim ${teacher.config.dim}; ${positions.users.length} positions ` +
  `(last ${values['per-user']} per user of ${train.length} users), top-${topN}`)
for (const fetch of values.candidates.split(',').map(Number).filter((n) => n > 0)) {
  const run = candidateTeacherTargets(teacher, train, positions, { topN, fetch, recallSample: Number(values['recall-sample']), threads: Number(values.threads) })
  const perPosition = 1e6 * (run.seconds - run.buildSeconds) / positions.users.length
  console.log(`candidates ${fetch}: index build ${run.buildSeconds.toFixed(1)} s, ${perPosition.toFixed(0)} us/position (search + exact re-score, ` +
    `recall sample included), recall@${topN} ${run.recall?.toFixed(4)}, recall@10 ${run.recall10?.toFixed(4)} on ${run.sampled} positions`)
}
const sample = Number(values['exact-sample'])
if (sample > 0) {
  const step = Math.max(1, Math.floor(positions.users.length / sample))
  const picked: TrainingPositions = { users: new Int32Array(sample), ends: new Int32Array(sample) }
  for (let i = 0; i < sample; i++) {
    picked.users[i] = positions.users[Math.min(i * step, positions.users.length - 1)]
    picked.ends[i] = positions.ends[Math.min(i * step, positions.users.length - 1)]
  }
  const started = performance.now()
  computeTeacherTargets(teacher, train, picked, { topN })
  console.log(`exact: ${((performance.now() - started) / sample).toFixed(1)} ms/position over ${sample} positions`)
}
teacher.dispose()
