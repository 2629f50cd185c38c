import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** A candidate the worker's validation gate turned down: kept on disk for inspection, never loaded. */
export interface RejectedState {
  state: 'rejected'
  reason: string
  at: string
}

/** Beside the four artifact files; written into the version before it is renamed into place. */
export const STATE_FILE = 'state.json'

/** The state recorded in a version directory, or null for a plain (ready) version. */
export function readVersionState (dir: string): RejectedState | null {
  let raw
  try {
    raw = readFileSync(join(dir, STATE_FILE), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  try {
    const parsed = JSON.parse(raw) as Partial<RejectedState>
    return { state: 'rejected', reason: String(parsed.reason ?? 'unknown'), at: String(parsed.at ?? '') }
  } catch {
    // an unreadable marker still marks the version: loading it is what the marker forbids
    return { state: 'rejected', reason: `unreadable ${STATE_FILE}`, at: '' }
  }
}
