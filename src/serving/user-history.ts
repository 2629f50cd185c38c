import type { Dataset } from '../data/dataset.js'
import type { HistoryStore } from '../stores/history-store.js'

/**
 * A user's history as the recommender sees it: what the dataset the model was built from knows
 * of them, followed by what arrived through POST /events since (the live store).
 */
export class UserHistory implements Pick<HistoryStore, 'recent'> {
  constructor (private readonly dataset: Dataset | undefined, private readonly live: Pick<HistoryStore, 'recent'>) {}

  async recent (userId: string, limit: number): Promise<string[]> {
    const live = await this.live.recent(userId, limit)
    const user = this.dataset?.users.index(userId)
    if (this.dataset === undefined || user === undefined || live.length >= limit) return live
    const sequence = this.dataset.sequences[user]
    const from = Math.max(0, sequence.length - (limit - live.length))
    const base: string[] = []
    for (let i = from; i < sequence.length; i++) base.push(this.dataset.items.id(sequence[i]))
    return base.concat(live)
  }
}
