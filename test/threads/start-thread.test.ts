import assert from 'node:assert/strict'
import { once } from 'node:events'
import { getPriority } from 'node:os'
import { describe, it } from 'node:test'
import { startThread } from '../../src/threads/start-thread.js'

describe('startThread', () => {
  it('runs a TypeScript module of the project in a worker thread with its data, from sources', async () => {
    const worker = startThread(import.meta.url, './echo-thread', { value: 21 })
    const [message] = await once(worker, 'message')
    assert.deepEqual(message, { doubled: 42, priority: getPriority() })
    const [code] = await once(worker, 'exit')
    assert.equal(code, 0)
  })

  // nice values only go up for an unprivileged process, and this one stays where it is
  it('runs the thread the given nice values below the thread that started it (at most 19) from before its module loads', { skip: process.platform !== 'linux' }, async () => {
    for (const nice of [1, 100]) {
      const worker = startThread(import.meta.url, './echo-thread', { value: 1 }, { nice })
      const [message] = await once(worker, 'message')
      assert.deepEqual(message, { doubled: 2, priority: Math.min(19, getPriority() + nice) })
      await once(worker, 'exit')
    }
  })
})
