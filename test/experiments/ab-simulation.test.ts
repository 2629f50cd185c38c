import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { simulateAb, type Visit } from '../../src/experiments/ab-simulation.js'
import { main } from '../../src/cli/simulate.js'

/** 2,000 visits; each user's next item is item 0 or 1, 30% vs 45% of the time shown by the lists below. */
function visits (): Visit[] {
  return Array.from({ length: 2000 }, (_, n) => ({ userId: `u${n}`, history: Int32Array.of(5), target: n % 20 }))
}

describe('the A/B simulation', () => {
  it('decides for the better candidate, counting a click only when the list held the true next item', async () => {
    // control shows items 0-5 (the targets of 30% of visits), the candidate 0-8 (45%)
    const result = await simulateAb({
      visits: visits(),
      itemId: (index) => `i${index}`,
      control: { version: 1, top: (_h, k) => Int32Array.from({ length: Math.min(k, 6) }, (_, i) => i) },
      candidate: { version: 2, top: (_h, k) => Int32Array.from({ length: Math.min(k, 9) }, (_, i) => i) },
      percent: 50,
      k: 10,
      salt: 's',
      checkEvery: 50,
      minImpressions: 100,
      catalogueSize: 20
    })
    assert.equal(result.impressions, 2000)
    assert.equal(result.arms[0].impressions + result.arms[1].impressions, 2000)
    assert.ok(Math.abs(result.arms[0].hitRate - 0.3) < 0.05, `control ${result.arms[0].hitRate}`)
    assert.ok(Math.abs(result.arms[1].hitRate - 0.45) < 0.05, `candidate ${result.arms[1].hitRate}`)
    assert.equal(result.clicks, result.arms[0].listsWithEvent + result.arms[1].listsWithEvent)
    assert.equal(result.winner, 'candidate')
    assert.ok(result.decidedAt !== null && result.decidedAt >= 200 && result.decidedAt <= 2000, `${result.decidedAt}`)
    assert.equal(result.arms[0].coverage, 6 / 20)
  })

  it('decides nothing between two equal versions', async () => {
    const same = { top: (_h: Int32Array, k: number) => Int32Array.from({ length: Math.min(k, 6) }, (_, i) => i) }
    const result = await simulateAb({
      visits: visits(),
      itemId: (index) => `i${index}`,
      control: { version: 1, ...same },
      candidate: { version: 2, ...same },
      percent: 50,
      k: 10,
      salt: 's',
      checkEvery: 500,
      minImpressions: 100,
      catalogueSize: 20
    })
    assert.equal(result.winner, null)
    assert.equal(result.final.significant, false)
  })
})

describe('npm run simulate', () => {
  it('runs the loop on the synthetic set and prints the test and the p99 with and without a shadow arm', async () => {
    const lines: string[] = []
    await main(['--data', 'synthetic', '--latency-users', '30', '--latency-repeats', '1', '--concurrency', '2', '--min-impressions', '50'], (line) => lines.push(line))
    const text = lines.join('\n')
    assert.match(text, /A\/B split: control v1 = popularity, candidate v2 = Markov chain/)
    assert.match(text, /final test: difference -?\d/)
    assert.match(text, /serving p99 .* ms without, .* ms with a shadow arm; ratio median \d+\.\d\dx/)
  })

  it('refuses bad arguments', async () => {
    await assert.rejects(main(['--data', 'synthetic', '--percent', '100']), { code: 'CLI_USAGE' })
    await assert.rejects(main(['--data', 'synthetic', '--rounds', '3']), { code: 'CLI_USAGE' })
    await assert.rejects(main([]), { code: 'CLI_USAGE' })
  })
})
