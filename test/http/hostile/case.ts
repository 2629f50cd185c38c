import assert from 'node:assert/strict'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'

/** One hostile request and what the service must answer. */
export interface Case {
  name: string
  request: InjectOptions
  status: number
  /** The error code; absent when the request is served (a replaced X-Request-Id, say). */
  code?: string
  field?: string
  headers?: Record<string, string | RegExp>
  /** For POST /recommend/batch: the first entry's own error. */
  entry?: { code: string, field: string }
}

/** Set in the env of every catalogue app: it must never appear in an answer. */
export const SECRET = 'admin-token-that-must-not-leak-0123456789'
export const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/
const ERROR_KEYS = new Set(['statusCode', 'code', 'message', 'field'])
// a stack frame, a source path or a module path in an answer is a leak
const LEAK = /\n\s+at |node_modules|\/work\/|\/src\/|\.ts:\d+|stack/

export function assertErrorBody (body: unknown, status: number, code: string, field?: string): void {
  assert.ok(body !== null && typeof body === 'object', 'the error body is an object')
  const error = body as Record<string, unknown>
  for (const key of Object.keys(error)) assert.ok(ERROR_KEYS.has(key), `unexpected key ${key} in ${JSON.stringify(error)}`)
  assert.equal(error.statusCode, status)
  assert.equal(error.code, code, JSON.stringify(error))
  assert.equal(typeof error.message, 'string')
  assert.ok((error.message as string).length > 0 && (error.message as string).length <= 500, 'a short message')
  if (field !== undefined) assert.equal(error.field, field, JSON.stringify(error))
}

/** Status, headers, error shape (no stack, no secret); for a batch, the first entry's error. */
export function assertAnswer (res: LightMyRequestResponse, c: Case): void {
  assert.equal(res.statusCode, c.status, `${c.name}: ${res.body.slice(0, 300)}`)
  assert.match(String(res.headers['x-request-id']), SAFE_REQUEST_ID)
  for (const [name, value] of Object.entries(c.headers ?? {})) {
    if (typeof value === 'string') assert.equal(res.headers[name], value, name)
    else assert.match(String(res.headers[name]), value, name)
  }
  assert.ok(!res.body.includes(SECRET), 'the admin token leaked')
  assert.doesNotMatch(res.body, LEAK)
  if (c.request.method === 'HEAD') return
  if (c.code !== undefined) {
    assert.match(String(res.headers['content-type']), /^application\/json/)
    assertErrorBody(res.json(), c.status, c.code, c.field)
  }
  if (c.entry !== undefined) {
    const { results } = res.json<{ results: unknown[] }>()
    assertErrorBody(results[0], 400, c.entry.code, c.entry.field)
  }
}

/** A JSON body sent as typed, for what JSON.stringify cannot write (duplicate keys, 1e400, __proto__). */
export function rawJson (method: 'POST' | 'PUT', url: string, text: string, contentType = 'application/json'): InjectOptions {
  return { method, url, headers: { 'content-type': contentType }, payload: text }
}

export function post (url: string, payload: unknown): InjectOptions {
  return { method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) }
}
