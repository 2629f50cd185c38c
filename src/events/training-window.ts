import type { TrainingWindow } from '../config.js'
import type { Interaction } from '../data/dataset.js'

/**
 * The events of `log` (oldest first) inside `window`, oldest first: all of them, those stamped
 * within `window.ms` of `now`, or the latest `window.count` (a ring of that size, so memory is
 * bounded by the window, not the log).
 */
export async function eventsInWindow (log: AsyncIterable<Interaction>, window: TrainingWindow, now = Date.now()): Promise<Interaction[]> {
  if (window.kind === 'events') return await latest(log, window.count)
  const since = window.kind === 'duration' ? now - window.ms : -Infinity
  const kept: Interaction[] = []
  for await (const event of log) if (event.ts >= since) kept.push(event)
  return kept
}

async function latest (log: AsyncIterable<Interaction>, count: number): Promise<Interaction[]> {
  const ring: Interaction[] = []
  let next = 0
  for await (const event of log) {
    if (ring.length < count) ring.push(event)
    else ring[next] = event
    next = (next + 1) % count
  }
  return ring.length < count ? ring : [...ring.slice(next), ...ring.slice(0, next)]
}
