import { IdMap } from '../data/id-map.js'
import type { PopularityScorer } from '../models/popularity.js'
import { PopularRanking } from './popular-ranking.js'
import type { Allowed, RankedItems, Servable } from './servable.js'

/** Version 0: popularity over the catalogue the service knows, before any student is ready. */
export class PopularServable implements Servable {
  readonly kind = 'popular'
  readonly version = 0
  readonly items: IdMap
  readonly #ranking: PopularRanking

  /** `popularity` scores `itemIds` in their order. */
  constructor (itemIds: readonly string[], popularity: PopularityScorer) {
    this.items = IdMap.fromIds(itemIds)
    this.#ranking = new PopularRanking(popularity)
  }

  popular (depth: number, allowed: Allowed): RankedItems {
    return this.#ranking.rank(depth, allowed)
  }

  dispose (): void {}
}
