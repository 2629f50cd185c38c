/**
 * Which list a user was shown: the arm says how it was chosen. `serving` outside an experiment;
 * `control` and `candidate` in a split; `shadow` is a list scored for the candidate but never shown.
 */
export const ARMS = ['serving', 'control', 'candidate', 'shadow'] as const
export type Arm = typeof ARMS[number]

/** One answer of /recommend as it was shown: item ids in rank order (rank = index + 1). */
export interface Impression {
  id: string
  userId: string | null
  version: number
  arm: Arm
  experimentId: number | null
  items: readonly string[]
  /** ms since the epoch, when the list was served. */
  ts: number
}

/** An event to attribute to the list named by its `recommendationId`. */
export interface EventToAttribute {
  recommendationId: string
  itemId: string
  /** The event's idempotency key: a second event with it is a duplicate wherever it points. */
  key: string
}

export type Attribution =
  | { outcome: 'attributed', impression: Impression, rank: number, firstForList: boolean }
  /** Its key was attributed before, or the list already counted an event on that item. */
  | { outcome: 'duplicate' }
  /** The list does not hold the item. */
  | { outcome: 'not-shown', impression: Impression }
  /** No such list (yet): kept, and attributed when the impression is recorded within the window. */
  | { outcome: 'parked' }

/** Totals of one group of lists (see statGroups): what CTR@k, hit rate and coverage are computed from. */
export interface ArmStats {
  impressions: number
  /** Lists with at least one attributed event. */
  listsWithEvent: number
  /** Attributed events at rank r, at index r - 1. */
  eventsByRank: number[]
  /** Distinct items shown (approximate in Redis: a HyperLogLog). */
  itemsShown: number
}

/**
 * The bounded log of impressions and what was attributed to them. Impressions live for the
 * attribution window; the log keeps at most its cap. Every operation is atomic: an event that
 * arrives before its impression is parked and attributed by the `record` that brings it, and an
 * event key is counted once however often it comes.
 */
export interface ImpressionLog {
  /** Records an impression; resolves the attributions of events that were parked waiting for it. */
  record (impression: Impression): Promise<Attribution[]>
  attribute (event: EventToAttribute): Promise<Attribution>
  /**
   * Attributes an event without a recommendationId: to the user's latest list (shadow lists, or
   * shown ones) holding the item and served at or after `since`.
   */
  attributeLatest (userId: string, itemId: string, key: string, since: number, shadow: boolean): Promise<Attribution | null>
  /** Totals of a group (`v<version>:<arm>` or `x<experimentId>:<arm>`). */
  stats (group: string): Promise<ArmStats>
  /** The newest impressions, newest first. */
  recent (count: number): Promise<Impression[]>
  close (): Promise<void>
}

/** The groups an impression counts in: its version and arm, and its experiment's arm. */
export function statGroups (impression: Pick<Impression, 'version' | 'arm' | 'experimentId'>): string[] {
  const groups = [`v${impression.version}:${impression.arm}`]
  if (impression.experimentId !== null) groups.push(`x${impression.experimentId}:${impression.arm}`)
  return groups
}

export function emptyStats (): ArmStats {
  return { impressions: 0, listsWithEvent: 0, eventsByRank: [], itemsShown: 0 }
}
