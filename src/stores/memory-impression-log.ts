import { OldestKey } from '../data/oldest-key.js'
import { emptyStats, statGroups, type ArmStats, type Attribution, type EventToAttribute, type Impression, type ImpressionLog } from './impression-log.js'
import { assertPositiveInt } from './store-error.js'
import { addShownItems } from './shown-items.js'

export interface ImpressionLogOptions {
  /** Impressions kept for attribution (the stream's cap in Redis). */
  maxImpressions: number
  /** How long an impression, a parked event and an event key are remembered (ATTRIBUTION_WINDOW). */
  windowMs: number
  /** A user's newest lists searched for an event without a recommendationId. */
  perUser?: number
  // Date.now is passed in for testability
  now?: () => number
}

/** `clicked` is made by the first event attributed to the list (most lists never get one). */
interface Held { impression: Impression, expiresAt: number, clicked?: Set<string> }
/** `lists`: frozen item lists already added to `items` (a cached answer shows the same list again and again). */
interface Totals { impressions: number, listsWithEvent: number, eventsByRank: number[], items: Set<string>, lists: WeakSet<readonly string[]> }

/** In-memory twin of RedisImpressionLog: one process, bounded by maxImpressions and the window. */
export class MemoryImpressionLog implements ImpressionLog {
  readonly #max: number
  readonly #windowMs: number
  readonly #perUser: number
  readonly #now: () => number
  // Map order is insertion order, so the oldest entries come first
  readonly #impressions = new Map<string, Held>()
  readonly #byUser = new Map<string, string[]>()
  readonly #parked = new Map<string, { expiresAt: number, events: Map<string, string> }>()
  readonly #oldestImpression = new OldestKey(this.#impressions)
  readonly #oldestUser = new OldestKey(this.#byUser)
  readonly #oldestParked = new OldestKey(this.#parked)
  readonly #seen = new Map<string, number>()
  readonly #oldestSeen = new OldestKey(this.#seen)
  readonly #totals = new Map<string, Totals>()

  constructor ({ maxImpressions, windowMs, perUser = 20, now = Date.now }: ImpressionLogOptions) {
    assertPositiveInt('maxImpressions', maxImpressions)
    assertPositiveInt('windowMs', windowMs)
    assertPositiveInt('perUser', perUser)
    this.#max = maxImpressions
    this.#windowMs = windowMs
    this.#perUser = perUser
    this.#now = now
  }

  async record (impression: Impression): Promise<Attribution[]> {
    const now = this.#now()
    this.#impressions.delete(impression.id)
    this.#impressions.set(impression.id, { impression: copy(impression), expiresAt: now + this.#windowMs })
    if (this.#impressions.size > this.#max) this.#oldestImpression.evict()
    if (impression.userId !== null) {
      // newest first; the array is this log's own, so it is changed in place
      const ids = this.#byUser.get(impression.userId) ?? []
      ids.unshift(impression.id)
      if (ids.length > this.#perUser) ids.length = this.#perUser
      this.#byUser.delete(impression.userId)
      this.#byUser.set(impression.userId, ids)
      if (this.#byUser.size > this.#max) this.#oldestUser.evict()
    }
    for (const group of statGroups(impression)) {
      const totals = this.#group(group)
      totals.impressions++
      addShownItems(totals.items, totals.lists, impression.items)
    }
    // most lists never have an event waiting for them: two look-ups saved per impression
    if (this.#parked.size === 0) return []
    const parked = this.#parked.get(impression.id)
    this.#parked.delete(impression.id)
    if (parked === undefined || parked.expiresAt <= now) return []
    return [...parked.events.values()].map((itemId) => this.#count(impression.id, itemId))
  }

  async attribute ({ recommendationId, itemId, key }: EventToAttribute): Promise<Attribution> {
    const now = this.#now()
    if (!this.#markSeen(key, now)) return { outcome: 'duplicate' }
    const held = this.#live(recommendationId, now)
    if (held === undefined) {
      let parked = this.#parked.get(recommendationId)
      if (parked === undefined || parked.expiresAt <= now) {
        parked = { expiresAt: now + this.#windowMs, events: new Map() }
        this.#parked.set(recommendationId, parked)
        if (this.#parked.size > this.#max) this.#oldestParked.evict()
      }
      parked.events.set(key, itemId)
      return { outcome: 'parked' }
    }
    return this.#count(recommendationId, itemId)
  }

  async attributeLatest (userId: string, itemId: string, key: string, since: number, shadow: boolean): Promise<Attribution | null> {
    const now = this.#now()
    for (const id of this.#byUser.get(userId) ?? []) {
      const held = this.#live(id, now)
      if (held === undefined || held.impression.ts < since || (held.impression.arm === 'shadow') !== shadow) continue
      if (!held.impression.items.includes(itemId)) continue
      if (!this.#markSeen(key, now)) return { outcome: 'duplicate' }
      return this.#count(id, itemId)
    }
    return null
  }

  async stats (group: string): Promise<ArmStats> {
    const totals = this.#totals.get(group)
    if (totals === undefined) return emptyStats()
    return { impressions: totals.impressions, listsWithEvent: totals.listsWithEvent, eventsByRank: Array.from(totals.eventsByRank, (n) => n ?? 0), itemsShown: totals.items.size }
  }

  async recent (count: number): Promise<Impression[]> {
    return [...this.#impressions.values()].slice(-count).reverse().map((h) => copy(h.impression))
  }

  async close (): Promise<void> {}

  #count (id: string, itemId: string): Attribution {
    const held = this.#impressions.get(id) as Held
    const impression = copy(held.impression)
    const index = impression.items.indexOf(itemId)
    if (index < 0) return { outcome: 'not-shown', impression }
    held.clicked ??= new Set()
    if (held.clicked.has(itemId)) return { outcome: 'duplicate' }
    held.clicked.add(itemId)
    const firstForList = held.clicked.size === 1
    for (const group of statGroups(impression)) {
      const totals = this.#group(group)
      totals.eventsByRank[index] = (totals.eventsByRank[index] ?? 0) + 1
      if (firstForList) totals.listsWithEvent++
    }
    return { outcome: 'attributed', impression, rank: index + 1, firstForList }
  }

  #live (id: string, now: number): Held | undefined {
    const held = this.#impressions.get(id)
    return held === undefined || held.expiresAt <= now ? undefined : held
  }

  /** False when the key was seen within the window. */
  #markSeen (key: string, now: number): boolean {
    const until = this.#seen.get(key)
    if (until !== undefined && until > now) return false
    this.#seen.delete(key)
    this.#seen.set(key, now + this.#windowMs)
    // every key lives as long, so the first ones expire first; a key is set again only once expired,
    // so with a later expiry: a new value, as peek needs
    for (let oldest = this.#oldestSeen.peek(); oldest !== undefined && (oldest[1] <= now || this.#seen.size > this.#max * 4); oldest = this.#oldestSeen.peek()) {
      this.#oldestSeen.evict()
    }
    return true
  }

  #group (group: string): Totals {
    let totals = this.#totals.get(group)
    if (totals === undefined) {
      totals = { impressions: 0, listsWithEvent: 0, eventsByRank: [], items: new Set(), lists: new WeakSet() }
      this.#totals.set(group, totals)
    }
    return totals
  }
}

/** A frozen item list cannot change under the log, so it is kept as is. */
function copy (impression: Impression): Impression {
  return { ...impression, items: Object.isFrozen(impression.items) ? impression.items : [...impression.items] }
}
