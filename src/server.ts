import type { Server, ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { createLogger } from './logger.js'
import { createServices } from './services.js'

// During a drain, a kept-alive socket that carried no request for this long is closed; one that
// does carry one gets its answer with Connection: close first.
const DRAIN_QUIET_MS = 250
const DRAIN_POLL_MS = 20
// What the drain leaves of SHUTDOWN_TIMEOUT_MS for closing the stores (Redis, the event log).
const CLOSE_RESERVE_MS = 1500
const RETRY_AFTER_SECONDS = '1'

/** Process entry point: read config, build services, listen, and drain gracefully on a signal. */
async function main (): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`distillrec: invalid configuration: ${err.message}\n`)
      process.exit(2)
    }
    throw err
  }
  const logger = createLogger(config.logLevel)
  const services = await createServices(config, logger)
  const app = buildApp({ config, services, logger })
  const drain = new Drain(app.server)

  let closing = false
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return
    closing = true
    const { shutdownTimeoutMs } = config
    logger.info({ signal, inFlight: drain.inFlight, connections: drain.connections }, 'shutting down: draining connections')
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: shutdownTimeoutMs }, 'shutdown timed out; exiting')
      process.exit(1)
    }, shutdownTimeoutMs)
    timer.unref()
    try {
      drain.begin()
      const started = performance.now()
      // app.close stops accepting connections (a request that still arrives on an open one is
      // refused, 503) and resolves once settle has closed the last one
      await Promise.all([app.close(), drain.settle(started + Math.max(shutdownTimeoutMs - CLOSE_RESERVE_MS, shutdownTimeoutMs / 2))])
      logger.info({ ms: Math.round(performance.now() - started) }, 'connections drained')
    } finally {
      await services.close()
      clearTimeout(timer)
    }
    logger.info('stopped')
  }
  const onSignal = (signal: string): void => {
    shutdown(signal).catch((err: unknown) => {
      logger.error({ err }, 'shutdown failed')
      process.exit(1)
    })
  }
  process.once('SIGTERM', onSignal)
  process.once('SIGINT', onSignal)
  await app.listen({ port: config.port, host: config.host })
  // after listen: popularity (or the newest student) serves while the first run trains
  await services.worker?.start()
}

/**
 * Closes an HTTP server without resetting a connection a client may be sending on. Node's
 * `server.close()` destroys idle kept-alive sockets at once, and a request already on its way
 * on one is then reset; instead, during the drain every answer carries `Connection: close` (and
 * `Retry-After` on the refusals of requests that arrive meanwhile), and the sockets that stay
 * idle are closed only once no request has come for DRAIN_QUIET_MS.
 */
class Drain {
  readonly #server: Server
  readonly #responses = new Set<ServerResponse>()
  #connections = 0
  #lastRequest = 0
  #draining = false

  constructor (server: Server) {
    this.#server = server
    server.on('connection', (socket) => {
      this.#connections++
      socket.once('close', () => { this.#connections-- })
    })
    // ahead of Fastify's listener, so the headers are set before its answer is written
    server.prependListener('request', (_request, response: ServerResponse) => {
      this.#lastRequest = performance.now()
      if (this.#draining) {
        response.setHeader('connection', 'close')
        response.setHeader('retry-after', RETRY_AFTER_SECONDS)
      }
      this.#responses.add(response)
      response.once('close', () => this.#responses.delete(response))
    })
  }

  get inFlight (): number { return this.#responses.size }
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
   * Resolves once every connection is closed: the idle ones after the requests in flight are
   * answered and DRAIN_QUIET_MS passed without a new one; all of them at `deadline` at the latest.
   */
  async settle (deadline: number): Promise<void> {
    const quiet = (): boolean => this.#connections === 0 ||
      (this.#responses.size === 0 && performance.now() - this.#lastRequest >= DRAIN_QUIET_MS)
    while (!quiet() && performance.now() < deadline) await sleep(DRAIN_POLL_MS)
    // the own property set by begin goes: the prototype's method closes the idle sockets
    delete (this.#server as Partial<Server>).closeIdleConnections
    this.#server.closeIdleConnections()
    while (this.#connections > 0 && performance.now() < deadline) await sleep(DRAIN_POLL_MS)
    if (this.#connections > 0) this.#server.closeAllConnections()
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`distillrec: failed to start: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
