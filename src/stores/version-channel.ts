/**
 * Which student version every replica serves. `activate` records it and announces it; every
 * replica listening loads and swaps to it. A replica that starts, or reconnects after missing
 * announcements, reads `active()` (the Redis channel replays it to listeners on every reconnect).
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
  /** Calls `listener` on each announcement until the returned function is called. */
  subscribe (listener: (version: number) => void): Promise<() => Promise<void>>
  close (): Promise<void>
}
