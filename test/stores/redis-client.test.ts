import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { closeRedis, createRedisClient, retryDelayMs, waitForRedis } from '../../src/stores/redis-client.js'
import { redisSkipReason, redisUrl } from '../helpers/redis.js'
import { freePort } from '../helpers/free-port.js'

function countingLog (): { log: { info: () => void, warn: () => void, error: () => void }, counts: Record<string, number> } {
  const counts = { info: 0, warn: 0, error: 0 }
  return {
    counts,
    log: { info: () => { counts.info++ }, warn: () => { counts.warn++ }, error: () => { counts.error++ } }
  }
}

const redisSkip = await redisSkipReason()

describe('retryDelayMs', () => {
  it('starts at 50 ms, doubles, and stays at the cap however many attempts fail', () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => retryDelayMs(n, 2000)), [50, 100, 200, 400])
    assert.equal(retryDelayMs(7, 2000), 2000)
    assert.equal(retryDelayMs(1e6, 2000), 2000)
  })
})

describe('createRedisClient', () => {
  it('fails commands at once while Redis is unreachable, logging the outage once, never throwing', async () => {
    const { log, counts } = countingLog()
    const statuses: boolean[] = []
    const client = createRedisClient(`redis://127.0.0.1:${await freePort()}`, {
      log, onStatus: (up) => statuses.push(up), maxRetryDelayMs: 20
    })
    try {
      const started = performance.now()
      await assert.rejects(client.get('k'), /enableOfflineQueue/)
      assert.ok(performance.now() - started < 100)
      await sleep(200)
      assert.ok(client.status !== 'end', 'keeps reconnecting')
      assert.equal(counts.warn, 1)
      assert.deepEqual(statuses, [])
      assert.equal(await waitForRedis(client, 50), false)
    } finally {
      await closeRedis(client)
    }
    let attempts = 0
    client.on('connecting', () => { attempts++ })
    await sleep(100)
    assert.equal(attempts, 0, 'stops reconnecting once closed')
    await closeRedis(client)
  })

  it('passes the onStatus callback\'s own errors to the log instead of throwing', { skip: redisSkip }, async () => {
    const { log, counts } = countingLog()
    const client = createRedisClient(redisUrl(), { log, onStatus: () => { throw new Error('callback bug') } })
    assert.equal(await waitForRedis(client, 2000), true)
    assert.equal(await client.ping(), 'PONG')
    assert.equal(counts.error, 1)
    await closeRedis(client)
    assert.equal(client.status, 'end')
  })
})
