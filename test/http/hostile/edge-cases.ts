import type { Case } from './case.js'

const EVENT = '{"userId":"victim","itemId":"i1"}'
const send = (url: string, headers: Record<string, string>, payload = EVENT): Case['request'] =>
  ({ method: 'POST', url, headers, payload })
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Content-Type and Content-Encoding: bodies are UTF-8 JSON, uncompressed. */
export const mediaCases: Case[] = [
  ...['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'text/html',
    'application/jsonp', 'application/json-patch+json', 'application/vnd.api+json', 'application/octet-stream', 'image/png', 'json']
    .flatMap(type => ['/events', '/recommend'].map(url => ({
      name: `Content-Type ${type} on ${url}`, request: send(url, { 'content-type': type }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE'
    }))),
  ...['latin1', 'iso-8859-1', 'utf-16', '"utf-16le"', 'us-ascii', 'utf-7', 'windows-1252', 'x']
    .map(charset => ({ name: `charset=${charset}`, request: send('/events', { 'content-type': `application/json; charset=${charset}` }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' })),
  ...['gzip', 'br', 'deflate', 'compress', 'zstd', 'gzip, identity', 'identity, gzip', 'x-unknown']
    .flatMap(encoding => ['/events', '/recommend/batch'].map(url => ({
      name: `Content-Encoding ${encoding} on ${url}`,
      request: send(url, { 'content-type': 'application/json', 'content-encoding': encoding }),
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE'
    }))),
  { name: 'a body without Content-Type', request: { method: 'POST', url: '/events', payload: EVENT, headers: { 'content-type': '' } }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' }
]

/** X-Request-Id: kept only when short and of a safe charset; Accept never changes the error shape. */
export const headerCases: Case[] = [
  ...[
    ['15 KB', 'x'.repeat(15_000)], ['129 characters', 'r'.repeat(129)], ['a space', 'a b'], ['markup', '<script>alert(1)</script>'],
    ['a path', '../../etc/passwd'], ['JSON', '{"level":60}'], ['non-ASCII', 'reqé'], ['a comma list', 'a,b'], ['quotes', '"id"'], ['an empty value', '']
  ].map(([name, id]) => ({
    name: `X-Request-Id with ${name}`,
    request: { method: 'GET' as const, url: '/health/live', headers: { 'x-request-id': id } },
    status: 200,
    headers: { 'x-request-id': UUID }
  })),
  {
    name: 'a replaced X-Request-Id on an error answer',
    request: { method: 'GET', url: '/recommend', headers: { 'x-request-id': 'z'.repeat(200) } },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'userId',
    headers: { 'x-request-id': UUID }
  },
  {
    name: 'a safe X-Request-Id is echoed',
    request: { method: 'GET', url: '/health/live', headers: { 'x-request-id': 'lb-1:req.42_a-b' } },
    status: 200,
    headers: { 'x-request-id': 'lb-1:req.42_a-b' }
  },
  ...['text/html', 'application/xml', 'text/plain', 'image/*', '*/*;q=0', 'application/json;q=0'].map(accept => ({
    name: `Accept: ${accept} still gets a JSON error`,
    request: { method: 'GET' as const, url: '/recommend?k=3', headers: { accept } },
    status: 400,
    code: 'INVALID_REQUEST',
    field: 'userId'
  }))
]

const ROUTES: Record<string, string> = {
  '/recommend': 'GET, HEAD, POST',
  '/recommend/batch': 'POST',
  '/events': 'POST',
  '/health/live': 'GET, HEAD',
  '/health/ready': 'GET, HEAD',
  '/metrics': 'GET, HEAD'
}

/** A known path with a method it does not have: 405 with Allow, before any body is read. */
export const methodCases: Case[] = [
  ...Object.entries(ROUTES).flatMap(([url, allow]) => ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'GET', 'POST']
    .filter(method => !allow.split(', ').includes(method))
    .map(method => ({
      name: `${method} ${url}`,
      request: { method: method as 'GET', url, headers: { 'content-type': 'application/json' }, payload: method === 'GET' ? undefined : '{}' },
      status: 405,
      code: 'METHOD_NOT_ALLOWED',
      headers: { allow }
    }))),
  { name: 'HEAD /events', request: { method: 'HEAD', url: '/events' }, status: 405, headers: { allow: 'POST' } },
  {
    name: 'PUT /events with a gzip body (405 before 415)',
    request: { method: 'PUT', url: '/events', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: 'x' },
    status: 405,
    code: 'METHOD_NOT_ALLOWED'
  }
]

/** Paths nobody registered. */
export const routeCases: Case[] = [
  ...['/', '/nope', '/recommend/', '/RECOMMEND', '/recommend/batch/1', '/events/1', '/health', '/health/live/x', '/metrics.json',
    '/..%2f..%2fetc%2fpasswd', '/recommend%00', `/${'a'.repeat(4000)}`, '/admin/nope']
    .map(url => ({ name: `GET ${url.slice(0, 40)}`, request: { method: 'GET' as const, url }, status: 404, code: 'NOT_FOUND' })),
  // the admin routes exist (the suite sets ADMIN_TOKEN): a wrong method is told so before any token is asked for
  { name: 'GET /admin/redistill', request: { method: 'GET', url: '/admin/redistill' }, status: 405, code: 'METHOD_NOT_ALLOWED' },
  { name: 'DELETE on an unknown path', request: { method: 'DELETE', url: '/users/1' }, status: 404, code: 'NOT_FOUND' },
  { name: 'an undecodable path', request: { method: 'GET', url: '/%zz' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'a path escaping a stray byte', request: { method: 'GET', url: '/recommend%FF' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'an undecodable query on /health/live', request: { method: 'GET', url: '/health/live?x=%ED%A0%80' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'an undecodable query on /metrics', request: { method: 'GET', url: '/metrics?name=%' }, status: 400, code: 'BAD_REQUEST' }
]

const LONG_ID = 'a'.repeat(101)
const JOB = '00000000-0000-4000-8000-000000000000'

/** The admin routes, before any token is asked for: the router's and the method checks come first. */
export const adminCases: Case[] = [
  ...[
    ['GET', `/admin/jobs/${LONG_ID}`], ['DELETE', `/admin/jobs/${LONG_ID}`], ['POST', `/admin/models/${'1'.repeat(101)}/activate`],
    ['GET', `/admin/experiments/${'1'.repeat(101)}`], ['POST', `/admin/experiments/${'1'.repeat(101)}/promote`]
  ].map(([method, url]) => ({
    name: `${method} with a path parameter over 100 characters`, request: { method: method as 'GET', url }, status: 414, code: 'URI_TOO_LONG'
  })),
  ...([
    ['GET', '/admin/models/2/activate', 'POST'], ['PUT', `/admin/jobs/${JOB}`, 'GET, HEAD, DELETE'], ['POST', `/admin/jobs/${JOB}`, 'GET, HEAD, DELETE'],
    ['DELETE', '/admin/models/2/activate', 'POST'], ['PATCH', '/docs/static/swagger-ui.css', /^(GET, HEAD|HEAD, GET)$/],
    ['GET', '/admin/experiments/1/stop', 'POST'], ['DELETE', '/admin/experiments/1', /^(GET, HEAD|HEAD, GET)$/]
  ] as const).map(([method, url, allow]) => ({
    name: `${method} on the pattern of ${url}`, request: { method, url }, status: 405, code: 'METHOD_NOT_ALLOWED', headers: { allow }
  })),
  {
    name: 'a truncated JSON body without a token (401: never parsed)',
    request: { method: 'POST', url: '/admin/redistill', headers: { 'content-type': 'application/json' }, payload: '{"epochs":' },
    status: 401,
    code: 'UNAUTHORIZED'
  },
  {
    name: 'a 1 MiB body without a token (401: never read)',
    request: { method: 'POST', url: '/admin/redistill', headers: { 'content-type': 'application/json' }, payload: `{"x":"${'x'.repeat(1_048_000)}"}` },
    status: 401,
    code: 'UNAUTHORIZED'
  },
  {
    name: 'a token in the query string is no token',
    request: { method: 'GET', url: `/admin/jobs?token=${'t'.repeat(40)}` },
    status: 401,
    code: 'UNAUTHORIZED'
  }
]

/** The API docs' static files (@fastify/static through @fastify/swagger-ui): its 4xx keep their status. */
export const docsCases: Case[] = [
  { name: 'a Range past the end of a file', request: { method: 'GET', url: '/docs/static/swagger-ui.css', headers: { range: 'bytes=99999999-' } }, status: 416, code: 'RANGE_NOT_SATISFIABLE' },
  { name: 'an If-Match no file has', request: { method: 'GET', url: '/docs/static/swagger-ui.css', headers: { 'if-match': '"x"' } }, status: 412, code: 'PRECONDITION_FAILED' },
  { name: 'an If-Unmodified-Since in the past', request: { method: 'GET', url: '/docs/static/swagger-ui.css', headers: { 'if-unmodified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' } }, status: 412, code: 'PRECONDITION_FAILED' },
  { name: 'a file that is not there', request: { method: 'GET', url: '/docs/static/nope.js' }, status: 404, code: 'NOT_FOUND' }
]
