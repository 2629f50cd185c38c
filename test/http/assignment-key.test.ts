import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { assignmentKey } from '../../src/http/assignment-key.js'

describe('the assignment key of a POST /recommend', () => {
  it('is the userId when there is one, whatever else is sent', () => {
    assert.equal(assignmentKey({ userId: 'u1', history: ['i1'] }, { 'x-request-key': 'session-9' }), 'u1')
  })

  it('is the client\'s X-Request-Key for an anonymous history, kept apart from user ids', () => {
    assert.equal(assignmentKey({ history: ['i1'] }, { 'x-request-key': 'session-9' }), 'key:session-9')
    assert.equal(assignmentKey({ history: ['i1'] }, { 'x-request-key': 'k'.repeat(500) }), 'key:' + 'k'.repeat(128))
  })

  it('else follows the history\'s oldest item, so a growing anonymous session keeps its arm', () => {
    const early = assignmentKey({ history: ['i1', 'i2'] }, {})
    assert.match(early ?? '', /^history:/)
    assert.equal(assignmentKey({ history: ['i1', 'i2', 'i9'] }, {}), early)
    assert.notEqual(assignmentKey({ history: ['i2'] }, {}), early)
    assert.equal(assignmentKey({ history: [] }, {}), undefined)
  })
})
