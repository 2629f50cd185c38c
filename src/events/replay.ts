import type { EventLog } from '../stores/event-log.js'
import type { HistoryStore } from '../stores/history-store.js'
import { groupByUser } from './group-by-user.js'

/** Rebuilds a history from the log, eventIds included, so a retry of a logged event is known. */
export async function replay (eventLog: EventLog, history: HistoryStore): Promise<number> {
  const events = []
  for await (const event of eventLog.readAll()) events.push(event)
  for (const [userId, { itemIds, eventIds }] of groupByUser(events)) await history.append(userId, itemIds, eventIds)
  return events.length
}
