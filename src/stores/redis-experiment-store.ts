import type { RedisConnection } from './redis-client.js'
import { hashTag } from './redis-keys.js'
import type { Experiment, ExperimentState, ExperimentStore, NewExperiment } from './experiment-store.js'
import { RedisScript } from './redis-script.js'
import { StoreError } from './store-error.js'

// KEYS: current, next; ARGV: key prefix, the new experiment as JSON without its id
const CREATE = new RedisScript(`
local current = redis.call('GET', KEYS[1])
if current then return {0, tonumber(current)} end
local id = redis.call('INCR', KEYS[2])
local experiment = cjson.decode(ARGV[2])
experiment.id = id
redis.call('SET', ARGV[1] .. id, cjson.encode(experiment))
redis.call('SET', KEYS[1], id)
return {1, id}`)

// KEYS: experiment, current; ARGV: id, from, the changed experiment as JSON, unfinished (1/0)
const TRANSITION = new RedisScript(`
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
if cjson.decode(raw).state ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[3])
if ARGV[4] == '0' and redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 1`)

export interface RedisExperimentStoreOptions {
  /** Owned by the caller. */
  client: RedisConnection
  /**
   * `${prefix}exp:<id>` per experiment (JSON), `exp:current` the unfinished one's id, `exp:next` the
   * id counter; on a cluster `${prefix}{exp}:...`, one slot, as the create script builds a key.
   */
  prefix: string
}

/** Experiments in Redis, shared by every replica; creation and state changes are one script each. */
export class RedisExperimentStore implements ExperimentStore {
  readonly #client: RedisConnection
  readonly #prefix: string

  constructor ({ client, prefix }: RedisExperimentStoreOptions) {
    this.#client = client
    this.#prefix = `${prefix}${hashTag('exp', client.isCluster)}:`
  }

  async create (fields: NewExperiment): Promise<{ created: Experiment } | { running: number }> {
    const body = { ...fields, state: 'running', endedAt: null, reason: null }
    // cjson drops null fields: they are restored on reading
    const [created, id] = await CREATE.run(this.#client, [this.#prefix + 'current', this.#prefix + 'next'], [this.#prefix, JSON.stringify(body)]) as [number, number]
    if (created === 0) return { running: Number(id) }
    const experiment = await this.get(Number(id))
    if (experiment === null) throw new StoreError('EXPERIMENT_CORRUPT', `experiment ${id} vanished after it was created`)
    return { created: experiment }
  }

  async get (id: number): Promise<Experiment | null> {
    const raw = await this.#client.get(this.#prefix + id)
    return raw === null ? null : parse(raw)
  }

  async current (): Promise<Experiment | null> {
    const id = await this.#client.get(this.#prefix + 'current')
    return id === null ? null : await this.get(Number(id))
  }

  async transition (id: number, from: ExperimentState, to: ExperimentState, fields: Partial<Pick<Experiment, 'endedAt' | 'reason'>> = {}): Promise<Experiment | null> {
    const found = await this.get(id)
    if (found === null || found.state !== from) return null
    const next: Experiment = { ...found, ...fields, state: to }
    const unfinished = to === 'running' || to === 'promoting'
    const done = await TRANSITION.run(this.#client, [this.#prefix + id, this.#prefix + 'current'], [String(id), from, JSON.stringify(next), unfinished ? '1' : '0'])
    return Number(done) === 1 ? next : null
  }

  async close (): Promise<void> {}
}

function parse (raw: string): Experiment {
  const experiment = JSON.parse(raw) as Experiment
  experiment.endedAt ??= null
  experiment.reason ??= null
  return experiment
}
