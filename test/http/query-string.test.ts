import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isMalformedQuery, parseQueryString } from '../../src/http/query-string.js'

describe('parseQueryString', () => {
  it('decodes names and values, and gathers a repeated name into an array', () => {
    const query = parseQueryString('userId=u%201&k=10&a=1&a=2&a=x+y&flag')
    assert.deepEqual({ ...query }, { userId: 'u 1', k: '10', a: ['1', '2', 'x y'], flag: '' })
    assert.equal(isMalformedQuery(query), false)
  })

  it('inherits nothing: __proto__, constructor and toString are plain names', () => {
    const query = parseQueryString('__proto__=p&constructor=c')
    assert.deepEqual(Object.keys(query), ['__proto__', 'constructor'])
    assert.equal(query.constructor, 'c')
    assert.equal(Object.getOwnPropertyDescriptor(query, '__proto__')?.value, 'p')
    assert.equal((query as Record<string, unknown>).toString, undefined)
    assert.equal((parseQueryString('') as Record<string, unknown>).hasOwnProperty, undefined)
  })

  it('marks a query with an undecodable escape as malformed', () => {
    assert.equal(isMalformedQuery(parseQueryString('userId=%ED%A0%80')), true)
    assert.equal(isMalformedQuery(parseQueryString('userId=%E')), true)
  })
})
