import type { Dataset, Interaction } from './dataset.js'
import { IdMap } from './id-map.js'

/**
 * Groups interactions per user on dense indices. Users and items are numbered in first-seen order;
 * each user's items are stably sorted by ts, so equal timestamps keep their input order.
 */
export function buildDataset (interactions: readonly Interaction[]): Dataset {
  const users = new IdMap()
  const items = new IdMap()
  const itemsByUser: number[][] = []
  const tsByUser: number[][] = []
  for (const { userId, itemId, ts } of interactions) {
    const user = users.add(userId)
    const item = items.add(itemId)
    if (user === itemsByUser.length) {
      itemsByUser.push([])
      tsByUser.push([])
    }
    itemsByUser[user].push(item)
    tsByUser[user].push(ts)
  }
  const sequences = itemsByUser.map((userItems, user) => inTimeOrder(userItems, tsByUser[user]))
  return { users, items, sequences }
}

function inTimeOrder (items: number[], ts: number[]): Int32Array {
  if (isNonDecreasing(ts)) return Int32Array.from(items)
  // Array.prototype.sort is stable (ES2019), so ties keep input order.
  const order = items.map((_, i) => i).sort((a, b) => ts[a] - ts[b])
  return Int32Array.from(order, (i) => items[i])
}

function isNonDecreasing (values: number[]): boolean {
  for (let i = 1; i < values.length; i++) {
    if (values[i] < values[i - 1]) return false
  }
  return true
}
