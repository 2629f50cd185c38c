import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Interaction } from '../../src/data/dataset.js'
import { eventsInWindow } from '../../src/events/training-window.js'
import { MemoryEventLog } from '../../src/stores/memory-event-log.js'

const DAY = 86_400_000
const NOW = 100 * DAY

async function logOf (events: Interaction[]): Promise<MemoryEventLog> {
  const log = new MemoryEventLog()
  await log.append(events)
  return log
}

const events: Interaction[] = Array.from({ length: 10 }, (_, i) => ({ userId: `u${i % 3}`, itemId: `i${i}`, ts: NOW - (10 - i) * DAY }))

describe('the training window', () => {
  it('keeps the whole log, oldest first, by default', async () => {
    assert.deepEqual(await eventsInWindow((await logOf(events)).readAll(), { kind: 'all' }, NOW), events)
  })

  it('keeps the events stamped within the duration before the run, oldest first', async () => {
    const kept = await eventsInWindow((await logOf(events)).readAll(), { kind: 'duration', ms: 3 * DAY }, NOW)
    assert.deepEqual(kept.map((e) => e.itemId), ['i7', 'i8', 'i9'])
  })

  it('keeps the latest N events, oldest first, also when the log is shorter', async () => {
    for (const count of [1, 4, 9, 10, 25]) {
      const kept = await eventsInWindow((await logOf(events)).readAll(), { kind: 'events', count }, NOW)
      assert.deepEqual(kept, events.slice(Math.max(0, events.length - count)), `count ${count}`)
    }
  })
})
