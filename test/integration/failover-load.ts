import { setImmediate as yieldToIo, setTimeout as sleep } from 'node:timers/promises'
import assert from 'node:assert/strict'
import type { Built } from '../helper.js'

/** What a load run saw; every count is of answers, nothing is timed. */
export interface LoadReport {
  recommend: { answered: number, failed: number, statuses: Record<number, number> }
  /** eventIds answered 202 (each retried until then), and how many answers were 503 on the way. */
  events: { accepted: Set<string>, refused: number, otherFailures: number, unaccepted: string[] }
  /** Readiness `status` values in the order seen (consecutive repeats dropped). */
  readiness: string[]
}

export interface Load {
  /** Stops the traffic, retries refused events until accepted or `drainMs` passed, and reports. */
  stop: (drainMs?: number) => Promise<LoadReport>
  /** Resolves once readiness has been `status` after at least one other status. */
  readinessBackTo: (status: string, timeoutMs: number) => Promise<void>
}

/**
 * In-process traffic through app.inject: `recommenders` loops on GET /recommend, `posters` loops
 * on POST /events (one event, a fresh eventId each; a 503 is retried later with the same id, as
 * the answer says is safe), one loop on /health/ready. A test of what clients see, not a benchmark.
 */
export function startLoad ({ app }: Built, { recommenders = 4, posters = 2, users = 50, tag = 'load' } = {}): Load {
  const report: LoadReport = {
    recommend: { answered: 0, failed: 0, statuses: {} },
    events: { accepted: new Set(), refused: 0, otherFailures: 0, unaccepted: [] },
    readiness: []
  }
  const running = { on: true }
  let next = 0
  const retry: Array<{ userId: string, itemId: string, eventId: string }> = []

  const post = async (event: { userId: string, itemId: string, eventId: string }): Promise<void> => {
    const res = await app.inject({ method: 'POST', url: '/events', payload: [event] })
    if (res.statusCode === 202) report.events.accepted.add(event.eventId)
    else {
      if (res.statusCode === 503) report.events.refused++
      else report.events.otherFailures++
      retry.push(event)
    }
  }
  const recommendLoop = async (): Promise<void> => {
    for (let n = 0; running.on; n++) {
      const res = await app.inject({ url: `/recommend?userId=${tag}-u${n % users}&k=5` })
      report.recommend.answered++
      report.recommend.statuses[res.statusCode] = (report.recommend.statuses[res.statusCode] ?? 0) + 1
      if (res.statusCode >= 500) report.recommend.failed++
      // an answer from memory takes no I/O: without a turn of the event loop, these loops would
      // starve Redis's replies and the breaker's timers, as no client over a network could
      await yieldToIo()
    }
  }
  const eventLoop = async (): Promise<void> => {
    while (running.on) {
      const k = next++
      await post(retry.shift() ?? { userId: `${tag}-u${k % users}`, itemId: `i${k % 20}`, eventId: `${tag}-e${k}` })
      // a refused write is not retried in a tight loop: Retry-After says a second, a test waits less
      if (retry.length > 0) await sleep(20)
      else await yieldToIo()
    }
  }
  const readinessLoop = async (): Promise<void> => {
    while (running.on) {
      const { status } = (await app.inject({ url: '/health/ready' })).json<{ status: string }>()
      if (report.readiness.at(-1) !== status) report.readiness.push(status)
      await sleep(50)
    }
  }
  const loops = [
    ...Array.from({ length: recommenders }, recommendLoop),
    ...Array.from({ length: posters }, eventLoop),
    readinessLoop()
  ]
  return {
    stop: async (drainMs = 10_000) => {
      if (!running.on) return report
      running.on = false
      await Promise.all(loops)
      const deadline = Date.now() + drainMs
      while (retry.length > 0 && Date.now() < deadline) {
        const event = retry.shift()
        if (event !== undefined) await post(event)
        if (retry.length > 0) await sleep(50)
      }
      report.events.unaccepted = retry.map(({ eventId }) => eventId)
      return report
    },
    readinessBackTo: async (status, timeoutMs) => {
      const deadline = Date.now() + timeoutMs
      while (!(report.readiness.length > 1 && report.readiness.at(-1) === status)) {
        if (Date.now() > deadline) throw new Error(`readiness not back to ${status} within ${timeoutMs} ms: ${report.readiness.join(' -> ')}`)
        await sleep(50)
      }
    }
  }
}

/** Polls `check` every 50 ms (a throw counts as not yet) until it holds; fails after timeoutMs. */
export async function until (what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) assert.fail(`${what} not within ${timeoutMs} ms`)
    await sleep(50)
  }
}
