import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { redisKeys } from '../../src/stores/redis-keys.js'

/** Redis Cluster's rule: the slot comes from the part between the first { and the next }, when not empty. */
function hashed (key: string): string {
  const open = key.indexOf('{')
  const close = open < 0 ? -1 : key.indexOf('}', open + 1)
  return close > open + 1 ? key.slice(open + 1, close) : key
}

describe('redisKeys', () => {
  it('keeps the names of one server as they were before clusters, so existing data is read as it is', () => {
    const keys = redisKeys('p:', false)
    assert.deepEqual([
      keys.history('17'), keys.historyApplied('17', 'e1'), keys.events, keys.eventSeen('e1'), keys.modelVersions('student'),
      keys.modelLegacy('student', 4), keys.activeVersion, keys.fence, keys.nextToken, keys.activatedChannel,
      keys.job('j1'), keys.jobCancel('j1'), keys.jobIndex, keys.jobQueue, keys.runLock, keys.itemCounts
    ], [
      'p:hist:u:17', 'p:hist:seen:e1', 'p:events', 'p:events:seen:e1', 'p:model:student:versions',
      'p:model:student:v4', 'p:model:student:active', 'p:model:student:fence', 'p:model:student:next', 'p:model:student:activated',
      'p:job:j1', 'p:job:j1:cancel', 'p:jobs', 'p:jobs:queue', 'p:worker:lock', 'p:items:counts'
    ])
  })

  it('gives the keys one script or MULTI touches together one hash tag on a cluster', () => {
    const keys = redisKeys('p:', true)
    const together = [
      [keys.history('17'), keys.historyApplied('17', 'e1'), keys.historyApplied('17', 'e2')],
      [keys.events, keys.eventSeen('e1'), keys.eventSeen('e2')],
      [keys.modelVersions('student'), keys.modelManifest('student', 4), keys.activeVersion, keys.fence, keys.nextToken, keys.activatedChannel],
      [keys.modelVersions('teacher'), keys.modelManifest('teacher', 9)],
      [keys.job('j1'), keys.jobCancel('j1'), keys.job('j2'), keys.jobIndex, keys.jobQueue]
    ]
    for (const group of together) assert.equal(new Set(group.map(hashed)).size, 1, group.join(' '))
  })

  it('spreads bulk data on a cluster: histories of different users, chunks of a model', () => {
    const keys = redisKeys('p:', true)
    assert.notEqual(hashed(keys.history('17')), hashed(keys.history('18')))
    const chunks = [0, 1, 2].map((k) => keys.modelChunk('student', 4, 'up', 'weights.bin', k))
    assert.equal(new Set(chunks.map(hashed)).size, 3)
    assert.notEqual(hashed(chunks[0]), hashed(keys.modelManifest('student', 4)))
  })
})
