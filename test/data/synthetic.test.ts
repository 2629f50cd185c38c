import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateSynthetic } from '../../src/data/synthetic.js'
import { buildDataset } from '../../src/data/build-dataset.js'

describe('generateSynthetic', () => {
  const interactions = generateSynthetic({ seed: 11 })
  const dataset = buildDataset(interactions)

  it('is deterministic from the seed', () => {
    assert.deepEqual(generateSynthetic({ seed: 11, users: 30 }), generateSynthetic({ seed: 11, users: 30 }))
    assert.notDeepEqual(generateSynthetic({ seed: 12, users: 30 }), generateSynthetic({ seed: 11, users: 30 }))
  })

  it('has the requested users, items within the catalogue and about meanLength events per user', () => {
    assert.equal(dataset.users.size, 500)
    assert.ok(dataset.items.size <= 300 && dataset.items.size > 250, `items ${dataset.items.size}`)
    const mean = interactions.length / 500
    assert.ok(mean > 30 && mean < 50, `mean length ${mean}`)
    assert.ok(dataset.sequences.every((s) => s.length >= 5))
  })

  it('uses ids like u3 and i17 and increasing ts within each user', () => {
    assert.ok(interactions.every((i) => /^u\d+$/.test(i.userId) && /^i\d+$/.test(i.itemId)))
    for (let i = 1; i < interactions.length; i++) {
      if (interactions[i].userId === interactions[i - 1].userId) assert.ok(interactions[i].ts > interactions[i - 1].ts)
    }
  })

  it('never repeats an item within a user', () => {
    assert.ok(dataset.sequences.every((s) => new Set(s).size === s.length))
  })

  it('has a long tail: the top 20% of items take twice their uniform share of events', () => {
    const counts = new Array<number>(dataset.items.size).fill(0)
    for (const s of dataset.sequences) for (const item of s) counts[item]++
    counts.sort((a, b) => b - a)
    const head = counts.slice(0, Math.ceil(counts.length * 0.2)).reduce((a, b) => a + b, 0)
    assert.ok(head / interactions.length > 0.4, `head share ${head / interactions.length}`)
  })

  it('makes the previous item predictive: the most frequent successor beats the most popular item', () => {
    const counts = new Map<number, number>()
    const successors = new Map<number, Map<number, number>>()
    for (const s of dataset.sequences) {
      for (let t = 0; t < s.length; t++) {
        counts.set(s[t], (counts.get(s[t]) ?? 0) + 1)
        if (t === 0) continue
        const next = successors.get(s[t - 1]) ?? new Map<number, number>()
        next.set(s[t], (next.get(s[t]) ?? 0) + 1)
        successors.set(s[t - 1], next)
      }
    }
    const top = (m: Map<number, number>): number => [...m].reduce((a, b) => (b[1] > a[1] ? b : a))[0]
    const mostPopular = top(counts)
    let markovHits = 0
    let popularHits = 0
    for (const s of dataset.sequences) {
      for (let t = 1; t < s.length; t++) {
        if (s[t] === top(successors.get(s[t - 1])!)) markovHits++
        if (s[t] === mostPopular) popularHits++
      }
    }
    assert.ok(markovHits > 3 * popularHits, `markov ${markovHits} vs popular ${popularHits}`)
  })

  it('honours smaller sizes', () => {
    const small = buildDataset(generateSynthetic({ users: 5, items: 10, meanLength: 4, minLength: 3 }))
    assert.equal(small.users.size, 5)
    assert.ok(small.items.size <= 10)
    assert.ok(small.sequences.every((s) => s.length >= 3 && s.length <= 10))
  })
})
