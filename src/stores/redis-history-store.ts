import type { RedisConnection } from './redis-client.js'
import { assertParallel, type HistoryStore } from './history-store.js'
import { keysFor, type RedisKeys } from './redis-keys.js'
import { RedisScript } from './redis-script.js'
import { assertPositiveInt } from './store-error.js'

// KEYS[1]: the user's list; KEYS[2..]: the applied key of each item that has an eventId, in order.
// ARGV[1]: the cap; ARGV[2]: how long an applied key lives (ms); ARGV[3]: how long the list lives
// after this append (ms, '0' = for ever); then itemId, hasId ('1'/'0') per item.
// The applied keys are set last, so an error part-way leaves no event marked applied whose item
// is missing. One script, so no reader (or replica) ever sees the list above its cap, or without
// its TTL. An append of copies alone is activity too: it restarts the TTL of a list that exists.
const APPEND = new RedisScript(`
local fresh = {}
local marks = {}
local k = 1
for a = 4, #ARGV, 2 do
  if ARGV[a + 1] == '0' then
    fresh[#fresh + 1] = ARGV[a]
  else
    k = k + 1
    if marks[KEYS[k]] == nil and redis.call('EXISTS', KEYS[k]) == 0 then
      marks[KEYS[k]] = true
      fresh[#fresh + 1] = ARGV[a]
    end
  end
end
for s = 1, #fresh, 1000 do
  redis.call('RPUSH', KEYS[1], unpack(fresh, s, math.min(s + 999, #fresh)))
end
if #fresh > 0 then redis.call('LTRIM', KEYS[1], -tonumber(ARGV[1]), -1) end
if ARGV[3] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
for key in pairs(marks) do redis.call('SET', key, '1', 'PX', ARGV[2]) end
return #fresh`)

/** Seven days, as the Redis event log: a retry the log recognises is recognised here too. */
const DEFAULT_DEDUPE_TTL_MS = 7 * 24 * 3600 * 1000

export interface RedisHistoryStoreOptions {
  /** Owned by the caller: close() leaves it open. */
  client: RedisConnection
  /**
   * Key namespace, e.g. 'distillrec:'; the list of user u is `${prefix}hist:u:${u}`, an applied
   * eventId `${prefix}hist:seen:${eventId}` (on a cluster both carry the tag `{u:<u>}`: redis-keys.ts).
   */
  prefix: string
  maxPerUser: number
  /** How long an applied eventId is remembered, so a copy is skipped (default 7 days). */
  dedupeTtlMs?: number
  /** A user's list expires this long after the user's last append (PEXPIRE); default never. */
  ttlMs?: number
}

/** One Redis list per user, most recent last, trimmed to maxPerUser, expiring ttlMs after its last append. */
export class RedisHistoryStore implements HistoryStore {
  readonly #client: RedisConnection
  readonly #keys: RedisKeys
  readonly #maxPerUser: number
  readonly #dedupeTtlMs: number
  readonly #ttlMs: number | undefined

  constructor ({ client, prefix, maxPerUser, dedupeTtlMs = DEFAULT_DEDUPE_TTL_MS, ttlMs }: RedisHistoryStoreOptions) {
    assertPositiveInt('maxPerUser', maxPerUser)
    assertPositiveInt('dedupeTtlMs', dedupeTtlMs)
    if (ttlMs !== undefined) assertPositiveInt('ttlMs', ttlMs)
    this.#client = client
    this.#keys = keysFor(client, prefix)
    this.#maxPerUser = maxPerUser
    this.#dedupeTtlMs = dedupeTtlMs
    this.#ttlMs = ttlMs
  }

  async append (userId: string, itemIds: readonly string[], eventIds?: ReadonlyArray<string | undefined>): Promise<void> {
    assertParallel(itemIds, eventIds)
    if (itemIds.length === 0) return
    const keys = [this.#keys.history(userId)]
    const args: string[] = [String(this.#maxPerUser), String(this.#dedupeTtlMs), String(this.#ttlMs ?? 0)]
    itemIds.forEach((itemId, k) => {
      const eventId = eventIds?.[k]
      if (eventId !== undefined) keys.push(this.#keys.historyApplied(userId, eventId))
      args.push(itemId, eventId === undefined ? '0' : '1')
    })
    await APPEND.run(this.#client, keys, args)
  }

  async recent (userId: string, limit: number): Promise<string[]> {
    // LRANGE -0 -1 would return the whole list
    if (limit <= 0) return []
    return await this.#client.lrange(this.#keys.history(userId), -limit, -1)
  }

  async close (): Promise<void> {}
}
