import { startRedisCluster, startRedisSentinels } from '../test/helpers/redis-topology.js'
import { createRedisConnection } from '../src/stores/redis-connection.js'
import { waitForRedis, closeRedis } from '../src/stores/redis-client.js'
const t0 = Date.now()
const [c, s] = await Promise.all([startRedisCluster({ basePort: 7190 - 10 }), startRedisSentinels({ basePort: 7190 })])
console.log('started in', Date.now() - t0, 'ms')
for (const d of [c, s]) {
  const client = createRedisConnection(d.topology, { log: console })
  console.log(d.topology.mode, await waitForRedis(client, 5000))
  await client.set('a', '1'); console.log(await client.get('a'), await d.primaryPort())
  await closeRedis(client)
}
await c.stop(); await s.stop()
console.log('done', Date.now() - t0)
