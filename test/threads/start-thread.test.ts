import assert from 'node:assert/strict'
import { once } from 'node:events'
import { describe, it } from 'node:test'
import { startThread } from '../../src/threads/start-thread.js'

describe('startThread', () => {
  it('runs a TypeScript module of the project in a worker thread with its data, from sources', async () => {
    const worker = startThread(import.meta.url, './echo-thread', { value: 21 })
    const [message] = await once(worker, 'message')
    assert.deepEqual(message, { doubled: 42 })
    const [code] = await once(worker, 'exit')
    assert.equal(code, 0)
  })
})
