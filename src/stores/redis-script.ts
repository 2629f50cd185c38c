import { createHash } from 'node:crypto'
import type { RedisConnection } from './redis-client.js'

/**
 * A Lua script run by its SHA1 (EVALSHA), sent whole (EVAL) only when Redis does not have it
 * yet: after a restart or SCRIPT FLUSH. A NOSCRIPT reply ran nothing, so the resend cannot
 * apply the script twice.
 */
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
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err
      return await client.eval(this.#source, keys.length, ...keys, ...args)
    }
  }
}
