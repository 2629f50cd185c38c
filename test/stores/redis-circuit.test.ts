import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Redis } from 'ioredis'
import { CircuitOpenError, RedisCircuit, isCircuitOpen } from '../../src/stores/redis-circuit.js'
import { closeRedis, createRedisClient, waitForRedis } from '../../src/stores/redis-client.js'
import { StoreError } from '../../src/stores/store-error.js'
import { redisServerSkipReason, startRedisServer } from '../helpers/redis.js'

/** Just enough of an ioredis client: a status, connection events, and a PING that answers or hangs. */
class FakeClient extends EventEmitter {
  status = 'ready'
  pings = 0
  #stalled: Array<() => void> | undefined

  async ping (): Promise<'PONG'> {
    this.pings++
    if (this.#stalled !== undefined) await new Promise<void>((resolve) => this.#stalled?.push(resolve))
    return 'PONG'
  }

  stall (): void { this.#stalled = [] }

  /** Answers the PINGs sent during the stall, as a resumed server does. */
  resume (): void {
    const waiting = this.#stalled ?? []
    this.#stalled = undefined
    for (const answer of waiting) answer()
  }
}

function fakeCircuit (options: { failuresToOpen?: number, pingIntervalMs?: number, pingTimeoutMs?: number } = {}) {
  const client = new FakeClient()
  const changes: boolean[] = []
  const circuit = new RedisCircuit({ client: client as unknown as Redis, pingIntervalMs: 20, pingTimeoutMs: 30, ...options, onChange: (open) => changes.push(open) })
  return { client, circuit, changes }
}

async function until (condition: () => boolean, timeoutMs: number): Promise<number> {
  const started = performance.now()
  while (!condition()) {
    if (performance.now() - started > timeoutMs) assert.fail(`condition not met within ${timeoutMs} ms`)
    await sleep(5)
  }
  return performance.now() - started
}

const failing = async (): Promise<never> => { throw new Error('Command timed out') }

describe('RedisCircuit', () => {
  it('passes calls through while closed, and opens after failuresToOpen consecutive failures', async (t) => {
    const { circuit, changes } = fakeCircuit({ failuresToOpen: 3, pingIntervalMs: 60_000 })
    t.after(() => circuit.close())
    assert.equal(await circuit.call(async () => 'ok'), 'ok')
    await assert.rejects(circuit.call(failing), /timed out/)
    await assert.rejects(circuit.call(failing), /timed out/)
    assert.equal(await circuit.call(async () => 'ok'), 'ok', 'a success resets the count')
    await assert.rejects(circuit.call(failing), /timed out/)
    await assert.rejects(circuit.call(failing), /timed out/)
    assert.equal(circuit.open, false)
    await assert.rejects(circuit.call(failing), /timed out/)
    assert.equal(circuit.open, true)
    assert.deepEqual(changes, [true])
  })

  it('does not count a store\'s own verdict (a StoreError such as too few replicas) as Redis failing', async (t) => {
    const { circuit } = fakeCircuit({ failuresToOpen: 1, pingIntervalMs: 60_000 })
    t.after(() => circuit.close())
    const verdict = async (): Promise<never> => { throw new StoreError('EVENT_NOT_REPLICATED', '0 of 1 replicas') }
    for (let i = 0; i < 3; i++) await assert.rejects(circuit.call(verdict), { code: 'EVENT_NOT_REPLICATED' })
    assert.equal(circuit.open, false)
  })

  it('fails calls at once while open, without running them', async (t) => {
    const { circuit } = fakeCircuit({ failuresToOpen: 1, pingIntervalMs: 60_000 })
    t.after(() => circuit.close())
    await assert.rejects(circuit.call(failing))
    let ran = false
    const err = await circuit.call(async () => { ran = true }).catch((e: unknown) => e)
    assert.ok(err instanceof CircuitOpenError)
    assert.ok(isCircuitOpen(err))
    assert.equal((err as CircuitOpenError).code, 'REDIS_CIRCUIT_OPEN')
    assert.equal(ran, false)
  })

  it('opens when a PING goes unanswered, though no command was sent, and closes when one is answered', async (t) => {
    const { client, circuit, changes } = fakeCircuit()
    t.after(() => circuit.close())
    await sleep(60)
    assert.equal(circuit.open, false)
    client.stall()
    // within 500 ms: a PING every 20 ms unanswered for 30 ms (the defaults, 250 + 300 ms, would miss
    // it); no tighter bound, since timers run late on a loaded machine (249 ms seen at load 10)
    await until(() => circuit.open, 500)
    await sleep(60)
    assert.equal(client.pings > 0 && circuit.open, true)
    client.resume()
    await until(() => !circuit.open, 100)
    assert.deepEqual(changes, [true, false])
  })

  it('opens when the connection closes and closes when the client is ready again', async (t) => {
    const { client, circuit, changes } = fakeCircuit({ pingIntervalMs: 60_000 })
    t.after(() => circuit.close())
    client.status = 'reconnecting'
    client.emit('close')
    assert.equal(circuit.open, true)
    client.status = 'ready'
    client.emit('ready')
    assert.equal(circuit.open, false)
    assert.deepEqual(changes, [true, false])
  })

  it('starts open when the client is not ready yet', (t) => {
    const client = new FakeClient()
    client.status = 'connecting'
    const circuit = new RedisCircuit({ client: client as unknown as Redis })
    t.after(() => circuit.close())
    assert.equal(circuit.open, true)
  })

  it('releases its timer and listeners on close, idempotently', async () => {
    const { client, circuit } = fakeCircuit()
    assert.equal(client.listenerCount('close'), 1)
    circuit.close()
    circuit.close()
    assert.equal(client.listenerCount('close'), 0)
    assert.equal(client.listenerCount('ready'), 0)
    const pings = client.pings
    await sleep(60)
    assert.equal(client.pings, pings, 'no PING after close')
  })
})

describe('RedisCircuit on a real server', { skip: redisServerSkipReason() }, () => {
  it('opens within about half a second of a SIGSTOP stall and closes within a second of SIGCONT', async (t) => {
    const server = await startRedisServer()
    const client = createRedisClient(server.url)
    const circuit = new RedisCircuit({ client })
    t.after(async () => {
      circuit.close()
      await closeRedis(client)
      await server.kill()
    })
    assert.equal(await waitForRedis(client, 2000), true)
    await until(() => !circuit.open, 1000)
    server.signal('SIGSTOP')
    let opened: number
    try {
      opened = await until(() => circuit.open, 2000)
    } finally {
      server.signal('SIGCONT')
    }
    assert.ok(opened <= 700, `opened after ${opened.toFixed(0)} ms`)
    const closed = await until(() => !circuit.open, 2000)
    assert.ok(closed <= 1000, `closed after ${closed.toFixed(0)} ms`)
    assert.equal(await client.ping(), 'PONG')
  })
})
