import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { main } from '../../bench/quality.js'
import { familyLabel } from '../../bench/quality-seed.js'
import { STUDENT_FAMILIES } from '../../src/models/student.js'
import { selectBackend } from '../../src/tf/backend.js'
import { writeCycleWalks } from '../helpers/cycle-walks.js'

describe('npm run bench:quality -- --families', () => {
  let root: string
  let data: string
  before(async () => {
    await selectBackend()
    root = await mkdtemp(join(tmpdir(), 'distillrec-bench-families-'))
    data = await writeCycleWalks(join(root, 'cycle.pairs'))
  })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  it('trains each core student row once per family, then an auto-chosen row per variant that repeats the family --student auto keeps', async () => {
    const out = join(root, 'results')
    const printed: string[] = []
    const logged: string[] = []
    const tensors = tf.memory().numTensors
    const run = await main(['--quick', '--data', data, '--format', 'pairs', '--students', 'core', '--families', 'all', '--tuned', 'none', '--teacher-epochs', '1',
      '--teacher-threads', '1', '--requests', '5', '--out', out], (l) => printed.push(l), (l) => logged.push(l))
    assert.ok(run !== null)
    assert.equal(run.rows.failed, 0, printed.join('\n'))
    assert.equal(tf.memory().numTensors, tensors)
    const variants = ['student, no distillation', 'student + kd + ranking + hint, mixed teacher', 'student + kd + ranking + hint, ensemble teacher']
    const results = JSON.parse(await readFile(run.file, 'utf8')) as { rows: Array<{ model: string, ndcg: number, usPerRequest: number, servingUs?: number, note?: string }> }
    const models = results.rows.map((r) => r.model)
    assert.deepEqual(models.slice(6), [...STUDENT_FAMILIES.flatMap((f) => variants.map((v) => familyLabel(v, f))), ...variants.map((v) => `auto-chosen ${v}`)])
    for (const v of variants) {
      const auto = results.rows.find((r) => r.model === `auto-chosen ${v}`)!
      const family = STUDENT_FAMILIES.find((f) => auto.note?.startsWith(`${f} (`))
      assert.ok(family !== undefined, auto.note)
      const same = results.rows.find((r) => r.model === familyLabel(v, family))!
      assert.deepEqual([auto.ndcg, auto.usPerRequest, auto.servingUs], [same.ndcg, same.usPerRequest, same.servingUs], 'the auto row is the chosen family\'s student')
      assert.ok(auto.servingUs! > 0)
    }
    assert.match(printed.join('\n'), /\| last-item student, no distillation +\| +0\.\d{4} \|/)
    await assert.rejects(main(['--quick', '--data', data, '--families', 'pooling,gru', '--out', out], () => {}, () => {}), { code: 'CLI_USAGE', message: /--families takes "all" or a comma list of pooling, last-item/ })
  })
})
