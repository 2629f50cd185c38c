import { post, rawJson, type Case } from './case.js'

/** Every id a catalogue event uses: after each case, none of them may have a history. */
export const EVENT_USERS = ['u', 'victim', '123']

const ev = (fields: Record<string, unknown>): Record<string, unknown> => ({ userId: 'victim', itemId: 'i1', ...fields })
const bad = (name: string, payload: unknown, field?: string, code = 'INVALID_REQUEST'): Case =>
  ({ name, request: post('/events', payload), status: 400, code, field })
const badText = (name: string, text: string, code: string, field?: string): Case =>
  ({ name, request: rawJson('POST', '/events', text), status: 400, code, field })
const DAY = 86_400_000

/** POST /events: nothing a rejected request carried may reach the event log or the history. */
export const eventCases: Case[] = [
  ...['1e400', 'Infinity', '-1e400', '-Infinity', 'NaN', '123', '1732870000000', 'now', ''].map(ts =>
    bad(`ts ${JSON.stringify(ts)}`, ev({ ts }), 'events.0.ts')),
  ...[true, [], {}, -1, 0, 5, 1_732_870_000, Date.UTC(1999, 11, 31), 1_732_870_000_000.5, Number.MAX_VALUE].map(ts =>
    bad(`ts ${JSON.stringify(ts)}`, ev({ ts }), 'events.0.ts')),
  bad('ts two days ahead', ev({ ts: Date.now() + 2 * DAY }), 'events.0.ts'),
  badText('ts 1e400 as a JSON number', '{"userId":"victim","itemId":"i1","ts":1e400}', 'INVALID_REQUEST', 'events.0.ts'),
  ...[123, null, true, '', 'u'.repeat(129), 'victim\ud800', '\udc00'].map(userId =>
    bad(`userId ${JSON.stringify(userId).slice(0, 24)}`, ev({ userId }), 'events.0.userId')),
  ...[7, null, '', 'i'.repeat(129), '\ud83d', ['i1']].map(itemId =>
    bad(`itemId ${JSON.stringify(itemId).slice(0, 24)}`, ev({ itemId }), 'events.0.itemId')),
  bad('an event without itemId', { userId: 'victim' }, 'events.0.itemId'),
  bad('an event without userId', { itemId: 'i1' }, 'events.0.userId'),
  bad('an unknown event key', ev({ rating: 5 }), 'events.0.rating'),
  bad('an empty batch', [], 'events'),
  bad('an empty { events }', { events: [] }, 'events'),
  bad('a batch of 1001 events', Array.from({ length: 1001 }, () => ev({})), 'events'),
  bad('events as a string', { events: 'victim,i1' }, 'events'),
  bad('events nested twice', { events: { events: [ev({})] } }, 'events'),
  bad('{ events } with an extra key', { events: [ev({})], source: 'x' }, 'source'),
  bad('a batch whose last event is bad', [ev({}), ev({}), ev({ userId: '' })], 'events.2.userId'),
  bad('a batch whose first event is bad', [ev({ ts: '1e400' }), ev({})], 'events.0.ts'),
  bad('a string in the batch', ['victim,i1'], 'events.0'),
  bad('null in the batch', [null], 'events.0'),
  bad('a number body', 42, undefined),
  bad('a string body', 'victim,i1', undefined),
  bad('a constructor.prototype key', ev({ constructor: { prototype: { polluted: true } } }), undefined, 'INVALID_JSON'),
  badText('a __proto__ key', '{"userId":"victim","itemId":"i1","__proto__":{"polluted":true}}', 'INVALID_JSON'),
  badText('a __proto__ key in a batch', '[{"userId":"victim","itemId":"i1"},{"__proto__":{"userId":"x"}}]', 'INVALID_JSON'),
  badText('a duplicated ts whose last value is a string', '{"userId":"victim","itemId":"i1","ts":1732870000000,"ts":"x"}', 'INVALID_REQUEST', 'events.0.ts'),
  badText('a duplicated userId whose last value is empty', '{"userId":"victim","userId":"","itemId":"i1"}', 'INVALID_REQUEST', 'events.0.userId'),
  badText('truncated JSON', '[{"userId":"victim","itemId":"i1"}', 'INVALID_JSON'),
  badText('an empty body', '', 'INVALID_JSON')
]

const entry = (name: string, request: unknown, field: string): Case =>
  ({ name: `a batch entry with ${name}`, request: post('/recommend/batch', { requests: [request] }), status: 200, entry: { code: 'INVALID_REQUEST', field } })

const badBatch = (name: string, payload: unknown, field?: string, code = 'INVALID_REQUEST'): Case =>
  ({ name, request: post('/recommend/batch', payload), status: 400, code, field })

/** POST /recommend/batch: the envelope is refused whole; a bad entry gets its own error. */
export const batchCases: Case[] = [
  badBatch('no requests', {}, 'requests'),
  badBatch('an empty requests list', { requests: [] }, 'requests'),
  badBatch('101 requests', { requests: Array.from({ length: 101 }, () => ({ userId: 'u' })) }, 'requests'),
  badBatch('requests as an object', { requests: { userId: 'u' } }, 'requests'),
  badBatch('an extra envelope key', { requests: [{ userId: 'u' }], all: true }, 'all'),
  { name: 'a __proto__ entry', request: rawJson('POST', '/recommend/batch', '{"requests":[{"__proto__":{"k":1}}]}'), status: 400, code: 'INVALID_JSON' },
  entry('k "1e400"', { userId: 'u', k: '1e400' }, 'requests.0.k'),
  entry('k "5"', { userId: 'u', k: '5' }, 'requests.0.k'),
  entry('k true', { userId: 'u', k: true }, 'requests.0.k'),
  entry('a numeric userId', { userId: 123 }, 'requests.0.userId'),
  entry('a lone surrogate userId', { userId: '\ud800' }, 'requests.0.userId'),
  entry('a lone surrogate in the history', { history: ['\udfff'] }, 'requests.0.history.0'),
  entry('a string history', { history: 'i3' }, 'requests.0.history'),
  entry('null', null, 'requests.0'),
  entry('neither userId nor history', { k: 3 }, 'requests.0.userId')
]
