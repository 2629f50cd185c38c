import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import type { Interaction } from '../../src/data/dataset.js'
import type { AppendResult, EventLog } from '../../src/stores/event-log.js'

/** A log whose append resolves an AppendResult, as every implementation's does. */
export type ResultEventLog = Omit<EventLog, 'append'> & { append: (events: readonly Interaction[]) => Promise<AppendResult> }
export type MakeEventLog = () => ResultEventLog | Promise<ResultEventLog>

/** n interactions over a few users, with distinct, increasing timestamps from `from`. */
export function events (n: number, from = 1_700_000_000_000): Interaction[] {
  return Array.from({ length: n }, (_, k) => ({ userId: `u${k % 3}`, itemId: `i${(k * 7) % 11}`, ts: from + k }))
}

/** The same events, each given the eventId at its position (undefined: none). */
export function withIds (batch: readonly Interaction[], ids: ReadonlyArray<string | undefined>): Interaction[] {
  return batch.map((e, k) => ids[k] === undefined ? { ...e } : { ...e, eventId: ids[k] })
}

export async function readAll (log: EventLog): Promise<Interaction[]> {
  const out: Interaction[] = []
  for await (const event of log.readAll()) out.push(event)
  return out
}

/**
 * The EventLog contract, for the memory twin and every real implementation alike. `append` must
 * resolve an AppendResult here: `void` is tolerated in the interface only for wrappers.
 */
export function eventLogContract (name: string, make: MakeEventLog): void {
  describe(name, () => {
    const open = async (t: TestContext): Promise<ResultEventLog> => {
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

    it('resolves how many events each append added', async (t) => {
      const log = await open(t)
      assert.deepEqual(await log.append(events(3)), { added: 3 })
      assert.deepEqual(await log.append([]), { added: 0 })
    })

    it('logs an eventId once: a second copy in the same batch or a later one is not added', async (t) => {
      const log = await open(t)
      const [a, b, c, d, e] = withIds(events(5), ['x', 'x', undefined, 'y', 'z'])
      assert.deepEqual(await log.append([a, b, c]), { added: 2 })
      assert.deepEqual(await log.append([{ ...a, ts: a.ts + 100 }, d]), { added: 1 })
      assert.deepEqual(await log.append([d]), { added: 0 })
      // a log that had nothing to write still takes the next append
      assert.deepEqual(await log.append([e]), { added: 1 })
      assert.deepEqual(await readAll(log), [a, c, d, e])
    })

    it('always logs events without an eventId, identical copies included', async (t) => {
      const log = await open(t)
      const [e] = events(1)
      assert.deepEqual(await log.append([e, e]), { added: 2 })
      assert.deepEqual(await log.append([e]), { added: 1 })
      assert.deepEqual(await readAll(log), [e, e, e])
    })

    it('adds an eventId once when appends carrying it race', async (t) => {
      const log = await open(t)
      const batch = withIds(events(3), ['p', 'q', 'r'])
      const results = await Promise.all([log.append(batch), log.append(batch.slice(1)), log.append(batch)])
      assert.equal(results.reduce((sum, r) => sum + r.added, 0), 3)
      assert.deepEqual((await readAll(log)).map((e) => e.eventId).sort(), ['p', 'q', 'r'])
    })

    it('keeps eventIds with quotes, colons and non-ASCII characters intact', async (t) => {
      const log = await open(t)
      const batch = withIds(events(2), ['id:a "b"\n:c', 'ts:☕/🎬'])
      await log.append(batch)
      assert.deepEqual(await log.append(batch), { added: 0 })
      assert.deepEqual(await readAll(log), batch)
    })

    it('rejects an empty eventId with EVENT_INVALID, logging none of the batch', async (t) => {
      const log = await open(t)
      await assert.rejects(log.append([...events(1), { userId: 'u', itemId: 'i', ts: 1, eventId: '' }]), { code: 'EVENT_INVALID' })
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
