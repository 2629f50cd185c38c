import type { Interaction } from '../data/dataset.js'

/** One user's share of a batch of events, in order: what a history append takes. */
export interface UserBatch {
  itemIds: string[]
  eventIds: Array<string | undefined>
}

/** Events split by user, each user's in the order given. */
export function groupByUser (events: Iterable<Pick<Interaction, 'userId' | 'itemId' | 'eventId'>>): Map<string, UserBatch> {
  const byUser = new Map<string, UserBatch>()
  for (const { userId, itemId, eventId } of events) {
    let batch = byUser.get(userId)
    if (batch === undefined) byUser.set(userId, batch = { itemIds: [], eventIds: [] })
    batch.itemIds.push(itemId)
    batch.eventIds.push(eventId)
  }
  return byUser
}
