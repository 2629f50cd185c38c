import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BackgroundTasks } from '../../src/experiments/background-tasks.js'

describe('BackgroundTasks', () => {
  it('runs tasks after the caller, reports failures and drops past maxInFlight, and idle waits for tasks they start', async () => {
    const errors: string[] = []
    const dropped: string[] = []
    const tasks = new BackgroundTasks({ maxInFlight: 3, onError: (op, err) => errors.push(`${op}: ${(err as Error).message}`), onDropped: (op) => dropped.push(op) })
    const done: string[] = []
    let release = (): void => {}
    const gate = new Promise<void>((resolve) => { release = resolve })
    tasks.run('slow', async () => { await gate; tasks.run('later', async () => { done.push('later') }) })
    tasks.run('throws', () => { throw new Error('at once') })
    tasks.run('rejects', async () => { throw new Error('later') })
    tasks.run('fourth', async () => { done.push('fourth') })
    assert.deepEqual(done, [], 'a task ran inside run()')
    assert.equal(tasks.inFlight, 3)
    assert.deepEqual(dropped, ['fourth'])
    const idle = tasks.idle()
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve))
    assert.equal(tasks.inFlight, 1)
    release()
    await idle
    assert.deepEqual(done, ['later'])
    assert.equal(tasks.inFlight, 0)
    assert.deepEqual(errors.sort(), ['rejects: later', 'throws: at once'])
    await tasks.idle()
  })
})
