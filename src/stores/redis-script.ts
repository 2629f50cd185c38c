import { createHash } from 'node:crypto'
import type { RedisConnection } from './redis-client.js'

/**
 * A Lua script run by its SHA1 (EVALSHA), sent whole (EVAL) only when Redis does not have it
 * yet: after a restart or SCRIPT FLUSH. A NOSCRIPT reply ran nothing, so the resend cannot
 * apply the script twice.
 */
function isNoScript (err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT')
}

export class RedisScript {
  readonly #source: string
  readonly #sha: string

  constructor (source: string) {
    this.#source = source
    this.#sha = createHash('sha1').update(source).digest('hex')
  }

  async run (client: RedisConnection, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, keys.length, ...keys, ...args)
    } catch (err) {
      if (!isNoScript(err)) throw err
      return await client.eval(this.#source, keys.length, ...keys, ...args)
    }
  }

  /**
   * Runs the script, then `WAIT replicas timeoutMs` right behind it on the same connection (one
   * pipeline: on a cluster, the node that owns the keys' slot), so the count says how many replicas
   * have every write this connection made up to and including the script's.
   */
  async runReplicated (client: RedisConnection, keys: readonly string[], args: ReadonlyArray<string | number>, replicas: number, timeoutMs: number): Promise<{ result: unknown, replicas: number }> {
    const attempt = async (whole: boolean): Promise<{ result: unknown, replicas: number }> => {
      const pipeline = client.pipeline()
      if (whole) pipeline.eval(this.#source, keys.length, ...keys, ...args)
      else pipeline.evalsha(this.#sha, keys.length, ...keys, ...args)
      pipeline.wait(replicas, timeoutMs)
      const [[scriptErr, result], [waitErr, acked]] = await pipeline.exec() ?? [[new Error('pipeline discarded'), null], [null, 0]]
      if (scriptErr !== null) throw scriptErr
      if (waitErr !== null) throw waitErr
      return { result, replicas: Number(acked) }
    }
    try {
      return await attempt(false)
    } catch (err) {
      if (!isNoScript(err)) throw err
      return await attempt(true)
    }
  }
}
