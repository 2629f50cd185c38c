import { OldestKey } from '../data/oldest-key.js'
import { emptyStats, statGroups, type Arm, type ArmStats, type Attribution, type EventToAttribute, type Impression, type ImpressionLog } from './impression-log.js'
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

/** `lists`: frozen item lists already added to `items` (a cached answer shows the same list again and again). */
interface Totals { impressions: number, listsWithEvent: number, eventsByRank: number[], items: Set<string>, lists: WeakSet<readonly string[]> }

/**
 * In-memory twin of RedisImpressionLog: one process, bounded by maxImpressions and the window.
 * Impressions are kept in the columns of a ring of maxImpressions slots (filled as they come),
 * not as objects: the log holds every list shown for the whole window, and a scavenge copies every
 * young object still held, so an object or two per impression (the cache-hit path records one per
 * request) made most of that path's garbage-collection time. A slot's `Impression` is built when
 * it is read (attribution, `recent`).
 */
export class MemoryImpressionLog implements ImpressionLog {
  readonly #max: number
  readonly #windowMs: number
  readonly #perUser: number
  readonly #now: () => number
  /**
   * id -> slot of the impressions held; the ring's order is the order they were recorded in. At
   * 100,000 entries each operation on it costs memory misses, so a record makes two: a set, and
   * the delete of the impression it pushes out.
   */
  readonly #slots = new Map<string, number>()
  /** Ids recorded again, with how many of their older slots the ring still holds (those are dead). */
  readonly #superseded = new Map<string, number>()
  readonly #ids: Array<string | undefined> = []
  readonly #userIds: Array<string | null> = []
  readonly #versions: number[] = []
  readonly #arms: Arm[] = []
  readonly #experimentIds: Array<number | null> = []
  readonly #items: Array<readonly string[] | undefined> = []
  readonly #ts: number[] = []
  readonly #expiresAt: number[] = []
  /** The items already counted for a slot's list; made by the first event attributed to it (most lists never get one). */
  readonly #clicked = new Map<number, Set<string>>()
  /** The slot the next impression takes (the oldest, once the ring is full). */
  #next = 0
  readonly #byUser = new Map<string, string[]>()
  readonly #parked = new Map<string, { expiresAt: number, events: Map<string, string> }>()
  readonly #oldestUser = new OldestKey(this.#byUser)
  readonly #oldestParked = new OldestKey(this.#parked)
  readonly #seen = new Map<string, number>()
  readonly #oldestSeen = new OldestKey(this.#seen)
  readonly #totals = new Map<string, Totals>()
  /** The totals of the last impression's groups, reused while the next ones fall in the same groups. */
  #lastGroups: { version: number, arm: Arm, experimentId: number | null, totals: Totals[] } | undefined

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
    const { id, userId, items } = impression
    const slot = this.#next
    if (slot < this.#ids.length) {
      this.#free(slot)
    } else {
      // the ring grows up to maxImpressions slots as impressions come (the cap may be large)
      this.#ids.push(undefined)
      this.#userIds.push(null)
      this.#versions.push(0)
      this.#arms.push('serving')
      this.#experimentIds.push(null)
      this.#items.push(undefined)
      this.#ts.push(0)
      this.#expiresAt.push(0)
    }
    this.#next = slot + 1 === this.#max ? 0 : slot + 1
    const held = this.#slots.size
    this.#slots.set(id, slot)
    // recorded again: it counts as the newest, its earlier slot is dead (left for the ring to reach)
    if (this.#slots.size === held) this.#superseded.set(id, (this.#superseded.get(id) ?? 0) + 1)
    this.#ids[slot] = id
    this.#userIds[slot] = userId
    this.#versions[slot] = impression.version
    this.#arms[slot] = impression.arm
    this.#experimentIds[slot] = impression.experimentId
    // a frozen list cannot change under the log, so it is kept as is
    this.#items[slot] = Object.isFrozen(items) ? items : [...items]
    this.#ts[slot] = impression.ts
    this.#expiresAt[slot] = now + this.#windowMs
    if (userId !== null) {
      // newest first; the array is this log's own, so it is changed in place
      const ids = this.#byUser.get(userId) ?? []
      ids.unshift(id)
      if (ids.length > this.#perUser) ids.length = this.#perUser
      this.#byUser.delete(userId)
      this.#byUser.set(userId, ids)
      if (this.#byUser.size > this.#max) this.#oldestUser.evict()
    }
    for (const totals of this.#groupsOf(impression)) {
      totals.impressions++
      addShownItems(totals.items, totals.lists, items)
    }
    // most lists never have an event waiting for them: two look-ups saved per impression
    if (this.#parked.size === 0) return []
    const parked = this.#parked.get(id)
    this.#parked.delete(id)
    if (parked === undefined || parked.expiresAt <= now) return []
    return [...parked.events.values()].map((itemId) => this.#count(slot, itemId))
  }

  async attribute ({ recommendationId, itemId, key }: EventToAttribute): Promise<Attribution> {
    const now = this.#now()
    if (!this.#markSeen(key, now)) return { outcome: 'duplicate' }
    const slot = this.#live(recommendationId, now)
    if (slot === undefined) {
      let parked = this.#parked.get(recommendationId)
      if (parked === undefined || parked.expiresAt <= now) {
        parked = { expiresAt: now + this.#windowMs, events: new Map() }
        this.#parked.set(recommendationId, parked)
        if (this.#parked.size > this.#max) this.#oldestParked.evict()
      }
      parked.events.set(key, itemId)
      return { outcome: 'parked' }
    }
    return this.#count(slot, itemId)
  }

  async attributeLatest (userId: string, itemId: string, key: string, since: number, shadow: boolean): Promise<Attribution | null> {
    const now = this.#now()
    for (const id of this.#byUser.get(userId) ?? []) {
      const slot = this.#live(id, now)
      if (slot === undefined || this.#ts[slot] < since || (this.#arms[slot] === 'shadow') !== shadow) continue
      if (!(this.#items[slot] as readonly string[]).includes(itemId)) continue
      if (!this.#markSeen(key, now)) return { outcome: 'duplicate' }
      return this.#count(slot, itemId)
    }
    return null
  }

  async stats (group: string): Promise<ArmStats> {
    const totals = this.#totals.get(group)
    if (totals === undefined) return emptyStats()
    return { impressions: totals.impressions, listsWithEvent: totals.listsWithEvent, eventsByRank: Array.from(totals.eventsByRank, (n) => n ?? 0), itemsShown: totals.items.size }
  }

  async recent (count: number): Promise<Impression[]> {
    const found: Impression[] = []
    const filled = this.#ids.length
    for (let n = 1; n <= filled && found.length < count; n++) {
      const slot = (this.#next - n + filled) % filled
      if (this.#current(slot)) found.push(this.#impression(slot))
    }
    return found
  }

  async close (): Promise<void> {}

  #count (slot: number, itemId: string): Attribution {
    const impression = this.#impression(slot)
    const index = impression.items.indexOf(itemId)
    if (index < 0) return { outcome: 'not-shown', impression }
    let clicked = this.#clicked.get(slot)
    if (clicked === undefined) {
      clicked = new Set()
      this.#clicked.set(slot, clicked)
    }
    if (clicked.has(itemId)) return { outcome: 'duplicate' }
    clicked.add(itemId)
    const firstForList = clicked.size === 1
    for (const totals of this.#groupsOf(impression)) {
      totals.eventsByRank[index] = (totals.eventsByRank[index] ?? 0) + 1
      if (firstForList) totals.listsWithEvent++
    }
    return { outcome: 'attributed', impression, rank: index + 1, firstForList }
  }

  /** A copy of the impression in `slot`, for the caller to keep (a list that is not frozen is copied again). */
  #impression (slot: number): Impression {
    const items = this.#items[slot] as readonly string[]
    return {
      id: this.#ids[slot] as string,
      userId: this.#userIds[slot],
      version: this.#versions[slot],
      arm: this.#arms[slot],
      experimentId: this.#experimentIds[slot],
      items: Object.isFrozen(items) ? items : [...items],
      ts: this.#ts[slot]
    }
  }

  /** The slot of impression `id` while its window lasts. */
  #live (id: string, now: number): number | undefined {
    const slot = this.#slots.get(id)
    return slot === undefined || this.#expiresAt[slot] <= now ? undefined : slot
  }

  /**
   * Empties the slot the ring reached (the oldest). The older slots of an id recorded again come
   * before its newest one, so they are the ones its count in #superseded stands for.
   */
  #free (slot: number): void {
    const id = this.#ids[slot]
    if (id === undefined) return
    const older = this.#superseded.size === 0 ? undefined : this.#superseded.get(id)
    if (older === undefined) this.#slots.delete(id)
    else if (older === 1) this.#superseded.delete(id)
    else this.#superseded.set(id, older - 1)
    this.#ids[slot] = undefined
    this.#items[slot] = undefined
    if (this.#clicked.size > 0) this.#clicked.delete(slot)
  }

  /** Whether `slot` holds the newest impression of its id. */
  #current (slot: number): boolean {
    const id = this.#ids[slot]
    return id !== undefined && this.#slots.get(id) === slot
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

  /** The totals of the impression's groups (statGroups). */
  #groupsOf ({ version, arm, experimentId }: Pick<Impression, 'version' | 'arm' | 'experimentId'>): Totals[] {
    const last = this.#lastGroups
    if (last !== undefined && last.version === version && last.arm === arm && last.experimentId === experimentId) return last.totals
    const totals = statGroups({ version, arm, experimentId }).map((group) => this.#group(group))
    this.#lastGroups = { version, arm, experimentId, totals }
    return totals
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
