import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { closeRedis, createRedisClient, waitForRedis } from '../../src/stores/redis-client.js'
import { RedisScript } from '../../src/stores/redis-script.js'
import { redisServerSkipReason, startRedisServer } from '../helpers/redis.js'

// its own redis-server: SCRIPT FLUSH would reach every other user of a shared one
describe('RedisScript', { skip: redisServerSkipReason() }, () => {
  it('runs by SHA1, sends the source when Redis lacks it (after SCRIPT FLUSH), and runs it once each time', async (t) => {
    const server = await startRedisServer()
    t.after(async () => await server.kill())
    const client = createRedisClient(server.url)
    t.after(async () => await closeRedis(client))
    assert.ok(await waitForRedis(client, 2000))
    const incr = new RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")

    assert.equal(await incr.run(client, ['n'], [2]), 2)
    assert.equal(await incr.run(client, ['n'], [3]), 5)
    await client.script('FLUSH')
    assert.equal(await incr.run(client, ['n'], [4]), 9)
    assert.equal(await client.get('n'), '9')
  })

  it('passes a script error on', async (t) => {
    const server = await startRedisServer()
    t.after(async () => await server.kill())
    const client = createRedisClient(server.url)
    t.after(async () => await closeRedis(client))
    assert.ok(await waitForRedis(client, 2000))
    await assert.rejects(new RedisScript("return redis.call('NOPE')").run(client, [], []), /Unknown Redis command|unknown command/i)
  })
})
