import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import { RequestLogger } from '../../src/http/request-logger.js'

/** A pino logger at `level` whose lines land in the returned array, parsed. */
function capture (level: string): { logger: pino.Logger, lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({ write (chunk: Buffer, _encoding, done) { lines.push(JSON.parse(chunk.toString())); done() } })
  return { logger: pino({ level, base: { service: 'test' } }, stream), lines }
}

const flush = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

describe('RequestLogger', () => {
  it('writes what the child logger would write, bindings included, and makes the child only for a line at an enabled level', async () => {
    const { logger, lines } = capture('warn')
    let children = 0
    const parent = Object.assign(Object.create(logger) as pino.Logger, { child: (...args: Parameters<pino.Logger['child']>) => { children++; return logger.child(...args) } })
    const log = new RequestLogger(parent, { reqId: 'r-1' }, {})
    log.info({ a: 1 }, 'not at warn')
    log.debug('nor this')
    assert.equal(children, 0)
    assert.equal(log.level, 'warn')
    assert.equal(log.isLevelEnabled('info'), false)
    assert.equal(log.isLevelEnabled('error'), true)
    log.warn({ code: 'X' }, 'shown')
    log.error('also shown')
    await flush()
    assert.equal(children, 1)
    assert.deepEqual(lines.map(({ level, reqId, code, msg, service }) => ({ level, reqId, code, msg, service })), [
      { level: 40, reqId: 'r-1', code: 'X', msg: 'shown', service: 'test' },
      { level: 50, reqId: 'r-1', code: undefined, msg: 'also shown', service: 'test' }
    ])
  })

  it('honours a route\'s own level and serializers, and follows the parent\'s level until its child exists', async () => {
    const { logger, lines } = capture('info')
    const quiet = new RequestLogger(logger, { reqId: 'r-2' }, { level: 'error' })
    quiet.warn('below the route level')
    const loud = new RequestLogger(logger, { reqId: 'r-3' }, { level: 'debug', serializers: { thing: (t: { secret: string }) => ({ shown: t.secret.length }) } })
    loud.debug({ thing: { secret: 'abc' } }, 'debug at the route level')
    const follows = new RequestLogger(logger, { reqId: 'r-4' }, {})
    logger.level = 'error'
    follows.warn('the parent went to error')
    const silent = new RequestLogger(logger, { reqId: 'r-5' }, { level: 'silent' })
    silent.fatal('never')
    await flush()
    assert.deepEqual(lines.map(({ reqId, msg, thing }) => ({ reqId, msg, thing })), [{ reqId: 'r-3', msg: 'debug at the route level', thing: { shown: 3 } }])
  })

  it('gives children of its own that carry its bindings', async () => {
    const { logger, lines } = capture('info')
    new RequestLogger(logger, { reqId: 'r-6' }, {}).child({ component: 'x' }).info('from a grandchild')
    await flush()
    assert.equal(lines[0].reqId, 'r-6')
    assert.equal(lines[0].component, 'x')
  })
})
