import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { pino } from 'pino'
import { BackgroundTasks } from '../../src/experiments/background-tasks.js'
import { ExperimentRuntime } from '../../src/experiments/experiment-runtime.js'
import { ImpressionRecorder } from '../../src/experiments/impression-recorder.js'
import type { Recommender } from '../../src/serving/recommender.js'
import type { ChannelMessage } from '../../src/stores/channel-message.js'
import type { Experiment, NewExperiment } from '../../src/stores/experiment-store.js'
import { MemoryExperimentStore } from '../../src/stores/memory-experiment-store.js'
import { MemoryImpressionLog } from '../../src/stores/memory-impression-log.js'
import { MemoryVersionChannel } from '../../src/stores/memory-version-channel.js'
import { auth, buildHarness, saveFixture } from '../worker/harness.js'

const log = pino({ level: 'silent' })
const HOUR = 3_600_000
const newExperiment: NewExperiment = { control: 2, candidate: 1, percent: 50, mode: 'split', salt: 's', createdAt: 'now' }

/** The experiment store, counting reads; `hold()` makes the next read take its snapshot, then wait. */
class WatchedStore extends MemoryExperimentStore {
  reads = 0
  #held: { snapshot: (value: Experiment | null) => void, release: Promise<void> } | undefined

  hold (): { taken: Promise<void>, release: () => void } {
    let release = (): void => {}
    let taken = (): void => {}
    const gate = new Promise<void>((resolve) => { release = resolve })
    const took = new Promise<void>((resolve) => { taken = resolve })
    this.#held = { snapshot: () => taken(), release: gate }
    return { taken: took, release }
  }

  override async current (): Promise<Experiment | null> {
    this.reads++
    const snapshot = await super.current()
    const held = this.#held
    this.#held = undefined
    if (held !== undefined) {
      held.snapshot(snapshot)
      await held.release
    }
    return snapshot
  }
}

/** A runtime over a memory store and channel, its poll an hour away; its candidates cannot load here (control serves). */
function runtime (t: TestContext, channel: { subscribe: MemoryVersionChannel['subscribe'] } = new MemoryVersionChannel(), pollMs = HOUR) {
  const store = new WatchedStore()
  const tasks = new BackgroundTasks({ onError: () => {} })
  const r = new ExperimentRuntime({
    store,
    channel,
    serving: {
      load: async (version) => { throw new Error(`v${version} is not on this replica`) },
      recommenderFor: () => { throw new Error('never asked') },
      active: () => 2
    },
    control: { recommend: async () => { throw new Error('never asked') } } as unknown as Pick<Recommender, 'recommend'>,
    tasks,
    recorder: new ImpressionRecorder({ log: new MemoryImpressionLog({ maxImpressions: 100, windowMs: 1000 }), tasks, sample: 1 }),
    pollMs,
    windowMs: 1000,
    log
  })
  t.after(async () => await r.close())
  return { store, runtime: r }
}

async function until (check: () => boolean, what: string, timeoutMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`not within ${timeoutMs} ms: ${what}`)
    await sleep(2)
  }
}

