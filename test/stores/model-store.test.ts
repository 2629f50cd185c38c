import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ArtifactBlobs } from '../../src/stores/model-store.js'
import { MemoryModelStore } from '../../src/stores/memory-model-store.js'
import { RedisModelStore } from '../../src/stores/redis-model-store.js'
import { redisSkipReason, useRedis } from '../helpers/redis.js'
import { blobs, modelStoreContract } from './model-store.contract.js'

describe('MemoryModelStore', () => {
  modelStoreContract('honours the ModelStore contract', () => new MemoryModelStore())
})

describe('RedisModelStore', { skip: await redisSkipReason() }, () => {
  const redis = useRedis()
  modelStoreContract('honours the ModelStore contract', () => new RedisModelStore({ client: redis.client(), prefix: redis.prefix() }))

  it('keeps each file in chunks of chunkBytes, committed by a manifest and the versions set', async () => {
    const prefix = redis.prefix()
    const store = new RedisModelStore({ client: redis.client(), prefix, chunkBytes: 100 })
    await store.publish('student', 4, blobs('h'))
    const manifest = JSON.parse(await redis.client().get(`${prefix}model:student:v4:manifest`) ?? 'null') as { upload: string, chunks: Record<string, number> }
    // weights.bin has 256 bytes: three chunks of at most 100
    assert.deepEqual(manifest.chunks, { 'manifest.json': 1, 'model.json': 1, 'items.json': 1, 'weights.bin': 3 })
    const weights = await redis.client().getBuffer(`${prefix}model:student:v4:${manifest.upload}:weights.bin:2`)
    assert.deepEqual(weights, blobs('h')['weights.bin'].subarray(200))
    assert.deepEqual(await redis.client().zrange(`${prefix}model:student:versions`, 0, -1), ['4'])
    assert.deepEqual(await store.files('student', 4), blobs('h'))
  })

  it('stores a file the artifact lacks, or an empty one, as empty', async () => {
    const store = new RedisModelStore({ client: redis.client(), prefix: redis.prefix(), chunkBytes: 100 })
    const files: Record<string, Buffer> = { ...blobs('e'), 'items.json': Buffer.alloc(0) }
    delete files['model.json']
    assert.equal(await store.publish('student', 2, files as unknown as ArtifactBlobs), true)
    assert.deepEqual(await store.files('student', 2), { ...blobs('e'), 'items.json': Buffer.alloc(0), 'model.json': Buffer.alloc(0) })
  })

  it('removes every chunk, the manifest and the member of the set', async () => {
    const prefix = redis.prefix()
    const store = new RedisModelStore({ client: redis.client(), prefix, chunkBytes: 64 })
    await store.publish('student', 4, blobs('h'))
    await store.publish('student', 5, blobs('i'))
    assert.equal(await store.remove('student', 4), true)
    const left = await redis.client().keys(`${prefix}model:student:v4*`)
    assert.deepEqual(left, [])
    assert.deepEqual(await redis.client().zrange(`${prefix}model:student:versions`, 0, -1), ['5'])
    assert.deepEqual(await store.files('student', 5), blobs('i'))
  })

  it('reads and removes a version published before chunks (one hash per version)', async () => {
    const prefix = redis.prefix()
    const client = redis.client()
    const old = blobs('old')
    await client.hset(`${prefix}model:student:v3`, ...Object.entries(old).flat())
    await client.zadd(`${prefix}model:student:versions`, 3, '3')
    const store = new RedisModelStore({ client, prefix })
    assert.deepEqual(await store.versions('student'), [3])
    assert.deepEqual(await store.files('student', 3), old)
    assert.equal(await store.publish('student', 3, blobs('new')), false, 'its number is taken')
    assert.deepEqual(await client.keys(`${prefix}model:student:v3:*`), [], 'the refused upload deleted its chunks')
    assert.equal(await store.remove('student', 3), true)
    assert.equal(await client.exists(`${prefix}model:student:v3`), 0)
    assert.deepEqual(await store.versions('student'), [])
  })

  it('leaves no chunk of the losing publisher behind', async () => {
    const prefix = redis.prefix()
    const store = new RedisModelStore({ client: redis.client(), prefix, chunkBytes: 50 })
    const results = await Promise.all([store.publish('student', 9, blobs('one')), store.publish('student', 9, blobs('two!'))])
    assert.deepEqual(results.sort(), [false, true])
    const manifest = JSON.parse(await redis.client().get(`${prefix}model:student:v9:manifest`) ?? 'null') as { upload: string }
    const chunks = (await redis.client().keys(`${prefix}model:student:v9:*`)).filter((key) => !key.endsWith(':manifest'))
    assert.ok(chunks.length > 0 && chunks.every((key) => key.startsWith(`${prefix}model:student:v9:${manifest.upload}:`)), chunks.join(' '))
  })

  it('lets one of two concurrent publishers of a version win, whole', async () => {
    const store = new RedisModelStore({ client: redis.client(), prefix: redis.prefix() })
    const results = await Promise.all([store.publish('student', 9, blobs('one')), store.publish('student', 9, blobs('two!'))])
    assert.deepEqual(results.sort(), [false, true])
    const files = await store.files('student', 9)
    assert.ok(files !== null)
    assert.ok([blobs('one'), blobs('two!')].some((b) => Buffer.compare(b['weights.bin'], files['weights.bin']) === 0 && Buffer.compare(b['manifest.json'], files['manifest.json']) === 0))
  })
})
