import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { register } from 'prom-client'
import { createMetrics } from '../../src/metrics/metrics.js'

describe('createMetrics', () => {
  it('registers the service\'s instruments on a registry of its own, so two processes\' worth never clash', async () => {
    const first = createMetrics()
    const second = createMetrics()
    assert.notEqual(first.registry, second.registry)
    assert.notEqual(first.registry, register)
    first.eventsIngested.inc(3)
    const text = await first.registry.metrics()
    assert.match(text, /^distillrec_events_ingested_total 3$/m)
    assert.match(await second.registry.metrics(), /^distillrec_events_ingested_total 0$/m)
    for (const name of ['distillrec_http_request_duration_seconds', 'distillrec_redistill_phase', 'distillrec_redis_up']) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name)
    }
  })
})
