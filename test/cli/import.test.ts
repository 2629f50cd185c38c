import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { main } from '../../src/cli/import.js'
import { RedisHistoryStore } from '../../src/stores/redis-history-store.js'
import { RedisItemCountsStore } from '../../src/stores/redis-item-counts-store.js'
import { redisSkipReason, redisUrl, useRedis } from '../helpers/redis.js'

interface Row { userId: string, itemId: string, ts: number }

// 5 users with 2..10 events each, written to the file out of time order
const ROWS: Row[] = []
for (let u = 0; u < 5; u++) {
  for (let t = 0; t < 2 + 2 * u; t++) ROWS.push({ userId: `u${u}`, itemId: `i${(u * 7 + t * 3) % 11}`, ts: 1000 + ((t * 5) % (2 + 2 * u)) })
}
ROWS.reverse()

/** What the import must write: each user's last `cap` items by time (ties keep file order), every item's count. */
function expected (cap: number): { histories: Map<string, string[]>, counts: Map<string, number> } {
  const histories = new Map<string, string[]>()
  const counts = new Map<string, number>()
  for (const row of [...ROWS].sort((a, b) => a.ts - b.ts)) {
    histories.set(row.userId, [...(histories.get(row.userId) ?? []), row.itemId].slice(-cap))
    counts.set(row.itemId, (counts.get(row.itemId) ?? 0) + 1)
  }
  return { histories, counts }
}

const skip = await redisSkipReason()

describe('npm run import', () => {
  let root: string
  let dataFile: string

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'distillrec-import-'))
    dataFile = join(root, 'events.jsonl')
    await writeFile(dataFile, ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n')
  })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  describe('on the command line', () => {
    it('refuses a --data path that does not exist with a usage error naming it', async () => {
      await assert.rejects(main(['--data', join(root, 'missing.jsonl'), '--redis-url', 'redis://127.0.0.1:1'], () => {}, {}),
        { code: 'CLI_USAGE', message: /^--data: no file or directory at .*missing\.jsonl$/ })
    })

    it('refuses an unknown --format, a non-positive --history-cap and a non-Redis URL before reading anything', async () => {
      const run = async (...extra: string[]): Promise<unknown> => await main(['--data', dataFile, '--prefix', 'x:', ...extra], () => {}, {})
      await assert.rejects(run('--format', 'csv'), { code: 'CLI_USAGE', message: /--format must be one of/ })
      await assert.rejects(run('--history-cap', '0'), { code: 'CLI_USAGE', message: /--history-cap must be a positive integer/ })
      await assert.rejects(run('--redis-url', 'http://localhost'), { code: 'CLI_USAGE', message: /--redis-url must be a URL like redis:/ })
    })

    it('prints help and returns null for --help', async () => {
      const lines: string[] = []
      assert.equal(await main(['--help'], (l) => lines.push(l)), null)
      assert.match(lines.join('\n'), /--history-cap <int>[\s\S]*--no-replace/)
    })
  })

  describe('into Redis', { skip }, () => {
    const redis = useRedis()
    const run = async (prefix: string, extra: string[] = [], lines: string[] = []): Promise<void> => {
      const summary = await main(['--data', dataFile, '--redis-url', redisUrl(), '--prefix', prefix, '--history-cap', '4', ...extra], (l) => lines.push(l), {})
      assert.ok(summary !== null)
    }
    const stored = async (prefix: string): Promise<{ histories: Map<string, string[]>, counts: Map<string, number> }> => {
      const store = new RedisHistoryStore({ client: redis.client(), prefix, maxPerUser: 100 })
      const histories = new Map<string, string[]>()
      for (let u = 0; u < 5; u++) histories.set(`u${u}`, await store.recent(`u${u}`, 100))
      return { histories, counts: await new RedisItemCountsStore({ client: redis.client(), prefix }).read() }
    }

    it('stores each user\'s last --history-cap items in time order and every item\'s interaction count', async () => {
      const prefix = redis.prefix()
      await run(prefix)
      assert.deepEqual(await stored(prefix), expected(4))
    })

    it('gives the same histories and counts when the same data is imported twice', async () => {
      const prefix = redis.prefix()
      await run(prefix)
      await run(prefix)
      assert.deepEqual(await stored(prefix), expected(4))
    })

    it('appends to histories and adds to counts with --no-replace', async () => {
      const prefix = redis.prefix()
      await run(prefix)
      await run(prefix, ['--no-replace'])
      const once = expected(4)
      const histories = new Map([...once.histories].map(([u, items]) => [u, [...items, ...items].slice(-4)]))
      const counts = new Map([...once.counts].map(([i, n]) => [i, 2 * n]))
      assert.deepEqual(await stored(prefix), { histories, counts })
    })

    it('reports progress and a summary of users, items, interactions and seconds', async () => {
      const lines: string[] = []
      await run(redis.prefix(), [], lines)
      const items = expected(4).counts.size
      assert.match(lines[0], new RegExp(`${ROWS.length} interactions, 5 users, ${items} items`))
      assert.ok(lines.includes('users 5/5 (100%)'), lines.join('\n'))
      assert.match(lines.at(-1) ?? '', new RegExp(`^imported 5 users, ${items} items, ${ROWS.length} interactions in \\d+\\.\\d s$`))
    })

    it('takes the Redis URL, prefix and history cap the service would use from the environment', async () => {
      const prefix = redis.prefix()
      const summary = await main(['--data', dataFile], () => {}, { REDIS_URL: redisUrl(), REDIS_PREFIX: prefix, HISTORY_CAP: '2' })
      assert.deepEqual(summary && { users: summary.users, interactions: summary.interactions }, { users: 5, interactions: ROWS.length })
      assert.deepEqual(await stored(prefix), expected(2))
    })

    it('gives every imported history the service\'s HISTORY_TTL, and none with HISTORY_TTL=off', async () => {
      const ttls = async (env: Record<string, string>): Promise<number[]> => {
        const prefix = redis.prefix()
        await main(['--data', dataFile, '--redis-url', redisUrl(), '--prefix', prefix], () => {}, env)
        return await Promise.all([0, 1, 2, 3, 4].map(async (u) => await redis.client().pttl(`${prefix}hist:u:u${u}`)))
      }
      const twoDays = 2 * 86_400_000
      assert.ok((await ttls({ HISTORY_TTL: '2d' })).every((ttl) => ttl > twoDays - 60_000 && ttl <= twoDays))
      assert.deepEqual(await ttls({ HISTORY_TTL: 'off' }), [-1, -1, -1, -1, -1])
    })
  })
})
