import { post, rawJson, type Case } from './case.js'

const bad = (name: string, payload: unknown, field?: string, code = 'INVALID_REQUEST'): Case =>
  ({ name, request: post('/recommend', payload), status: 400, code, field })
const badText = (name: string, text: string, code: string, field?: string): Case =>
  ({ name, request: rawJson('POST', '/recommend', text), status: 400, code, field })
const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `i${i}`)

/** POST /recommend: bodies carry JSON types and nothing is coerced. */
export const recommendBodyCases: Case[] = [
  ...[123, true, null, [], {}, '', 'u'.repeat(129), 'u\ud800', '\udc00u', '\udc00\ud800'].map(userId =>
    bad(`userId ${JSON.stringify(userId).slice(0, 24)}`, { userId }, 'userId')),
  ...[['a string history', 'i3'], ['a number in the history', [1]], ['null in the history', [null]], ['an object in the history', [{}]], ['a nested list', [['i1']]]]
    .map(([name, history]) => bad(name as string, { history }, Array.isArray(history) ? 'history.0' : 'history')),
  bad('an empty id in the history', { history: [''] }, 'history.0'),
  bad('a lone surrogate in the history', { history: ['i1', '\ud800'] }, 'history.1'),
  bad('a history over MAX_HISTORY', { history: ids(201) }, 'history'),
  bad('a history of 10,000 items', { history: ids(10_000) }, 'history'),
  bad('a history item of 129 characters', { history: ['i'.repeat(129)] }, 'history.0'),
  bad('a string exclude', { userId: 'u1', exclude: 'i9' }, 'exclude'),
  bad('a number in exclude', { userId: 'u1', exclude: [9] }, 'exclude.0'),
  bad('an exclude over MAX_EXCLUDE', { userId: 'u1', exclude: ids(501) }, 'exclude'),
  bad('a lone surrogate in exclude', { userId: 'u1', exclude: ['\udfff'] }, 'exclude.0'),
  ...['5', '1e400', 'Infinity', 'NaN', true, 1.5, 0, 101, -1, null, [5], {}, 1e300].map(k =>
    bad(`k ${JSON.stringify(k)}`, { userId: 'u1', k }, 'k')),
  badText('k 1e400 as a JSON number (Infinity)', '{"userId":"u1","k":1e400}', 'INVALID_REQUEST', 'k'),
  badText('k -1e400 as a JSON number', '{"userId":"u1","k":-1e400}', 'INVALID_REQUEST', 'k'),
  ...['true', 1, null].map(excludeSeen => bad(`excludeSeen ${JSON.stringify(excludeSeen)}`, { userId: 'u1', excludeSeen }, 'excludeSeen')),
  bad('a string filter', { userId: 'u1', filter: 'Drama' }, 'filter'),
  bad('filter.genres as a string', { userId: 'u1', filter: { genres: 'Drama' } }, 'filter.genres'),
  bad('an empty filter.genres', { userId: 'u1', filter: { genres: [] } }, 'filter.genres'),
  bad('a blank genre in filter.genres', { userId: 'u1', filter: { genres: [' '] } }, 'filter.genres'),
  bad('a blank genre beside a real one', { userId: 'u1', filter: { genres: ['Drama', '\t'] } }, 'filter.genres'),
  bad('a number in filter.genres', { userId: 'u1', filter: { genres: [1] } }, 'filter.genres.0'),
  bad('33 genres', { userId: 'u1', filter: { genres: Array.from({ length: 33 }, (_, i) => `g${i}`) } }, 'filter.genres'),
  bad('a genre of 65 characters', { userId: 'u1', filter: { genres: ['g'.repeat(65)] } }, 'filter.genres.0'),
  bad('a lone surrogate genre', { userId: 'u1', filter: { genres: ['\ud800'] } }, 'filter.genres.0'),
  bad('an unknown filter key', { userId: 'u1', filter: { genres: ['Drama'], year: 1999 } }, 'filter.year'),
  bad('a genre nobody knows', { userId: 'u1', filter: { genres: ['Drama'] } }, 'filter.genres'),
  bad('include as a string', { userId: 'u1', include: 'title' }, 'include'),
  bad('include repeated', { userId: 'u1', include: ['title', 'title'] }, 'include'),
  bad('include of an unknown field', { userId: 'u1', include: ['price'] }, 'include.0'),
  bad('an unknown key', { userId: 'u1', count: 3 }, 'count'),
  bad('a constructor key', { userId: 'u1', constructor: { prototype: { polluted: true } } }, undefined, 'INVALID_JSON'),
  bad('a prototype key', { userId: 'u1', prototype: 1 }, 'prototype'),
  badText('a __proto__ key', '{"userId":"u1","__proto__":{"polluted":true}}', 'INVALID_JSON'),
  badText('a nested __proto__ key', '{"userId":"u1","filter":{"__proto__":{"genres":["x"]}}}', 'INVALID_JSON'),
  bad('neither userId nor history', {}, 'userId'),
  bad('only k', { k: 3 }, 'userId'),
  ...[['an array body', []], ['a string body', 'u1'], ['a number body', 42], ['a null body', null], ['a boolean body', true]]
    .map(([name, payload]) => bad(name as string, payload, undefined)),
  badText('a duplicated userId whose last value is a number', '{"userId":"u1","userId":123}', 'INVALID_REQUEST', 'userId'),
  badText('a duplicated k whose last value is a string', '{"userId":"u1","k":3,"k":"x"}', 'INVALID_REQUEST', 'k'),
  badText('history nested 5,000 levels deep', `{"history":${'['.repeat(5000)}${']'.repeat(5000)}}`, 'INVALID_REQUEST', 'history.0'),
  ...['{', '{"userId":', "{'userId':'u1'}", 'NaN', '{"k": NaN}', '{"k": Infinity}', '{"userId":"u1",}', '{"userId":"u1"} // c', 'undefined', '\u0000']
    .map(text => badText(`malformed JSON ${JSON.stringify(text)}`, text, 'INVALID_JSON')),
  { name: 'an empty JSON body', request: rawJson('POST', '/recommend', ''), status: 400, code: 'INVALID_JSON' }
]
