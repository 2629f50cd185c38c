import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { VersionChannel } from '../../src/stores/version-channel.js'

export type MakeChannel = () => VersionChannel | Promise<VersionChannel>

async function until (check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`not within ${timeoutMs} ms`)
    await sleep(10)
  }
}

/** The VersionChannel contract; `make` twice on the same backing store gives two replicas' views. */
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
      const a: number[] = []
      const b: number[] = []
      const stopA = await channel.subscribe((v) => a.push(v))
      const stopB = await channel.subscribe((v) => b.push(v))
      t.after(stopB)
      await channel.activate(5)
      await until(() => a.includes(5) && b.includes(5))
      await stopA()
      await channel.activate(6)
      await until(() => b.includes(6))
      await sleep(50)
      assert.ok(!a.includes(6), 'an unsubscribed listener hears nothing more')
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
      t.after(await channel.subscribe((v) => heard.push(v)))
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

    it('refuses a version that is not a positive integer', async (t) => {
      const channel = await open(t)
      await assert.rejects(channel.activate(0), RangeError)
      await assert.rejects(channel.activate(1.5), RangeError)
    })
  })
}
