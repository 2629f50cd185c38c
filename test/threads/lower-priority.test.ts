import assert from 'node:assert/strict'
import { getPriority } from 'node:os'
import { it } from 'node:test'
import { lowerPriority } from '../../src/threads/lower-priority.js'

// this file's test process lowers its own priority: nice values only go up for an unprivileged process
it('puts the calling thread the given nice values below where it was, at most 19', { skip: process.platform !== 'linux' }, () => {
  const before = getPriority()
  lowerPriority(1)
  assert.equal(getPriority(), Math.min(19, before + 1))
  lowerPriority(100)
  assert.equal(getPriority(), 19)
})
