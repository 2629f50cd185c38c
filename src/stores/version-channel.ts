/**
 * Which student version every replica serves. `activate` records it and announces it; every
 * replica listening loads and swaps to it. A replica that starts, or reconnects after missing
 * announcements, reads `active()` (the Redis channel replays it to listeners on every reconnect).
 */
export interface VersionChannel {
  /** Records `version` as active and announces it (newer, or older for a rollback). */
  activate (version: number): Promise<void>
  /** The recorded active version, or null when none was ever activated. */
  active (): Promise<number | null>
  /** Calls `listener` on each announcement until the returned function is called. */
  subscribe (listener: (version: number) => void): Promise<() => Promise<void>>
  close (): Promise<void>
}
