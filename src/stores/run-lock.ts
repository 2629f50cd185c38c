/**
 * One re-distillation run at a time across every worker and replica. The lock names its owner (a
 * job id) and expires unless renewed, so a run whose process died frees it within its TTL. A run
 * that lost its lock may still be computing: its fencing token (VersionChannel.reserve) keeps it
 * from publishing over a newer run.
 */
export interface RunLock {
  /** Takes the lock for `owner` when free; true when taken. */
  acquire (owner: string, ttlMs: number): Promise<boolean>
  /** Extends the lock while `owner` still holds it; false when it expired or another took it. */
  renew (owner: string, ttlMs: number): Promise<boolean>
  /** Frees the lock if `owner` holds it (never another owner's). */
  release (owner: string): Promise<void>
  /** Who holds the lock, or null. */
  holder (): Promise<string | null>
  close (): Promise<void>
}
