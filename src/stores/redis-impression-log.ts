import type { RedisConnection } from './redis-client.js'
import { hashTag } from './redis-keys.js'
import { emptyStats, statGroups, type ArmStats, type Attribution, type EventToAttribute, type Impression, type ImpressionLog } from './impression-log.js'
import type { ImpressionLogOptions } from './memory-impression-log.js'
import { RedisScript } from './redis-script.js'
import { assertPositiveInt, StoreError } from './store-error.js'

/** A group's totals outlive its last write by 30 days: a version long gone leaves nothing behind. */
const STATS_TTL_MS = 30 * 24 * 3600 * 1000

// Counting one event on a list, shared by the scripts below. The stats keys are built here from
// the impression (a group per version and arm, and per experiment and arm); on a cluster every
// impression key carries the one hash tag {imp}, so the keys a script builds are in its slot.
const COUNT = `
local function count(prefix, id, itemId, ttl)
  local raw = redis.call('GET', prefix .. 'i:' .. id)
  local imp = cjson.decode(raw)
  local rank = 0
  for r, item in ipairs(imp.items) do
    if item == itemId then rank = r break end
  end
  if rank == 0 then return {'not-shown', raw} end
  local clicked = prefix .. 'c:' .. id
  if redis.call('SADD', clicked, itemId) == 0 then return {'duplicate'} end
  redis.call('PEXPIRE', clicked, ttl)
  local first = redis.call('SCARD', clicked) == 1
  local groups = {'v' .. imp.version .. ':' .. imp.arm}
  if imp.experimentId ~= cjson.null then groups[2] = 'x' .. imp.experimentId .. ':' .. imp.arm end
  for _, g in ipairs(groups) do
    redis.call('HINCRBY', prefix .. 's:' .. g, 'r' .. rank, 1)
    if first then redis.call('HINCRBY', prefix .. 's:' .. g, 'h', 1) end
    redis.call('PEXPIRE', prefix .. 's:' .. g, ${STATS_TTL_MS})
  end
  return {'attributed', raw, rank, first and 1 or 0}
end
`

// KEYS: impression, stream, parked, and the user's list when the impression has a user;
// ARGV: prefix, id, json, ttl, cap, perUser, groups...
const RECORD = new RedisScript(COUNT + `
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
if #KEYS >= 4 then
  redis.call('LPUSH', KEYS[4], ARGV[2])
  redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[6]) - 1)
  redis.call('PEXPIRE', KEYS[4], ARGV[4])
end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'j', ARGV[3])
local imp = cjson.decode(ARGV[3])
for g = 7, #ARGV do
  redis.call('HINCRBY', ARGV[1] .. 's:' .. ARGV[g], 'n', 1)
  redis.call('PFADD', ARGV[1] .. 'cov:' .. ARGV[g], unpack(imp.items))
  redis.call('PEXPIRE', ARGV[1] .. 's:' .. ARGV[g], ${STATS_TTL_MS})
  redis.call('PEXPIRE', ARGV[1] .. 'cov:' .. ARGV[g], ${STATS_TTL_MS})
end
local parked = redis.call('HVALS', KEYS[3])
redis.call('DEL', KEYS[3])
local out = {}
for _, itemId in ipairs(parked) do out[#out + 1] = count(ARGV[1], ARGV[2], itemId, ARGV[4]) end
return out`)

// KEYS: seen key, impression, parked; ARGV: prefix, id, itemId, key, ttl
const ATTRIBUTE = new RedisScript(COUNT + `
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[5]) then return {'duplicate'} end
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('HSET', KEYS[3], ARGV[4], ARGV[3])
  redis.call('PEXPIRE', KEYS[3], ARGV[5])
  return {'parked'}
end
return count(ARGV[1], ARGV[2], ARGV[3], ARGV[5])`)

// KEYS: seen key, user list; ARGV: prefix, itemId, key, ttl, since, shadow (1/0)
const LATEST = new RedisScript(COUNT + `
for _, id in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  local raw = redis.call('GET', ARGV[1] .. 'i:' .. id)
  if raw then
    local imp = cjson.decode(raw)
    local shadow = imp.arm == 'shadow'
    if imp.ts >= tonumber(ARGV[5]) and shadow == (ARGV[6] == '1') then
      for _, item in ipairs(imp.items) do
        if item == ARGV[2] then
          if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[4]) then return {'duplicate'} end
          return count(ARGV[1], id, ARGV[2], ARGV[4])
        end
      end
    end
  end
end
return {}`)

