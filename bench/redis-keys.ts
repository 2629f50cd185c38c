import { Redis } from 'ioredis'

/** Whether Redis answers PING within two seconds. */
export async function redisAnswers (url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null })
  try {
    await redis.connect()
    return await redis.ping() === 'PONG'
  } catch {
    return false
  } finally {
    redis.disconnect()
  }
}

/** Deletes every key under `prefix`; returns how many there were. */
export async function deleteKeys (url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 })
  let deleted = 0
  try {
    const stream = redis.scanStream({ match: `${prefix}*`, count: 1000 })
    for await (const keys of stream as AsyncIterable<string[]>) {
      if (keys.length > 0) deleted += await redis.unlink(...keys)
    }
  } finally {
    redis.disconnect()
  }
  return deleted
}
