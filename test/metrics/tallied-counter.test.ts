import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Counter, Registry } from 'prom-client'
import { TalliedCounter } from '../../src/metrics/tallied-counter.js'

/** The exposition's lines, in order but for the series (which come in the order they were first counted). */
const lines = async (registry: Registry): Promise<string[]> => (await registry.metrics()).split('\n').sort()
const values = async (counter: Counter<string>): Promise<unknown[]> => (await counter.get()).values.sort((a, b) => String(a.labels.source).localeCompare(String(b.labels.source)))

describe('TalliedCounter', () => {
  it('reads as a plain Counter counted the same way would: tallies added to inc(labels), in the text and in get()', async () => {
    const tallied = new Registry()
    const plain = new Registry()
    const counter = new TalliedCounter({ name: 'x_total', help: 'x', labelNames: ['source'], registers: [tallied] })
    const reference = new Counter({ name: 'x_total', help: 'x', labelNames: ['source'], registers: [plain] })
    const student = counter.tally({ source: 'student' })
    counter.tally({ source: 'never' })
    for (let n = 0; n < 3; n++) {
      student.inc()
      reference.inc({ source: 'student' })
    }
    counter.inc({ source: 'popular' }, 2)
    reference.inc({ source: 'popular' }, 2)
    assert.deepEqual(await lines(tallied), await lines(plain))
    // a second read adds nothing twice; later tallies are added to what was read
    assert.deepEqual(await lines(tallied), await lines(plain))
    student.inc()
    reference.inc({ source: 'student' })
    assert.deepEqual(await values(counter), await values(reference))
  })
})
