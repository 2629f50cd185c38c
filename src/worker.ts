/**
 * `npm run worker`: the re-distillation worker as a process of its own, beside API replicas that
 * run with WORKER=off (docker-compose). It shares their Redis (jobs, run lock, versions) and models
 * directory, and serves its own /metrics and /health on WORKER_METRICS_PORT, without Fastify.
 */
import { createServer } from 'node:http'
import { once } from 'node:events'
import { ConfigError, loadConfig } from './config.js'
import { createLogger } from './logger.js'
import { createMetrics } from './metrics/metrics.js'
import { createStores } from './stores/create-stores.js'
import { createWorker } from './worker/create-worker.js'
import { canaryFor } from './experiments/canary.js'

async function main (): Promise<void> {
  let config
  try {
    config = loadConfig()
    if (config.redis === undefined) throw new ConfigError('npm run worker needs REDIS_URL (or REDIS_SENTINELS, REDIS_CLUSTER_NODES): it publishes versions to API replicas through Redis (without Redis, npm start runs the worker embedded)')
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`distillrec worker: invalid configuration: ${err.message}\n`)
      process.exit(2)
    }
    throw err
  }
  const logger = createLogger(config.logLevel)
  const log = logger.child({ component: 'worker' })
  const metrics = createMetrics()
  const stores = await createStores(config, logger, metrics)
  const worker = createWorker({ config, stores, metrics, log, canary: canaryFor(config, stores) })

  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/metrics') {
      metrics.registry.metrics().then((body) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
        () => response.writeHead(500).end())
    } else if (request.method === 'GET' && request.url === '/health') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', running: worker.running ?? null, redis: stores.redisState() }))
    } else {
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ statusCode: 404, code: 'NOT_FOUND', message: 'the worker serves GET /metrics and GET /health' }))
    }
  })
  server.listen(config.workerMetricsPort, config.host)
  await once(server, 'listening')
  const address = server.address()
  log.info({ port: typeof address === 'object' && address !== null ? address.port : config.workerMetricsPort }, 'worker metrics listening')

  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'worker stopping: cancelling any run')
    const timer = setTimeout(() => process.exit(1), config.shutdownTimeoutMs)
    timer.unref()
    worker.stop()
      .then(async () => { server.close(); await stores.close() })
      .then(() => { log.info('worker stopped'); clearTimeout(timer) }, (err: unknown) => { log.error({ err }, 'worker stop failed'); process.exit(1) })
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  await worker.start()
}

main().catch((err: unknown) => {
  process.stderr.write(`distillrec worker: failed to start: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
