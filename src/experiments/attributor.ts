import { randomUUID } from 'node:crypto'
import type { AcceptedEvent } from '../events/ingest.js'
import type { Attribution, ImpressionLog } from '../stores/impression-log.js'
import type { BackgroundTasks } from './background-tasks.js'

/** The id of the shadow list scored beside a served one: an event on the served list counts for it too. */
export const shadowId = (recommendationId: string): string => `${recommendationId}~shadow`

export interface AttributorOptions {
  log: ImpressionLog
  tasks: BackgroundTasks
  /** ATTRIBUTION_WINDOW: an event without a recommendationId goes to a list served at most this long before it. */
  windowMs: number
  onAttributed?: (attribution: Attribution) => void
  /** Whether shadow lists may exist (a shadow experiment runs or ran within the window); default never. */
  shadows?: () => boolean
}

/**
 * Attributes logged events to the lists that showed their items, off the response path: by the
 * event's recommendationId, else to the user's latest list holding the item within the window;
 * and, the same way, to the shadow list scored beside it (what the candidate would have shown).
 * The log counts each event key once, so a retry or a duplicate changes nothing; an event whose
 * list is not recorded yet is counted when it is.
 */
export class Attributor {
  readonly #o: AttributorOptions

  constructor (options: AttributorOptions) {
    this.#o = options
  }

  /** Returns at once. */
  attribute (events: readonly AcceptedEvent[]): void {
    const { log, tasks, windowMs, onAttributed, shadows = () => false } = this.#o
    const report = (attribution: Attribution | null): void => {
      if (attribution !== null) onAttributed?.(attribution)
    }
    for (const event of events) {
      // no key: a retry cannot be recognised (as in the event log), so the event counts as new
      const key = event.key ?? `anon:${randomUUID()}`
      const { userId, itemId, recommendationId } = event
      const shadow = shadows()
      tasks.run('attribute', async () => {
        if (recommendationId !== undefined) {
          report(await log.attribute({ recommendationId, itemId, key }))
          if (shadow) report(await log.attribute({ recommendationId: shadowId(recommendationId), itemId, key: shadowId(key) }))
        } else {
          const since = event.ts - windowMs
          report(await log.attributeLatest(userId, itemId, key, since, false))
          if (shadow) report(await log.attributeLatest(userId, itemId, shadowId(key), since, true))
        }
      })
    }
  }
}
