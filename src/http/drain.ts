import type { Server, ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'

// During a drain, a kept-alive socket that carried no request for this long is closed; one that
// does carry one gets its answer with Connection: close first.
const DRAIN_QUIET_MS = 250
const DRAIN_POLL_MS = 20
// The port stays open until no connection has arrived for this long, at most ACCEPT_MAX_MS.
const ACCEPT_QUIET_MS = 100
const ACCEPT_MAX_MS = 2000
const RETRY_AFTER_SECONDS = '1'
// Responses held before the answered ones are first dropped. Small: every answered response the
// array still holds (its request, headers and buffers with it) survives a young-generation
// collection, and 256 of them made a scavenge copy 0.4-2.5 MB instead of about 0.05 (hit load,
// 50 connections); the prune still costs about two reads per request, as it runs once the
// array has doubled.
const MIN_PRUNE = 16

/**
 * Closes an HTTP server without resetting a connection a client may be sending on. Node's
 * `server.close()` destroys idle kept-alive sockets at once, and a request already on its way
 * on one is then reset; instead, during the drain every answer carries `Connection: close` (and
 * `Retry-After` on the refusals of requests that arrive meanwhile), and the sockets that stay
 * idle are closed only once no request has come for DRAIN_QUIET_MS. Connections the kernel has
 * queued but Node not yet accepted would be reset by closing the port: acceptQueued keeps it open
 * until they are in.
 */
export class Drain {
  readonly #server: Server
  // an array, not a Set: a push costs less than hashing the response into a set, on every request
  readonly #responses: ServerResponse[] = []
  #connections = 0
  #lastConnection = 0
  #lastRequest = 0
  #draining = false
  #pruneAt = MIN_PRUNE

  constructor (server: Server) {
    this.#server = server
    server.on('connection', (socket) => {
      this.#connections++
      this.#lastConnection = performance.now()
      socket.once('close', () => { this.#connections-- })
    })
    // ahead of Fastify's listener, so the headers are set before its answer is written
    server.prependListener('request', (_request, response: ServerResponse) => {
      this.#lastRequest = performance.now()
      if (this.#draining) {
        response.setHeader('connection', 'close')
        response.setHeader('retry-after', RETRY_AFTER_SECONDS)
      }
      // no 'close' listener per response (a cost on every request): the closed ones are dropped
      // whenever the set has doubled, and before it is read
      this.#responses.push(response)
      if (this.#responses.length >= this.#pruneAt) this.#prune()
    })
  }

  get inFlight (): number {
    this.#prune()
    return this.#responses.length
  }

  get connections (): number { return this.#connections }

  /** From now on every answer closes its connection; idle sockets stay open until settle. */
  begin (): void {
    this.#draining = true
    this.#lastRequest = performance.now()
    for (const response of this.#responses) {
      if (!response.headersSent) response.setHeader('connection', 'close')
    }
    // http.Server#close calls it: the idle sockets are closed by settle instead
    this.#server.closeIdleConnections = () => {}
  }

  /**
   * Resolves once no connection has been accepted for ACCEPT_QUIET_MS (or after ACCEPT_MAX_MS):
   * Node accepts what the kernel has queued within a turn or two of the event loop, while a
   * port closed with connections still queued resets them, whatever their clients had sent.
   */
  async acceptQueued (): Promise<void> {
    const deadline = performance.now() + ACCEPT_MAX_MS
    while (performance.now() - this.#lastConnection < ACCEPT_QUIET_MS && performance.now() < deadline) await sleep(DRAIN_POLL_MS)
  }

  /**
   * Resolves once every connection is closed: the idle ones after the requests in flight are
   * answered and DRAIN_QUIET_MS passed without a new one; all of them at `deadline` at the latest.
   */
  async settle (deadline: number): Promise<void> {
    const quiet = (): boolean => this.#connections === 0 ||
      (this.inFlight === 0 && performance.now() - this.#lastRequest >= DRAIN_QUIET_MS)
    while (!quiet() && performance.now() < deadline) await sleep(DRAIN_POLL_MS)
    // the own property set by begin goes: the prototype's method closes the idle sockets
    delete (this.#server as Partial<Server>).closeIdleConnections
    this.#server.closeIdleConnections()
    while (this.#connections > 0 && performance.now() < deadline) await sleep(DRAIN_POLL_MS)
    if (this.#connections > 0) this.#server.closeAllConnections()
  }

  /** Drops the responses that are closed (answered, or their connection gone). */
  #prune (): void {
    const responses = this.#responses
    let kept = 0
    for (const response of responses) if (!response.closed) responses[kept++] = response
    responses.length = kept
    this.#pruneAt = Math.max(MIN_PRUNE, 2 * kept)
  }
}