export interface RedisImpressionLogOptions extends Omit<ImpressionLogOptions, 'now'> {
  /** Owned by the caller: close() leaves it open. */
  client: RedisConnection
  /** Keys live under `${prefix}imp:` (`${prefix}{imp}:` on a cluster); the capped stream is `...log`. */
  prefix: string
}

/**
 * Impressions on Redis: a stream capped near maxImpressions (what was shown, for inspection and
 * replay), each impression under its id for the attribution window, each user's newest ids in a
 * list, and totals per group (kept 30 days after their last write) in a hash (`n` impressions, `h` lists with an event, `r<rank>`
 * events by rank) with a HyperLogLog of the items shown.
 */
export class RedisImpressionLog implements ImpressionLog {
  readonly #client: RedisConnection
  readonly #prefix: string
  readonly #max: number
  readonly #windowMs: number
  readonly #perUser: number

  constructor ({ client, prefix, maxImpressions, windowMs, perUser = 20 }: RedisImpressionLogOptions) {
    assertPositiveInt('maxImpressions', maxImpressions)
    assertPositiveInt('windowMs', windowMs)
    assertPositiveInt('perUser', perUser)
    this.#client = client
    this.#prefix = `${prefix}${hashTag('imp', client.isCluster)}:`
    this.#max = maxImpressions
    this.#windowMs = windowMs
    this.#perUser = perUser
  }

  async record (impression: Impression): Promise<Attribution[]> {
    const p = this.#prefix
    const keys = [p + 'i:' + impression.id, p + 'log', p + 'p:' + impression.id]
    if (impression.userId !== null) keys.push(p + 'u:' + impression.userId)
    const args = [p, impression.id, JSON.stringify(impression), this.#windowMs, this.#max, this.#perUser, ...statGroups(impression)]
    const replies = await RECORD.run(this.#client, keys, args) as unknown[][]
    return replies.map(toAttribution)
  }

  async attribute ({ recommendationId, itemId, key }: EventToAttribute): Promise<Attribution> {
    const p = this.#prefix
    const reply = await ATTRIBUTE.run(this.#client, [p + 'seen:' + key, p + 'i:' + recommendationId, p + 'p:' + recommendationId],
      [p, recommendationId, itemId, key, this.#windowMs])
    return toAttribution(reply as unknown[])
  }

  async attributeLatest (userId: string, itemId: string, key: string, since: number, shadow: boolean): Promise<Attribution | null> {
    const p = this.#prefix
    const reply = await LATEST.run(this.#client, [p + 'seen:' + key, p + 'u:' + userId], [p, itemId, key, this.#windowMs, since, shadow ? 1 : 0]) as unknown[]
    return reply.length === 0 ? null : toAttribution(reply)
  }

  async stats (group: string): Promise<ArmStats> {
    const [fields, covered] = await Promise.all([
      this.#client.hgetall(this.#prefix + 's:' + group),
      this.#client.pfcount(this.#prefix + 'cov:' + group)
    ])
    const stats = emptyStats()
    for (const [field, value] of Object.entries(fields)) {
      if (field === 'n') stats.impressions = Number(value)
      else if (field === 'h') stats.listsWithEvent = Number(value)
      else if (field.startsWith('r')) {
        const rank = Number(field.slice(1))
        while (stats.eventsByRank.length < rank) stats.eventsByRank.push(0)
        stats.eventsByRank[rank - 1] = Number(value)
      }
    }
    stats.itemsShown = covered
    return stats
  }

  async recent (count: number): Promise<Impression[]> {
    const entries = await this.#client.xrevrange(this.#prefix + 'log', '+', '-', 'COUNT', count)
    return entries.map(([id, fields]) => parse(fields[1], id))
  }

  async close (): Promise<void> {}
}

function toAttribution (reply: unknown[]): Attribution {
  const [outcome, raw, rank, first] = reply as [string, string | undefined, number | undefined, number | undefined]
  if (outcome === 'attributed') return { outcome, impression: parse(raw, 'attributed'), rank: Number(rank), firstForList: first === 1 }
  if (outcome === 'not-shown') return { outcome, impression: parse(raw, 'not-shown') }
  if (outcome === 'duplicate' || outcome === 'parked') return { outcome }
  throw new StoreError('EVENT_LOG_CORRUPT', `unexpected attribution reply ${String(outcome)}`)
}

function parse (raw: string | undefined, where: string): Impression {
  if (raw === undefined) throw new StoreError('EVENT_LOG_CORRUPT', `impression ${where} has no body`)
  const impression = JSON.parse(raw) as Impression
  // cjson writes an empty array as {}, and Lua has no null in tables
  if (!Array.isArray(impression.items)) impression.items = []
  impression.userId ??= null
  impression.experimentId ??= null
  return impression
}
