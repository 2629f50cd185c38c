import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { RunLock } from '../../src/stores/run-lock.js'

/** Opens one more view (another replica's) of the lock store that `MakeLock` set up. */
export type OpenLock = () => RunLock | Promise<RunLock>
/** A fresh, free lock; every call of the opener it returns views that same lock. */
export type MakeLock = () => OpenLock

/** The RunLock contract, with real (short) TTLs. */
export function runLockContract (name: string, make: MakeLock): void {
  describe(name, () => {
    /** `count` views of one fresh lock, closed after the test. */
    const views = async (t: TestContext, count: number): Promise<RunLock[]> => {
      const open = make()
      const locks: RunLock[] = []
      for (let i = 0; i < count; i++) {
        const lock = await open()
        t.after(async () => await lock.close())
        locks.push(lock)
      }
      return locks
    }

    it('is taken by the first owner while free; a second owner is refused and told who holds it', async (t) => {
      const [a, b] = await views(t, 2)
      assert.equal(await a.holder(), null)
      assert.equal(await a.acquire('job-1', 5000), true)
      assert.equal(await b.acquire('job-2', 5000), false)
      assert.equal(await b.holder(), 'job-1')
      assert.equal(await a.holder(), 'job-1')
      assert.equal(await a.acquire('job-1', 5000), false, 'the holder cannot take it twice')
    })

    it('is renewed by its holder only', async (t) => {
      const [a, b] = await views(t, 2)
      assert.equal(await a.acquire('job-1', 5000), true)
      assert.equal(await a.renew('job-1', 5000), true)
      assert.equal(await b.renew('job-2', 5000), false)
      assert.equal(await b.holder(), 'job-1', 'a refused renewal changes nothing')
      assert.equal(await b.renew('job-1', 5000), true, 'the owner, not the view, holds the lock')
    })

    it('is not renewed while free', async (t) => {
      const [a] = await views(t, 1)
      assert.equal(await a.renew('job-1', 5000), false)
      assert.equal(await a.holder(), null, 'renew never takes a free lock')
    })

    it('is released by its holder only', async (t) => {
      const [a, b] = await views(t, 2)
      assert.equal(await a.acquire('job-1', 5000), true)
      await b.release('job-2')
      assert.equal(await a.holder(), 'job-1', 'another owner cannot free it')
      assert.equal(await b.acquire('job-2', 5000), false)
      await b.release('job-1')
      assert.equal(await a.holder(), null)
      assert.equal(await b.acquire('job-2', 5000), true, 'a released lock is free for the next owner')
      assert.equal(await a.holder(), 'job-2')
      await a.release('job-1')
      assert.equal(await a.holder(), 'job-2', 'the previous holder cannot free the next one')
    })

    it('releasing a free lock is harmless', async (t) => {
      const [a] = await views(t, 1)
      await a.release('job-1')
      assert.equal(await a.holder(), null)
      assert.equal(await a.acquire('job-1', 5000), true)
    })

    it('expires after its TTL: free again, the next owner takes it, the expired owner can neither renew nor release it', async (t) => {
      const [a, b] = await views(t, 2)
      assert.equal(await a.acquire('job-1', 100), true)
      assert.equal(await b.holder(), 'job-1')
      await sleep(150)
      assert.equal(await b.holder(), null)
      assert.equal(await b.acquire('job-2', 5000), true)
      assert.equal(await a.renew('job-1', 5000), false)
      await a.release('job-1')
      assert.equal(await a.holder(), 'job-2')
    })

    it('an expired owner cannot renew it even when no one else took it', async (t) => {
      const [a] = await views(t, 1)
      assert.equal(await a.acquire('job-1', 100), true)
      await sleep(150)
      assert.equal(await a.renew('job-1', 5000), false)
      assert.equal(await a.holder(), null)
    })

    it('a renewal extends the TTL from now', async (t) => {
      const [a, b] = await views(t, 2)
      assert.equal(await a.acquire('job-1', 150), true)
      await sleep(100)
      assert.equal(await a.renew('job-1', 150), true)
      await sleep(100)
      assert.equal(await b.holder(), 'job-1', 'still held 200 ms after a 150 ms acquire renewed at 100 ms')
      assert.equal(await b.acquire('job-2', 5000), false)
      await sleep(100)
      assert.equal(await b.holder(), null, 'and free once the renewed TTL ran out')
    })

    it('goes to exactly one of 10 owners acquiring at once', async (t) => {
      const locks = await views(t, 10)
      const owners = locks.map((_, k) => `job-${k}`)
      const won = await Promise.all(locks.map(async (lock, k) => await lock.acquire(owners[k], 5000)))
      assert.equal(won.filter(Boolean).length, 1, `winners: ${JSON.stringify(won)}`)
      assert.equal(await locks[0].holder(), owners[won.indexOf(true)])
    })
  })
}
