import { randomUUID } from 'node:crypto'
import type { Recommendation, RecommendedItem, RecommendRequest, Recommender } from '../serving/recommender.js'
import type { Arm } from '../stores/impression-log.js'
import type { BackgroundTasks } from './background-tasks.js'
import type { ImpressionRecorder } from './impression-recorder.js'
import { QuietGate } from './quiet-gate.js'

/** A /recommend answer and the id its impression is recorded under (the route adds it to the body and a header). */
export interface Served {
  recommendation: Recommendation
  recommendationId: string
}

/** Who serves one request: the recommender, its arm and experiment; `after` runs off the response path. */
export interface ArmChoice {
  recommender: Pick<Recommender, 'recommend'> & Partial<Pick<Recommender, 'answered'>>
  arm: Arm
  experimentId: number | null
  /**
   * Called after the answer is ready (shadow scoring), with whether its impression was sampled;
   * must not throw. With `tasks`, work of lower priority than serving: called in a background task
   * once no request is being served (QuietGate).
   */
  after?: (request: RecommendRequest, served: Served, recorded: boolean) => void
  /** Called instead of `after` when serving failed. */
  abandon?: () => void
}

export interface OnlineRecommenderOptions {
  recommender: Pick<Recommender, 'recommend'> & Partial<Pick<Recommender, 'answered'>>
  recorder: ImpressionRecorder
  /** The experiment's choice for an assignment key; undefined: the active version serves (arm `serving`). */
  choose?: (key: string | undefined) => ArmChoice | undefined
  /** Where an `after` waits for serving to go quiet; absent, `after` is called as the answer is returned. */
  tasks?: BackgroundTasks
  // Date.now and randomUUID are passed in for testability
  now?: () => number
  newId?: () => string
}

/**
 * /recommend as the online loop sees it: picks the arm (an experiment's, else the active version),
 * serves the list, gives it a recommendationId and records the impression off the response path.
 * The id is a field of the answer, never of a cached ranking.
 */
export class OnlineRecommender {
  readonly #o: OnlineRecommenderOptions
  readonly #gate = new QuietGate()
  /** Who serves when no experiment takes the request: the active version. */
  readonly #serving: ArmChoice

  constructor (options: OnlineRecommenderOptions) {
    this.#o = options
    this.#serving = { recommender: options.recommender, arm: 'serving', experimentId: null }
  }

  /** `key`: what assignment is sticky on (the userId, else the client's request key). */
  async recommend (request: RecommendRequest, key: string | undefined): Promise<Served> {
    return await this.#recommend(this.#choice(request, key), request)
  }

  /**
   * `recommend`, answered at once when the chosen arm's recommender holds the answer
   * (Recommender.answered: a cache hit, no promise on the way), else its promise: one choice of
   * arm either way, so a shadow slot is reserved (or counted as skipped) once per request.
   */
  serve (request: RecommendRequest, key: string | undefined): Served | Promise<Served> {
    const choice = this.#choice(request, key)
    const recommendation = choice.recommender.answered?.(request)
    if (recommendation === undefined) return this.#recommend(choice, request)
    this.#gate.begin()
    return this.#served(choice, request, recommendation)
  }

  async #recommend (choice: ArmChoice, request: RecommendRequest): Promise<Served> {
    let recommendation: Recommendation
    this.#gate.begin()
    try {
      recommendation = await choice.recommender.recommend(request)
    } catch (err) {
      choice.abandon?.()
      this.#gate.end()
      throw err
    }
    return this.#served(choice, request, recommendation)
  }

  #choice (request: RecommendRequest, key: string | undefined): ArmChoice {
    return this.#o.choose?.(key ?? request.userId) ?? this.#serving
  }

  /** Gives the answer its id and records the impression; ends the serving begun by the caller. */
  #served (choice: ArmChoice, request: RecommendRequest, recommendation: Recommendation): Served {
    const { recorder, tasks, now = Date.now, newId = randomUUID } = this.#o
    const served = { recommendation, recommendationId: newId() }
    const recorded = recorder.record({
      id: served.recommendationId,
      userId: request.userId ?? null,
      version: recommendation.modelVersion,
      arm: choice.arm,
      experimentId: choice.experimentId,
      items: shownIds(recommendation.items),
      ts: now()
    })
    const { after } = choice
    if (after !== undefined && tasks !== undefined) {
      tasks.run('shadow', async () => {
        await this.#gate.whenQuiet()
        after(request, served, recorded)
      })
    } else {
      after?.(request, served, recorded)
    }
    this.#gate.end()
    return served
  }

  /** `after` calls waiting for serving to go quiet. */
  get waiting (): number {
    return this.#gate.waiting
  }
}

// a cached answer's frozen list is shown again and again: its ids are listed once, frozen, and
// the impression log and the online metrics know a list they have already counted by identity
const idsOfList = new WeakMap<readonly RecommendedItem[], readonly string[]>()

function shownIds (items: readonly RecommendedItem[]): readonly string[] {
  if (!Object.isFrozen(items)) return items.map((item) => item.itemId)
  let ids = idsOfList.get(items)
  if (ids === undefined) {
    ids = Object.freeze(items.map((item) => item.itemId))
    idsOfList.set(items, ids)
  }
  return ids
}
