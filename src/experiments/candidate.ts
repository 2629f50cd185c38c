import { ModelRegistry } from '../serving/model-registry.js'
import type { Recommender } from '../serving/recommender.js'
import type { Servable } from '../serving/servable.js'

const WARM_QUERIES = 8

/** What serving lends an experiment: a way to load a version apart, and a recommender over it. */
export interface CandidateServing {
  load: (version: number) => Promise<Servable>
  recommenderFor: (registry: ModelRegistry) => Recommender
}

/**
 * A candidate version held beside the active one for an experiment, in a registry of its own:
 * requests lease it as they lease the active version, and `release` disposes it once the last
 * of them is done.
 */
export class Candidate {
  readonly version: number
  readonly recommender: Recommender
  readonly #registry: ModelRegistry

  private constructor (version: number, registry: ModelRegistry, recommender: Recommender) {
    this.version = version
    this.#registry = registry
    this.recommender = recommender
  }

  static async load (version: number, serving: CandidateServing): Promise<Candidate> {
    const servable = await serving.load(version)
    try {
      await warm(servable)
    } catch (err) {
      servable.dispose()
      throw err
    }
    const registry = new ModelRegistry(servable)
    return new Candidate(version, registry, serving.recommenderFor(registry))
  }

  get catalogueSize (): number {
    return this.#registry.active.items.size
  }

  release (): void {
    this.#registry.close()
  }
}

/** As ModelManager warms a version before it takes traffic: real queries through the ranking path. */
async function warm (servable: Servable): Promise<void> {
  const ranker = servable.ranker
  if (ranker === undefined) return
  const seeds = servable.popular(WARM_QUERIES, undefined).items
  await Promise.all(Array.from(seeds, async (item) => await ranker.rank(ranker.encode(Int32Array.of(item)), 10, undefined)))
}
