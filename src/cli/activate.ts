/**
 * Rolls a saved student version out to every replica on one Redis (or rolls back to an older one):
 * validates it, copies it into Redis for replicas that lack it on disk, records it as active and
 * announces it; each running replica loads, warms and swaps to it without a failed request.
 *   npm run activate -- --version 3 [--models-dir models]
 */
import { pathToFileURL } from 'node:url'
import { activateVersion } from '../versions/activate.js'
import { RedisModelStore } from '../stores/redis-model-store.js'
import { RedisVersionChannel } from '../stores/redis-version-channel.js'
import { selectBackend } from '../tf/backend.js'
import { parseCli, required, runCli } from './args.js'
import { redisTarget, REDIS_OPTIONS, withRedis } from './redis-target.js'

export const ACTIVATE_SPEC = {
  usage: 'npm run activate --',
  summary: 'Publishes a saved student version to Redis and makes every replica serve it.',
  options: {
    version: { type: 'int', description: 'required: the student version to serve' },
    'models-dir': { type: 'string', default: 'models', description: 'artifact root holding student/ versions' },
    ...REDIS_OPTIONS
  }
} as const

export async function main (argv: readonly string[], print: (line: string) => void = console.log, env: Record<string, string | undefined> = process.env): Promise<{ version: number, published: boolean } | null> {
  const args = parseCli(ACTIVATE_SPEC, argv, (text) => print(text.trimEnd()))
  if (args === null) return null
  const version = required(args.version, 'version')
  const { topology, url, prefix } = redisTarget(args, env)
  await selectBackend()
  const { published } = await withRedis(topology, async (client) => {
    // announcing needs no subscriber: the channel's own subscriber is never started here
    const channel = new RedisVersionChannel({ client, subscriber: client, prefix })
    return await activateVersion({ modelsDir: args['models-dir'], version, store: new RedisModelStore({ client, prefix }), channel })
  })
  print(`student v${version} ${published ? 'published to' : 'already in'} ${url} prefix ${JSON.stringify(prefix)} and activated`)
  return { version, published }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runCli(async () => { await main(process.argv.slice(2)) })
