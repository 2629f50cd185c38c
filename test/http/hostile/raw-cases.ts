import type { SendOptions } from '../raw-http.js'

/** A request written byte by byte on a socket: what HTTP clients (and app.inject) refuse to send. */
export interface RawCase {
  name: string
  text: string
  options?: SendOptions
  status: number
  code: string
}

const H = 'Host: x\r\n'
const JSON_TYPE = 'Content-Type: application/json\r\n'

export const rawCases: RawCase[] = [
  { name: 'a malformed request line', text: 'GARBAGE\r\n\r\n', status: 400, code: 'BAD_REQUEST' },
  { name: 'a lowercase method', text: `get /health/live HTTP/1.1\r\n${H}\r\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'an unknown HTTP version', text: `GET /health/live HTTP/9.9\r\n${H}\r\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'a tab in the request line', text: `GET\t/health/live HTTP/1.1\r\n${H}\r\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'a space in a header name', text: `GET /health/live HTTP/1.1\r\n${H}Bad Header: 1\r\n\r\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'a NUL in a header value', text: `GET /health/live HTTP/1.1\r\n${H}X-A: a\u0000b\r\n\r\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'an HTTP/1.1 request without Host', text: 'GET /health/live HTTP/1.1\r\n\r\n', status: 400, code: 'BAD_REQUEST' },
  { name: 'a POST without Host', text: `POST /events HTTP/1.1\r\n${JSON_TYPE}Content-Length: 2\r\n\r\n{}`, status: 400, code: 'BAD_REQUEST' },
  { name: 'a 20 KB header', text: `GET /health/live HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`, status: 431, code: 'HEADERS_TOO_LARGE' },
  { name: '3,000 small headers', text: `GET /health/live HTTP/1.1\r\n${H}${Array.from({ length: 3000 }, (_, i) => `X-${i}: value\r\n`).join('')}\r\n`, status: 431, code: 'HEADERS_TOO_LARGE' },
  { name: 'a non-numeric Content-Length', text: `POST /events HTTP/1.1\r\n${H}${JSON_TYPE}Content-Length: abc\r\n\r\n{}`, status: 400, code: 'BAD_REQUEST' },
  { name: 'two different Content-Lengths', text: `POST /events HTTP/1.1\r\n${H}${JSON_TYPE}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`, status: 400, code: 'BAD_REQUEST' },
  {
    name: 'Content-Length with Transfer-Encoding (smuggling)',
    text: `POST /events HTTP/1.1\r\n${H}${JSON_TYPE}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    status: 400,
    code: 'BAD_REQUEST'
  },
  {
    name: 'a chunked body with another transfer coding under it (gzip, chunked)',
    text: `POST /events HTTP/1.1\r\n${H}${JSON_TYPE}Transfer-Encoding: gzip, chunked\r\n\r\n21\r\n{"userId":"victim","itemId":"i1"}\r\n0\r\n\r\n`,
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE'
  },
  { name: 'CONNECT (this is no proxy)', text: 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', status: 400, code: 'BAD_REQUEST' },
  { name: 'CONNECT to a path', text: `CONNECT /events HTTP/1.1\r\n${H}\r\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'a path climbing out of the docs\' static folder', text: `GET /docs/static/../../package.json HTTP/1.1\r\n${H}\r\n`, status: 403, code: 'FORBIDDEN' },
  { name: 'an encoded climb out of the docs\' static folder', text: `GET /docs/static/..%2f..%2fpackage.json HTTP/1.1\r\n${H}\r\n`, status: 404, code: 'NOT_FOUND' },
  { name: 'a bad chunk size', text: `POST /events HTTP/1.1\r\n${H}${JSON_TYPE}Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`, status: 400, code: 'BAD_REQUEST' },
  { name: 'headers that never end', text: `GET /health/live HTTP/1.1\r\n${H}`, status: 408, code: 'REQUEST_TIMEOUT' },
  {
    name: 'headers trickling in too slowly',
    text: `GET /health/live HTTP/1.1\r\n${H}`,
    options: { later: { afterMs: 100, text: 'X-Slow: 1\r\n' } },
    status: 408,
    code: 'REQUEST_TIMEOUT'
  },
  {
    name: 'a body that never ends',
    text: `POST /events HTTP/1.1\r\n${H}${JSON_TYPE}Content-Length: 100\r\n\r\n{"userId":"victim"`,
    status: 408,
    code: 'REQUEST_TIMEOUT'
  },
  {
    name: 'a body shorter than its Content-Length, then a close',
    text: `POST /events HTTP/1.1\r\n${H}${JSON_TYPE}Content-Length: 100\r\nConnection: close\r\n\r\n{"userId":"victim","itemId":"i1"}`,
    status: 408,
    code: 'REQUEST_TIMEOUT'
  }
]
