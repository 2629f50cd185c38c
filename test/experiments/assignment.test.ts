import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { bucket, inCandidate } from '../../src/experiments/assignment.js'

const USERS = Array.from({ length: 10_000 }, (_, u) => `user-${u}`)

describe('assignment', () => {
  for (const percent of [1, 10, 50, 90]) {
    it(`puts within 1.5 points of ${percent}% of 10,000 users on the candidate`, () => {
      const share = USERS.filter((u) => inCandidate('salt-a', u, percent)).length / USERS.length * 100
      assert.ok(Math.abs(share - percent) <= 1.5, `${share}%`)
    })
  }

  it('is sticky: the same user and salt always fall in the same place', () => {
    for (const u of USERS.slice(0, 500)) assert.equal(bucket('salt-a', u), bucket('salt-a', u))
  })

  it('grows the candidate\'s set with the percent: a user on it at 10% stays on it at 20%', () => {
    const at10 = USERS.filter((u) => inCandidate('s', u, 10))
    assert.ok(at10.every((u) => inCandidate('s', u, 20)))
  })

  it('shuffles independently under another salt', () => {
    const a = new Set(USERS.filter((u) => inCandidate('salt-a', u, 50)))
    const both = USERS.filter((u) => a.has(u) && inCandidate('salt-b', u, 50)).length
    // independent halves overlap on about a quarter of the users
    assert.ok(Math.abs(both / USERS.length - 0.25) < 0.02, `${both}`)
  })

  it('keeps the salt and the key apart: ("ab", "c") is not ("a", "bc")', () => {
    assert.notEqual(bucket('ab', 'c'), bucket('a', 'bc'))
  })
})
