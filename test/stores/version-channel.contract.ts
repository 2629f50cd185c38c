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

    it('refuses a version that is not a positive integer', async (t) => {
      const channel = await open(t)
      await assert.rejects(channel.activate(0), RangeError)
      await assert.rejects(channel.activate(1.5), RangeError)
    })
  })
}
