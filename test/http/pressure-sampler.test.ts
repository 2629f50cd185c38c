import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { DELAY_RESOLUTION_MS, PressureSampler, sampleDelayMs } from '../../src/http/pressure-sampler.js'
import { pastLimit, type PressureLimits } from '../../src/http/load-shedding.js'

const ms = (n: number): number => n * 1e6

describe('the event-loop delay of one sample', () => {
  it('is the histogram mean less its resolution when the sample fired on time', () => {
    assert.equal(sampleDelayMs({ meanNs: ms(DELAY_RESOLUTION_MS + 30), count: 25, latenessMs: 0 }), 30)
    assert.equal(sampleDelayMs({ meanNs: ms(DELAY_RESOLUTION_MS - 2), count: 25, latenessMs: 0 }), 0)
  })

  it('reads a sample without any histogram measurement as no delay, not as overload', () => {
    // what @fastify/under-pressure turned into an infinite delay (NaN mean)
    assert.equal(sampleDelayMs({ meanNs: Number.NaN, count: 0, latenessMs: 0 }), 0)
    assert.equal(sampleDelayMs({ meanNs: Number.NaN, count: 0, latenessMs: 240 }), 240)
  })

  it('is how late the sample itself fired when that is more than the mean: a block the histogram has not recorded yet', () => {
    assert.equal(sampleDelayMs({ meanNs: ms(DELAY_RESOLUTION_MS + 1), count: 24, latenessMs: 600 }), 600)
  })
})

describe('the limit a reading is past', () => {
  const limits: PressureLimits = { maxEventLoopDelayMs: 500, maxEventLoopUtilization: 0, maxHeapUsedBytes: 1000, sampleIntervalMs: 250, retryAfterSeconds: 2 }
  const calm = { eventLoopDelayMs: 0, eventLoopUtilization: 1, heapUsedBytes: 10 }

  it('is none for a calm reading, and none for a limit at 0 (off)', () => {
    assert.equal(pastLimit(calm, limits), undefined)
    assert.equal(pastLimit({ ...calm, eventLoopDelayMs: 10_000 }, { ...limits, maxEventLoopDelayMs: 0 }), undefined)
  })

  it('names the limit a reading is past', () => {
    assert.equal(pastLimit({ ...calm, eventLoopDelayMs: 501 }, limits), 'eventLoopDelay')
    assert.equal(pastLimit({ ...calm, heapUsedBytes: 1001 }, limits), 'heapUsedBytes')
    assert.equal(pastLimit(calm, { ...limits, maxEventLoopUtilization: 0.9 }), 'eventLoopUtilization')
  })
})

describe('PressureSampler', () => {
  it('measures a loop blocked past a sample as that long a delay, and nothing once it runs freely', async () => {
    const sampler = new PressureSampler(50)
    sampler.start()
    try {
      await sleep(120)
      assert.ok(sampler.last.eventLoopDelayMs < 150, `free loop: ${sampler.last.eventLoopDelayMs} ms`)
      const until = performance.now() + 300
      while (performance.now() < until);
      await sleep(5)
      assert.ok(sampler.last.eventLoopDelayMs >= 200, `after a 300 ms block: ${sampler.last.eventLoopDelayMs} ms`)
      await sleep(200)
      assert.ok(sampler.last.eventLoopDelayMs < 150, `free again: ${sampler.last.eventLoopDelayMs} ms`)
      assert.ok(sampler.last.heapUsedBytes > 0)
    } finally {
      sampler.stop()
    }
  })

  it('starts and stops idempotently, leaving no timer behind', () => {
    const sampler = new PressureSampler(10)
    sampler.start()
    sampler.start()
    sampler.stop()
    sampler.stop()
  })
})
