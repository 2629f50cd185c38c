import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeAnnouncement, encodeAnnouncement } from '../../src/stores/channel-message.js'

/** How a replica read the channel before experiments were announced on it (redis-version-channel.ts then). */
function olderReader (payload: string): number | undefined {
  const version = Number(payload)
  return Number.isSafeInteger(version) && version > 0 ? version : undefined
}

describe('the version channel\'s payloads', () => {
  it('writes an activation as the bare version number, as every older replica wrote and reads it', () => {
    assert.equal(encodeAnnouncement({ kind: 'version', version: 12 }), '12')
    assert.equal(olderReader(encodeAnnouncement({ kind: 'version', version: 12 })), 12)
    assert.deepEqual(decodeAnnouncement('12'), { kind: 'version', version: 12 })
  })

  it('writes an experiment change as JSON, which an older replica reads as no version and ignores', () => {
    const payload = encodeAnnouncement({ kind: 'experiment', id: 7 })
    assert.equal(payload, '{"kind":"experiment","id":7}')
    assert.equal(olderReader(payload), undefined)
    assert.deepEqual(decodeAnnouncement(payload), { kind: 'experiment', id: 7 })
  })

  it('ignores what it does not know: other kinds, bad ids, versions that are not positive integers, garbage', () => {
    for (const payload of ['', '0', '-3', '1.5', '1e3', ' 12', '99999999999999999999', 'v12', '{', '{"kind":"experiment"}', '{"kind":"experiment","id":0}',
      '{"kind":"experiment","id":"7"}', '{"kind":"experiment","id":2.5}', '{"kind":"rollout","id":7}', 'null', '[7]', '{"kind":"version","version":3}']) {
      assert.equal(decodeAnnouncement(payload), undefined, payload)
    }
  })

  it('refuses to write an id or a version that is not a positive integer', () => {
    assert.throws(() => encodeAnnouncement({ kind: 'version', version: 0 }), RangeError)
    assert.throws(() => encodeAnnouncement({ kind: 'experiment', id: 1.5 }), RangeError)
  })
})
