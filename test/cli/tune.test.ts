import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { main as distill } from '../../src/cli/distill.js'
import { main as trainTeacher } from '../../src/cli/train-teacher.js'
import { main as tuneCli } from '../../src/cli/tune.js'
import { generateSynthetic } from '../../src/data/synthetic.js'
import { loadData } from '../../src/distill/training/training-data.js'
import { defaultTeacherSettings, teacherLoss, tune } from '../../src/distill/tuning/tune.js'
import { readTunedSettings, tunedSettingsPath } from '../../src/distill/tuning/tuned-settings.js'
import { studentOptions, teacherOptions } from '../../src/cli/tuned-options.js'
import { selectBackend } from '../../src/tf/backend.js'

const FAST = { budgetSeconds: 3600, seed: 5, trials: 3, epochs: 1, log: () => {} }

describe('npm run tune', () => {
  let root: string
  let data: string
  let poisoned: string
  const out: string[] = []
  const print = (line: string): void => { out.push(line) }

  before(async () => {
    await selectBackend()
    root = await mkdtemp(join(tmpdir(), 'distillrec-tune-'))
    const events = generateSynthetic({ users: 60, items: 25, meanLength: 10, seed: 4 })
    data = join(root, 'events.jsonl')
    await writeFile(data, events.map((e) => JSON.stringify(e)).join('\n') + '\n')
    // every user's last event (the test target) replaced by another item, the catalogue unchanged
    // (only items seen earlier in the file are replaced, so the catalogue and its numbering stay)
    const first = new Map<string, number>()
    events.forEach((e, i) => { if (!first.has(e.itemId)) first.set(e.itemId, i) })
    const last = new Map<string, number>()
    events.forEach((e, i) => last.set(e.userId, i))
    const other = events[0].itemId
    const changed = events.map((e, i) => last.get(e.userId) !== i || e.itemId === other || first.get(e.itemId)! === i ? e : { ...e, itemId: other })
    assert.ok(changed.filter((e, i) => e !== events[i]).length > 30, 'most test targets are poisoned')
    poisoned = join(root, 'poisoned.jsonl')
    await writeFile(poisoned, changed.map((e) => JSON.stringify(e)).join('\n') + '\n')
  })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  it('never reads test targets: poisoning every test item changes no trial and no choice', async () => {
    const clean = await loadData(data, 'auto', 42)
    const dirty = await loadData(poisoned, 'auto', 42)
    assert.deepEqual(dirty.dataset.items.ids(), clean.dataset.items.ids())
    assert.notDeepEqual(dirty.split.test.map((c) => c.target), clean.split.test.map((c) => c.target))
    const a = tune(clean, FAST)
    const b = tune(dirty, FAST)
    const figures = (r: typeof a): unknown => ({
      teacher: r.trials.teacher.map((t) => [t.settings, t.validNdcg]),
      student: r.trials.student.map((t) => [t.settings, t.validNdcg]),
      chosen: [r.teacher.settings, r.student.settings]
    })
    assert.deepEqual(figures(b), figures(a))
    assert.equal(a.trials.teacher.length, 3)
    assert.equal(a.trials.student.length, 3)
    // trial 1 is the defaults: the choice is never below them on validation
    assert.ok(a.teacher.validNdcg >= a.trials.teacher[0].validNdcg && a.student.validNdcg >= a.trials.student[0].validNdcg)
  })

  it('searches gBCE against the sampled softmax on large catalogues, and passes a tuned loss on as train:teacher options', async () => {
    const large = defaultTeacherSettings(50_000)
    assert.deepEqual(teacherLoss(large), { kind: 'sampled', negatives: 512 })
    assert.deepEqual(teacherLoss({ ...large, loss: 'gbce', negatives: 256 }), { kind: 'gbce', negatives: 256, calibration: 0.75 })
    assert.deepEqual(teacherLoss(defaultTeacherSettings(3_000)), { kind: 'full' })
    const tuned = (settings: object): Parameters<typeof teacherOptions>[0] => ({ datasetFingerprint: 'f', created: '', budgetSeconds: 1, teacher: { settings: { ...large, ...settings }, validNdcg: 0 }, student: { settings: { dim: 8, window: 5, learningRate: 1e-3, kdWeight: 1, temperature: 1 }, validNdcg: 0 } })
    assert.deepEqual([teacherOptions(tuned({ loss: 'gbce', negatives: 256 })).loss, teacherOptions(tuned({ loss: 'gbce', negatives: 256 })).negatives], ['gbce', 256])
    assert.equal(teacherOptions(tuned({ loss: undefined })).loss, 'sampled', 'a file written before gBCE meant the sampled softmax')
    const modelsDir = join(root, 'tuned-loss')
    const path = tunedSettingsPath(modelsDir, 'f')
    await mkdir(join(modelsDir, 'tuned'), { recursive: true })
    await writeFile(path, JSON.stringify(tuned({ loss: 'gbce' })))
    assert.equal((await readTunedSettings(modelsDir, 'f'))?.tuned.teacher.settings.loss, 'gbce')
    await writeFile(path, JSON.stringify(tuned({ loss: 'hinge' })))
    await assert.rejects(readTunedSettings(modelsDir, 'f'), /not the tuned settings of dataset f/)
  })

  it('saves its choice beside the data fingerprint, and train:teacher and distill use it unless told otherwise', async () => {
    const modelsDir = join(root, 'models')
    const path = await tuneCli(['--data', data, '--models-dir', modelsDir, '--trials', '2', '--epochs', '1', '--seed', '5'], print)
    const saved = JSON.parse(await readFile(path!, 'utf8'))
    assert.equal(saved.datasetFingerprint, (await loadData(data, 'auto', 42)).fingerprint)
    out.length = 0
    await trainTeacher(['--data', data, '--models-dir', modelsDir, '--epochs', '1', '--blocks', '1'], print)
    const taken = out.find((l) => l.startsWith('tuned settings from'))
    assert.ok(taken !== undefined, out.join('\n'))
    assert.ok(taken.includes(`--dim ${saved.teacher.settings.dim as number}`), taken)
    assert.ok(!taken.includes('--blocks'), 'an explicit option wins over the tuned one')
    out.length = 0
    await distill(['--data', data, '--models-dir', modelsDir, '--epochs', '1', '--teacher-weights', '1', '--no-save'], print)
    assert.ok(out.some((l) => l.startsWith('tuned settings from') && l.includes(`--window ${saved.student.settings.window as number}`)), out.join('\n'))
  })

  it('--student searches one family\'s settings; each family\'s choice is kept, and distill reads the one of the family it trains', async () => {
    const modelsDir = join(root, 'families')
    const path = await tuneCli(['--data', data, '--models-dir', modelsDir, '--trials', '2', '--epochs', '1', '--seed', '5', '--student', 'last-item'], print)
    const first = JSON.parse(await readFile(path!, 'utf8'))
    assert.ok(first.trials.student.every((t: { settings: { family: string } }) => t.settings.family === 'last-item'))
    assert.deepEqual(Object.keys(first.students), ['last-item'])
    await tuneCli(['--data', data, '--models-dir', modelsDir, '--trials', '1', '--epochs', '1', '--seed', '5'], print)
    const { tuned } = (await readTunedSettings(modelsDir, first.datasetFingerprint))!
    assert.deepEqual(Object.keys(tuned.students ?? {}).sort(), ['last-item', 'pooling'])
    assert.deepEqual(tuned.students?.['last-item'], first.students['last-item'], 'tuning pooling keeps last-item\'s choice')
    assert.equal(tuned.student.settings.family, 'pooling')
    // a crafted file: each family's options come from its own entry; a family never tuned takes none
    const entry = (family: 'pooling' | 'last-item', window: number) => ({ settings: { family, dim: 8, window, learningRate: 1e-3, kdWeight: 1, temperature: 1 }, validNdcg: 0 })
    const crafted = { ...tuned, student: entry('pooling', 5), students: { pooling: entry('pooling', 5), 'last-item': entry('last-item', 50) } }
    assert.equal(studentOptions(crafted, 'last-item').window, 50)
    assert.equal(studentOptions(crafted, 'pooling').window, 5)
    assert.deepEqual(studentOptions({ ...crafted, students: undefined }, 'last-item'), {}, 'an older file tuned pooling only')
    await assert.rejects(tuneCli(['--data', data, '--models-dir', modelsDir, '--student', 'auto'], print), { code: 'CLI_USAGE', message: /--student takes one of pooling, last-item/ })
  })
})
