import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { pino } from 'pino'
import { createCanary } from '../../src/experiments/canary.js'
import { emptyStats, type ArmStats } from '../../src/stores/impression-log.js'
import { MemoryExperimentStore } from '../../src/stores/memory-experiment-store.js'
import type { Canary } from '../../src/versions/canary.js'
import { auth, buildHarness, finished, inProcess, saveFixture, serving, submit } from '../worker/harness.js'
import { createWorker } from '../../src/worker/create-worker.js'

const log = pino({ level: 'silent' })
const stats = (impressions: number, listsWithEvent: number): ArmStats => ({ ...emptyStats(), impressions, listsWithEvent })

function canary (arms: Record<string, ArmStats>, options: { timeoutMs?: number, minImpressions?: number } = {}) {
  const store = new MemoryExperimentStore()
  /** Each announcement, with the experiment's state in the store when it went out. */
  const announced: string[] = []
  const gate = createCanary({
    store,
    impressions: { stats: async (group) => arms[group.replace(/^x\d+:/, '')] ?? emptyStats() },
    channel: { announceExperiment: async (id) => { announced.push(`${id}:${(await store.get(id))?.state ?? 'none'}`) } },
    sources: { modelsDir: '/nonexistent' },
    percent: 20,
    minImpressions: options.minImpressions ?? 1000,
    timeoutMs: options.timeoutMs ?? 60_000,
    pollMs: 5
  })
  return { store, gate, announced }
}

describe('the worker\'s canary', () => {
  it('activates a candidate that is significantly better, and ends its experiment promoted', async () => {
    const { store, gate, announced } = canary({ control: stats(1000, 300), candidate: stats(1000, 360) })
    const verdict = await gate(7, 6, new AbortController().signal, log)
    assert.equal(verdict.activate, true, verdict.reason)
    assert.deepEqual([(await store.get(1))?.state, (await store.get(1))?.percent, (await store.get(1))?.candidate], ['promoting', 20, 7])
    await verdict.settle(true)
    assert.equal((await store.get(1))?.state, 'promoted')
    assert.deepEqual(announced, ['1:running', '1:promoting', '1:promoted'], 'every change is announced once the store has it')
  })

  it('keeps the active version when the difference is not significant, or negative', async () => {
    for (const candidate of [stats(1000, 310), stats(1000, 200)]) {
      const { store, gate, announced } = canary({ control: stats(1000, 300), candidate })
      const verdict = await gate(7, 6, new AbortController().signal, log)
      assert.equal(verdict.activate, false)
      assert.match(verdict.reason, /not significantly better: hit rate 0\.\d+ against 0\.3000/)
      assert.equal((await store.get(1))?.state, 'stopped')
      assert.deepEqual(announced, ['1:running', '1:stopped'])
    }
  })

  it('keeps the active version when the impressions do not come in time', async () => {
    const { store, gate } = canary({ control: stats(10, 3), candidate: stats(10, 9) }, { timeoutMs: 30 })
    const verdict = await gate(7, 6, new AbortController().signal, log)
    assert.equal(verdict.activate, false)
    assert.match(verdict.reason, /fewer than 1000 impressions per arm/)
    assert.equal(await store.current(), null)
  })

  it('activates the first student at once (nothing to compare with), and refuses while another experiment runs', async () => {
    const { store, gate } = canary({})
    assert.equal((await gate(1, null, new AbortController().signal, log)).activate, true)
    assert.equal(await store.current(), null)
    await store.create({ control: 1, candidate: 2, percent: 5, mode: 'shadow', salt: 's', createdAt: 'now' })
    const verdict = await gate(3, 1, new AbortController().signal, log)
    assert.equal(verdict.activate, false)
    assert.match(verdict.reason, /experiment 1 is running/)
  })

  it('stops its experiment and gives up when the run is cancelled', async () => {
    const { store, gate, announced } = canary({ control: stats(10, 1), candidate: stats(10, 1) })
    const abort = new AbortController()
    setTimeout(() => abort.abort(new Error('cancelled by request')), 20)
    await assert.rejects(gate(7, 6, abort.signal, log), /cancelled by request/)
    assert.equal((await store.get(1))?.state, 'stopped')
    assert.deepEqual(announced, ['1:running', '1:stopped'])
  })
})

describe('a re-distillation run with a canary', () => {
  async function harness (t: TestContext) {
    const dir = await mkdtemp(join(tmpdir(), 'distillrec-canary-'))
    t.after(async () => await rm(dir, { recursive: true, force: true }))
    await saveFixture(join(dir, 'models'))
    return await buildHarness(t, {}, dir)
  }

  it('is rejected, keeping the active student, when its canary says no; activated when it says yes', async (t) => {
    const h = await harness(t)
    const asked: Array<[number, number | null]> = []
    let answer = false
    const fake: Canary = async (candidate, control) => {
      asked.push([candidate, control])
      return { activate: answer, reason: answer ? 'better' : 'not significantly better', settle: async () => {} }
    }
    const worker = createWorker({ config: h.config, stores: h.services.stores, control: h.services.control, metrics: h.services.metrics, log, canary: fake, execute: inProcess })
    h.beforeClose.push(async () => await worker.stop())
    await worker.start()
    const kept = await finished(h, await submit(h, { epochs: 1, force: true }))
    assert.equal(kept.state, 'rejected')
    assert.equal(kept.reason, 'canary: not significantly better')
    assert.equal((await serving(h)).version, 1)
    // marked as the gate marks its rejections: listed rejected, never taken for the active student
    const models = (await h.app.inject({ url: '/admin/models', headers: auth })).json<{ versions: Array<{ version: number, state: string }> }>()
    assert.deepEqual(models.versions.map((v) => [v.version, v.state]), [[2, 'rejected'], [1, 'active']])
    answer = true
    const activated = await finished(h, await submit(h, { epochs: 1, force: true }))
    assert.equal(activated.state, 'activated', activated.reason)
    assert.deepEqual(asked, [[2, 1], [3, 1]])
  })
})