describe('experiment changes announced on the version channel', () => {
  it('are followed at once, with the poll an hour away', async (t) => {
    const channel = new MemoryVersionChannel()
    const { store, runtime: r } = runtime(t, channel)
    await r.start()
    const created = await store.create(newExperiment)
    assert.ok('created' in created)
    await sleep(20)
    assert.equal(r.experiment, undefined, 'nothing read the store yet')
    await channel.announceExperiment(created.created.id)
    await until(() => r.experiment?.id === created.created.id, 'the announced experiment is followed')
    await store.transition(created.created.id, 'running', 'stopped')
    await channel.announceExperiment(created.created.id)
    await until(() => r.experiment === undefined, 'the stopped experiment is dropped')
  })

  it('read the store again when one arrives during a read that took its snapshot before the change', async (t) => {
    const channel = new MemoryVersionChannel()
    const { store, runtime: r } = runtime(t, channel)
    await r.start()
    // a poll (or an earlier announcement) reads the store: no experiment yet, then it stalls
    const held = store.hold()
    const polling = r.sync()
    await held.taken
    const created = await store.create(newExperiment)
    assert.ok('created' in created)
    await channel.announceExperiment(created.created.id)
    held.release()
    await polling
    await until(() => r.experiment?.id === created.created.id, 'the change is followed, not lost behind the stale read')
  })

  it('read the store again when the channel reconnected (announcements may be lost), and not on activations', async (t) => {
    let listener: (message: ChannelMessage) => void = () => {}
    const { store, runtime: r } = runtime(t, { subscribe: async (l) => { listener = l; return async () => { listener = () => {} } } })
    await r.start()
    const created = await store.create(newExperiment)
    assert.ok('created' in created)
    const reads = store.reads
    listener({ kind: 'version', version: 3 })
    await sleep(20)
    assert.equal(store.reads, reads, 'an activation does not read the experiment store')
    listener({ kind: 'reconnected' })
    await until(() => r.experiment?.id === created.created.id, 'followed after the reconnection')
  })

  it('missing, are made up for by the poll, the safety net', async (t) => {
    const { store, runtime: r } = runtime(t, new MemoryVersionChannel(), 30)
    await r.start()
    const created = await store.create(newExperiment)
    assert.ok('created' in created)
    await until(() => r.experiment?.id === created.created.id, 'followed at the next poll')
  })

  it('are no longer heard once the runtime is closed', async (t) => {
    const channel = new MemoryVersionChannel()
    const { store, runtime: r } = runtime(t, channel)
    await r.start()
    await r.close()
    const reads = store.reads
    await channel.announceExperiment(1)
    await sleep(20)
    assert.equal(store.reads, reads)
  })
})

describe('the admin routes', () => {
  async function twoVersions (t: TestContext, env: Record<string, string> = {}) {
    const dir = await mkdtemp(join(tmpdir(), 'distillrec-exp-announce-'))
    t.after(async () => await rm(dir, { recursive: true, force: true }))
    await saveFixture(join(dir, 'models'), { seed: 11 })
    await saveFixture(join(dir, 'models'), { seed: 12 })
    return await buildHarness(t, env, dir)
  }

  it('announce every experiment change once the store has it: start, promote, stop', async (t) => {
    const h = await twoVersions(t)
    const { channel, experiments } = h.services.stores
    // what each message said, with the experiment's state in the store as it went out (the memory
    // channel calls listeners during the announcement, and the memory store's get reads at the call)
    const heard: Array<Promise<string>> = []
    t.after(await channel.subscribe((m) => {
      if (m.kind === 'version') heard.push(Promise.resolve(`v${m.version}`))
      if (m.kind === 'experiment') heard.push(experiments.get(m.id).then((e) => `${m.id}:${e?.state ?? 'none'}`))
    }))
    const post = async (url: string, payload?: object) => await h.app.inject({ method: 'POST', url, headers: auth, payload })
    assert.equal((await post('/admin/experiments', { candidate: 1, percent: 10 })).statusCode, 201)
    assert.equal((await post('/admin/experiments/1/stop')).statusCode, 200)
    assert.equal((await post('/admin/experiments', { candidate: 1, percent: 10 })).statusCode, 201)
    assert.equal((await post('/admin/experiments/2/promote')).statusCode, 200)
    assert.deepEqual(await Promise.all(heard), ['1:running', '1:stopped', '2:running', '2:promoting', 'v1', '2:promoted'])
  })

  it('still answer when the announcement cannot go out: the change is made, other replicas follow at their poll', async (t) => {
    const h = await twoVersions(t, { LOG_LEVEL: 'warn' })
    h.services.stores.channel.announceExperiment = async () => { throw new Error('redis away') }
    const res = await h.app.inject({ method: 'POST', url: '/admin/experiments', headers: auth, payload: { candidate: 1, percent: 10 } })
    assert.equal(res.statusCode, 201, res.body)
    assert.equal(h.services.online.runtime.experiment?.id, res.json().id, 'this replica follows it all the same')
    assert.ok(h.logs.some((line) => line.includes('experiment change not announced')))
  })
})
