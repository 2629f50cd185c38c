import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { Drain } from './http/drain.js'
import { createLogger } from './logger.js'
import { createServices } from './services.js'

// What the drain leaves of SHUTDOWN_TIMEOUT_MS for closing the stores (Redis, the event log).
const CLOSE_RESERVE_MS = 1500

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
  // after admission's own preClose (every request now gets 503 SHUTTING_DOWN), before Fastify
  // closes the port: connections the kernel already queued are accepted and answered, not reset
  app.addHook('preClose', async () => await drain.acceptQueued())

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
      // app.close refuses every new request (503), accepts what is queued, closes the port and
      // resolves once settle has closed the last connection
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

main().catch((err: unknown) => {
  process.stderr.write(`distillrec: failed to start: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
