import type { RedisConnection, StoreLogger } from './redis-client.js'
import { StoreError, StoreUnavailableError } from './store-error.js'

/** What a store wrapper needs of a breaker. */
export interface Circuit {
  /** True while Redis is treated as away: calls fail at once and answers come from memory. */
  readonly open: boolean
  /** Runs `command` unless the breaker is open (then rejects with CircuitOpenError at once); its outcome counts (a StoreError does not). */
  call: <T>(command: () => Promise<T>) => Promise<T>
}

export interface RedisCircuitOptions {
  client: RedisConnection
  /** Consecutive failed commands that open the breaker. */
  failuresToOpen?: number
  /** How often Redis is pinged: to notice a stall while closed, to find it back while open. */
  pingIntervalMs?: number
  /** A ping unanswered for this long opens the breaker. */
  pingTimeoutMs?: number
  /** Called on every transition: true when the breaker opens. */
  onChange?: (open: boolean) => void
  log?: StoreLogger
}

const DEFAULTS = { failuresToOpen: 3, pingIntervalMs: 250, pingTimeoutMs: 300 }

export class CircuitOpenError extends StoreUnavailableError {
  override readonly code: string = 'REDIS_CIRCUIT_OPEN'

  constructor () {
    super('redis circuit open: not called')
    this.name = 'CircuitOpenError'
  }
}

export function isCircuitOpen (err: unknown): boolean {
  return err instanceof CircuitOpenError
}

/**
 * One breaker per Redis client, shared by every store on it. It opens when the connection
 * closes, after `failuresToOpen` consecutive failed commands, or when a PING goes unanswered for
 * `pingTimeoutMs` (a stalled server keeps its sockets open, so only silence tells). While open,
 * `call` fails at once without touching Redis; a PING every `pingIntervalMs` (or the client's
 * reconnect) closes it again. `close()` releases the timer and the listeners; idempotent.
 */
export class RedisCircuit implements Circuit {
  readonly #client: RedisConnection
  readonly #failuresToOpen: number
  readonly #pingTimeoutMs: number
  readonly #onChange: RedisCircuitOptions['onChange']
  readonly #log: StoreLogger | undefined
  readonly #interval: NodeJS.Timeout
  #open: boolean
  #failures = 0
  #pinging = false
  #deadline: NodeJS.Timeout | undefined
  #closed = false

  constructor (options: RedisCircuitOptions) {
    const { failuresToOpen, pingIntervalMs, pingTimeoutMs } = { ...DEFAULTS, ...withoutUndefined(options) }
    this.#client = options.client
    this.#failuresToOpen = failuresToOpen
    this.#pingTimeoutMs = pingTimeoutMs
    this.#onChange = options.onChange
    this.#log = options.log
    this.#open = this.#client.status !== 'ready'
    this.#client.on('ready', this.#onReady)
    this.#client.on('close', this.#onClose)
    this.#interval = setInterval(() => this.#ping(), pingIntervalMs)
  }

  get open (): boolean {
    return this.#open
  }

  async call<T> (command: () => Promise<T>): Promise<T> {
    if (this.#open) throw new CircuitOpenError()
    try {
      const result = await command()
      this.#failures = 0
      return result
    } catch (err) {
      // a store's own verdict (invalid input, too few replicas in time) is no sign that Redis is away
      if (!(err instanceof StoreError) && ++this.#failures >= this.#failuresToOpen) this.#set(true, { reason: 'commands failing', err })
      throw err
    }
  }

  close (): void {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#interval)
    clearTimeout(this.#deadline)
    this.#client.off('ready', this.#onReady)
    this.#client.off('close', this.#onClose)
  }

  readonly #onReady = (): void => { this.#set(false, { reason: 'connected' }) }
  readonly #onClose = (): void => { this.#set(true, { reason: 'connection closed' }) }

  #ping (): void {
    if (this.#pinging || this.#client.status !== 'ready') return
    this.#pinging = true
    let settled = false
    // the verdict waits one more turn of the event loop, so that a reply that arrived while the
    // loop was busy is read before the silence is held against Redis
    this.#deadline = setTimeout(() => setImmediate(() => {
      if (!settled && !this.#closed) this.#set(true, { reason: 'ping unanswered', timeoutMs: this.#pingTimeoutMs })
    }), this.#pingTimeoutMs)
    this.#client.ping().then(() => {
      this.#failures = 0
      if (!this.#closed) this.#set(false, { reason: 'ping answered' })
    }, (err: unknown) => {
      if (!this.#closed) this.#set(true, { reason: 'ping failed', err })
    }).finally(() => {
      settled = true
      this.#pinging = false
      clearTimeout(this.#deadline)
    })
  }

  #set (open: boolean, details: object): void {
    if (open === this.#open) return
    this.#open = open
    if (!open) this.#failures = 0
    if (open) this.#log?.warn({ event: 'redis_circuit_open', ...details }, 'redis circuit open: answering from memory')
    else this.#log?.info({ event: 'redis_circuit_closed', ...details }, 'redis circuit closed: using redis again')
    try {
      this.#onChange?.(open)
    } catch (err) {
      this.#log?.error({ err }, 'redis circuit onChange callback threw')
    }
  }
}

function withoutUndefined<T extends object> (options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>
}
