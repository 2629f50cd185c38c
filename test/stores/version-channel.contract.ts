import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ChannelMessage } from '../../src/stores/channel-message.js'
import type { VersionChannel } from '../../src/stores/version-channel.js'

export type MakeChannel = () => VersionChannel | Promise<VersionChannel>

async function until (check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`not within ${timeoutMs} ms`)
    await sleep(10)
  }
}

/** The versions a listener heard announced. */
function versions (heard: ChannelMessage[]): number[] {
  return heard.flatMap((m) => m.kind === 'version' ? [m.version] : [])
}

/** The VersionChannel contract. */
export function versionChannelContract (name: string, make: MakeChannel): void {
  describe(name, () => {
    const open = async (t: TestContext): Promise<VersionChannel> => {
      const channel = await make()
      t.after(async () => await channel.close())
      return channel
    }

    it('has no active version until one is activated, then remembers the last', async (t) => {
      const channel = await open(t)
      assert.equal(await channel.active(), null)
      await channel.activate(3)
      await channel.activate(2)
      assert.equal(await channel.active(), 2)
    })

    it('announces every activation to every subscriber until it unsubscribes', async (t) => {
      const channel = await open(t)
      const a: ChannelMessage[] = []
      const b: ChannelMessage[] = []
      const stopA = await channel.subscribe((m) => a.push(m))
      const stopB = await channel.subscribe((m) => b.push(m))
      t.after(stopB)
      await channel.activate(5)
      await until(() => versions(a).includes(5) && versions(b).includes(5))
      await stopA()
      await channel.activate(6)
      await until(() => versions(b).includes(6))
      await sleep(50)
      assert.ok(!versions(a).includes(6), 'an unsubscribed listener hears nothing more')
    })

    it('announces experiment changes to every subscriber, typed apart from activations and in the order they were made', async (t) => {
      const channel = await open(t)
      const a: ChannelMessage[] = []
      const b: ChannelMessage[] = []
      t.after(await channel.subscribe((m) => a.push(m)))
      const stopB = await channel.subscribe((m) => b.push(m))
      await channel.activate(5)
      await channel.announceExperiment(3)
      await channel.activate(6)
      await channel.announceExperiment(4)
      for (const heard of [a, b]) {
        await until(() => heard.some((m) => m.kind === 'experiment' && m.id === 4))
        // a reconnection may replay the active version and say so: the announcements keep their order
        const announced = heard.filter((m) => m.kind !== 'reconnected')
        const at = (message: ChannelMessage): number => announced.findIndex((m) => JSON.stringify(m) === JSON.stringify(message))
        assert.deepEqual(announced.filter((m) => m.kind === 'experiment'), [{ kind: 'experiment', id: 3 }, { kind: 'experiment', id: 4 }])
        assert.ok(at({ kind: 'version', version: 5 }) < at({ kind: 'experiment', id: 3 }))
        assert.ok(at({ kind: 'experiment', id: 3 }) < at({ kind: 'version', version: 6 }))
        assert.ok(at({ kind: 'version', version: 6 }) < at({ kind: 'experiment', id: 4 }))
      }
      assert.equal(await channel.active(), 6, 'an experiment announcement records no version')
      await stopB()
      await channel.announceExperiment(9)
      await until(() => a.some((m) => m.kind === 'experiment' && m.id === 9))
      await sleep(50)
      assert.ok(!b.some((m) => m.kind === 'experiment' && m.id === 9), 'an unsubscribed listener hears nothing more')
    })

    it('reserves increasing tokens above the floor it is given', async (t) => {
      const channel = await open(t)
      const a = await channel.reserve(0)
      const b = await channel.reserve(0)
      assert.ok(b > a && a >= 1)
      assert.equal(await channel.reserve(40), 41)
      assert.equal(await channel.reserve(3), 42, 'never goes back under a token it handed out')
      const parallel = await Promise.all(Array.from({ length: 20 }, async () => await channel.reserve(0)))
      assert.equal(new Set(parallel).size, 20, 'concurrent callers never share a token')
    })

    it('fences out a stale run: an activation with a token at or below one that activated is refused', async (t) => {
      const channel = await open(t)
      const heard: number[] = []
      t.after(await channel.subscribe((m) => { if (m.kind === 'version') heard.push(m.version) }))
      const stale = await channel.reserve(0)
      const fresh = await channel.reserve(0)
      assert.equal(await channel.activate(fresh, fresh), true)
      assert.equal(await channel.activate(stale, stale), false)
      assert.equal(await channel.activate(fresh, fresh), false, 'a token activates once')
      assert.equal(await channel.active(), fresh)
      await until(() => heard.includes(fresh))
      await sleep(50)
      assert.ok(!heard.includes(stale), 'a fenced-out version is not announced')
      // a rollback (no fence) is an operator's decision and always goes through
      assert.equal(await channel.activate(stale), true)
      assert.equal(await channel.active(), stale)
      assert.equal(await channel.activate(await channel.reserve(0), fresh + 1), true)
    })

    it('refuses a version or an experiment id that is not a positive integer', async (t) => {
      const channel = await open(t)
      await assert.rejects(channel.activate(0), RangeError)
      await assert.rejects(channel.activate(1.5), RangeError)
      await assert.rejects(channel.announceExperiment(0), RangeError)
      await assert.rejects(channel.announceExperiment(2.5), RangeError)
    })
  })
}
