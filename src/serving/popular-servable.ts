import { IdMap } from '../data/id-map.js'
import { PopularRanking } from './popular-ranking.js'
import type { Allowed, RankedItems, Servable } from './servable.js'

/** Version 0: popularity over the catalogue the service knows, before any student is ready. */
export class PopularServable implements Servable {
  readonly kind = 'popular'
  readonly version = 0
  readonly items: IdMap
  readonly #ranking: PopularRanking

  /** `counts[i]` is how often `itemIds[i]` occurs. */
  constructor (itemIds: readonly string[], counts: ArrayLike<number>) {
    this.items = IdMap.fromIds(itemIds)
    this.#ranking = new PopularRanking(counts)
  }

  popular (depth: number, allowed: Allowed): RankedItems {
    return this.#ranking.rank(depth, allowed)
  }

  dispose (): void {}
}
