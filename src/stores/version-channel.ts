import type { ChannelMessage } from './channel-message.js'

/**
 * What every replica must hear at once: which student version is active, and that an online
 * experiment changed. `activate` records a version and announces it; every replica listening loads
 * and swaps to it. `announceExperiment` tells every replica to re-read the ExperimentStore. A
 * replica that starts, or reconnects after missing announcements, reads `active()` (the Redis
 * channel replays it to listeners on every reconnect, followed by a `reconnected` message).
 * The payloads on the wire are in channel-message.ts.
 */
export interface VersionChannel {
  /**
   * Records `version` as active and announces it (newer, or older for a rollback). With `fence`
   * (a run's token from `reserve`), only when no run with a higher or equal token has activated
   * since: a stale run cannot publish over a newer one. False when fenced out.
   */
  activate (version: number, fence?: number): Promise<boolean>
  /**
   * Takes the next version number for a run, atomically across processes: above every number
   * taken before and above `floor` (the highest version the caller knows of). It is the run's
   * fencing token.
   */
  reserve (floor: number): Promise<number>
  /** The recorded active version, or null when none was ever activated. */
  active (): Promise<number | null>
  /**
   * Announces that experiment `id` was created or changed state (after the store has it). Records
   * nothing: a replica that misses it catches up by reading the store (on `reconnected`, and by
   * its slow poll).
   */
  announceExperiment (id: number): Promise<void>
  /** Calls `listener` on each message until the returned function is called. */
  subscribe (listener: (message: ChannelMessage) => void): Promise<() => Promise<void>>
  close (): Promise<void>
}
