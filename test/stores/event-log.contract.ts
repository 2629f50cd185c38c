import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import type { Interaction } from '../../src/data/dataset.js'
import type { EventLog } from '../../src/stores/event-log.js'

export type MakeEventLog = () => EventLog | Promise<EventLog>

/** n interactions over a few users, with distinct, increasing timestamps from `from`. */
export function events (n: number, from = 1_700_000_000_000): Interaction[] {
  return Array.from({ length: n }, (_, k) => ({ userId: `u${k % 3}`, itemId: `i${(k * 7) % 11}`, ts: from + k }))
}

export async function readAll (log: EventLog): Promise<Interaction[]> {
  const out: Interaction[] = []
  for await (const event of log.readAll()) out.push(event)
  return out
}

/** The EventLog contract, for the memory twin and every real implementation alike. */
export function eventLogContract (name: string, make: MakeEventLog): void {
  describe(name, () => {
    const open = async (t: TestContext): Promise<EventLog> => {
      const log = await make()
      t.after(async () => await log.close())
      return log
    }

    it('reads nothing from an empty log', async (t) => {
      const log = await open(t)
      assert.deepEqual(await readAll(log), [])
    })

    it('reads every acknowledged event back, oldest first, across batches', async (t) => {
      const log = await open(t)
      const all = events(9)
      await log.append(all.slice(0, 4))
      await log.append(all.slice(4, 5))
      await log.append(all.slice(5))
      assert.deepEqual(await readAll(log), all)
    })

    it('keeps timestamps exactly: seconds, fractions, milliseconds and zero', async (t) => {
      const log = await open(t)
      const batch = [1_700_000_000, 1.25, 1_700_000_000_123, 0].map((ts, k) => ({ userId: 'u', itemId: `i${k}`, ts }))
      await log.append(batch)
      assert.deepEqual(await readAll(log), batch)
    })

    it('keeps ids with quotes, newlines and non-ASCII characters intact', async (t) => {
      const log = await open(t)
      const batch = [{ userId: 'a "quoted"\nuser', itemId: 'café ☕ \\ 🎬', ts: 1 }, { userId: '', itemId: '{}', ts: 2 }]
      await log.append(batch)
      assert.deepEqual(await readAll(log), batch)
    })

    it('ignores an empty append', async (t) => {
      const log = await open(t)
      await log.append([])
      assert.deepEqual(await readAll(log), [])
    })

    it('logs appends made without waiting in call order', async (t) => {
      const log = await open(t)
      const all = events(12)
      await Promise.all([0, 3, 6, 9].map(async (k) => await log.append(all.slice(k, k + 3))))
      assert.deepEqual(await readAll(log), all)
    })

    it('rejects a batch holding an event it could not read back, logging none of it', async (t) => {
      const log = await open(t)
      const bad = [...events(2), { userId: 'u', itemId: 'i', ts: Number.NaN }]
      await assert.rejects(log.append(bad), { code: 'EVENT_INVALID' })
      assert.deepEqual(await readAll(log), [])
    })

    it('reads a snapshot: events appended while reading are left for the next read', async (t) => {
      const log = await open(t)
      const all = events(5)
      await log.append(all.slice(0, 3))
      const seen: Interaction[] = []
      for await (const event of log.readAll()) {
        if (seen.length === 0) await log.append(all.slice(3))
        seen.push(event)
      }
      assert.deepEqual(seen, all.slice(0, 3))
      assert.deepEqual(await readAll(log), all)
    })
  })
}
