import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { appendFile, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { FileEventLog } from '../../src/stores/file-event-log.js'
import { toJsonLine } from '../../src/stores/event-codec.js'
import { events, readAll, withIds } from './event-log.contract.js'

describe('FileEventLog durability', () => {
  let dir = ''
  let files = 0
  const freshPath = (): string => join(dir, `events-${files++}.jsonl`)
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'distillrec-file-log-')) })
  after(async () => { await rm(dir, { recursive: true, force: true }) })

  it('reads back, from a new log on the same path, every event an earlier one acknowledged', async () => {
    const path = freshPath()
    const all = events(7)
    const first = new FileEventLog({ path })
    await first.append(all.slice(0, 4))
    await first.append(all.slice(4))
    // no close: the acknowledgement alone must be enough
    const second = new FileEventLog({ path })
    assert.deepEqual(await readAll(second), all)
    await second.append(events(2, 5000))
    assert.deepEqual(await readAll(new FileEventLog({ path })), [...all, ...events(2, 5000)])
    await first.close()
    await second.close()
  })

  it('keeps every acknowledged event when the writing process is killed mid-stream', async () => {
    const path = freshPath()
    const script = fileURLToPath(new URL('./fixtures/event-log-writer.ts', import.meta.url))
    const child = spawn(process.execPath, ['--import', 'tsx', script, path], { stdio: ['ignore', 'pipe', 'inherit'] })
    const exited = once(child, 'exit')
    let acked = 0
    let buffered = ''
    for await (const chunk of child.stdout) {
      buffered += String(chunk)
      const lines = buffered.split('\n')
      buffered = lines.pop() as string
      for (const line of lines) acked = Math.max(acked, Number(line.split(' ')[1]))
      if (acked >= 60) break
    }
    child.kill('SIGKILL')
    await exited
    const read = await readAll(new FileEventLog({ path }))
    assert.ok(read.length >= acked, `read ${read.length} of ${acked} acknowledged events`)
    assert.deepEqual(read, events(read.length))
  })

  it('writes one JSON object per line', async () => {
    const path = freshPath()
    const log = new FileEventLog({ path })
    await log.append(events(3))
    await log.close()
    const lines = (await readFile(path, 'utf8')).split('\n')
    assert.equal(lines.pop(), '')
    assert.deepEqual(lines.map((line) => JSON.parse(line)), events(3))
  })

  it('skips a torn last line left by a crash and reads the complete ones before it', async () => {
    const path = freshPath()
    const log = new FileEventLog({ path })
    await log.append(events(3))
    await log.close()
    await appendFile(path, '{"userId":"u9","itemId":"i')
    assert.deepEqual(await readAll(new FileEventLog({ path })), events(3))
  })

  it('cuts a torn last line off before appending, so the next event reads back intact', async () => {
    const path = freshPath()
    await writeFile(path, JSON.stringify(events(1)[0]) + '\n{"userId":"torn"')
    const log = new FileEventLog({ path })
    await log.append(events(1, 99))
    await log.close()
    assert.deepEqual(await readAll(new FileEventLog({ path })), [...events(1), ...events(1, 99)])
  })

  it('recovers a file holding nothing but a torn line', async () => {
    const path = freshPath()
    await writeFile(path, '{"userId":')
    const log = new FileEventLog({ path })
    assert.deepEqual(await readAll(log), [])
    await log.append(events(2))
    assert.deepEqual(await readAll(log), events(2))
    await log.close()
  })

  it('reports a complete line it cannot read as EVENT_LOG_CORRUPT instead of skipping it', async () => {
    const path = freshPath()
    await writeFile(path, JSON.stringify(events(1)[0]) + '\nnot json\n')
    await assert.rejects(readAll(new FileEventLog({ path })), { code: 'EVENT_LOG_CORRUPT', message: /line 2/ })
  })

  it('creates the missing parent directories of its path', async () => {
    const path = join(dir, 'a', 'b', 'events.jsonl')
    const log = new FileEventLog({ path })
    await log.append(events(1))
    assert.deepEqual(await readAll(log), events(1))
    await log.close()
  })

  it('reads a log larger than one read chunk, multi-byte characters included', async () => {
    const path = freshPath()
    const log = new FileEventLog({ path })
    const many = events(4000).map((e, k) => ({ ...e, itemId: `${'☕'.repeat(k % 7)}${e.itemId}` }))
    await log.append(many)
    assert.deepEqual(await readAll(log), many)
    await log.close()
  })

  it('recognises, from a new log on the same path, the eventIds an earlier one logged', async () => {
    const path = freshPath()
    const batch = withIds(events(3), ['a', undefined, 'b'])
    const first = new FileEventLog({ path })
    await first.append(batch)
    await first.close()
    const second = new FileEventLog({ path })
    assert.deepEqual(await second.append(batch), { added: 1 })
    await second.close()
    assert.deepEqual(await readAll(new FileEventLog({ path })), [...batch, batch[1]])
  })

  it('recognises the eventIds of lines a crashed writer wrote but never acknowledged', async () => {
    const path = freshPath()
    const batch = withIds(events(2), ['a', 'b'])
    await writeFile(path, batch.map(toJsonLine).join('') + '{"userId":"u0","itemId":"torn","ts":1,"eventId":"c')
    const log = new FileEventLog({ path })
    const retry = [...batch, { userId: 'u0', itemId: 'torn', ts: 1, eventId: 'c' }]
    assert.deepEqual(await log.append(retry), { added: 1 })
    await log.close()
    assert.deepEqual(await readAll(new FileEventLog({ path })), retry)
  })

  it('reads each eventId once from a file that holds two copies of it', async () => {
    const path = freshPath()
    const [a, b] = withIds(events(2), ['a', 'b'])
    await writeFile(path, [a, b, { ...a, ts: 5 }, b].map(toJsonLine).join(''))
    assert.deepEqual(await readAll(new FileEventLog({ path })), [a, b])
  })

  it('forgets the oldest eventIds past maxEventIds and logs those again (readAll still yields them once)', async () => {
    const path = freshPath()
    const log = new FileEventLog({ path, maxEventIds: 2 })
    const batch = withIds(events(3), ['a', 'b', 'c'])
    await log.append(batch)
    assert.deepEqual(await log.append([batch[0]]), { added: 1 })
    assert.deepEqual(await log.append([batch[2]]), { added: 0 })
    assert.deepEqual(await readAll(log), batch)
    await log.close()
    assert.equal((await readFile(path, 'utf8')).split('\n').length - 1, 4)
  })

  it('cuts off a write that failed to sync, so the retry of its events writes them again', async (t) => {
    const path = freshPath()
    const log = new FileEventLog({ path })
    await log.append(events(1))
    // FileHandle is not exported: every handle shares the prototype of this one
    const probe = await open(path, 'r')
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> }
    await probe.close()
    const datasync = proto.datasync
    t.after(() => { proto.datasync = datasync })
    proto.datasync = async function () { throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }) }
    const batch = withIds(events(2, 500), ['a', 'b'])
    await assert.rejects(log.append(batch), { code: 'EIO' })
    assert.equal((await readFile(path, 'utf8')).split('\n').length - 1, 3, 'the failed write reached the file')
    proto.datasync = datasync
    assert.deepEqual(await log.append(batch), { added: 2 })
    await log.close()
    assert.deepEqual(await readAll(new FileEventLog({ path })), [...events(1), ...batch])
    assert.equal((await readFile(path, 'utf8')).split('\n').length - 1, 3, 'written once')
  })

  it('refuses appends after close with STORE_CLOSED; closing twice is harmless', async () => {
    const log = new FileEventLog({ path: freshPath() })
    await log.append(events(1))
    await log.close()
    await log.close()
    await assert.rejects(log.append(events(1)), { code: 'STORE_CLOSED' })
  })
})
