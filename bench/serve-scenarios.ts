/**
 * The request mixes of bench/serve.ts. Each builds its requests for a route, so the hello-world
 * baseline is loaded with exactly the same paths, bodies and generator cost, and the ratio
 * /recommend over hello isolates what the service adds.
 */
import type { Catalogue } from './serve-catalogues.js'
import type { LoadSpec } from './serve-load.js'

export interface Scenario {
  name: string
  /** `cached`: CACHE_TTL_MS default; `uncached`: CACHE_TTL_MS=0, every request ranks. */
  service: 'cached' | 'uncached'
  route: '/recommend' | '/recommend/batch'
  /** Recommendations per request (the batch size), for entries/s. */
  entries: number
  /** Whether a target for cache misses applies. */
  miss: boolean
  /** GET paths sent once before each repeat: they fill the cache for the hit scenario. */
  warmPaths?: readonly string[]
  spec: (route: string) => LoadSpec
}

const RANDOM_HISTORY = 'cache miss (POST, random history)'
export const HIT_USERS = 200
export const BATCH_ENTRIES = 10
const K = 10

export function scenarios (catalogue: Catalogue): Scenario[] {
  const { userIds, itemIds } = catalogue
  const step = Math.max(1, Math.floor(userIds.length / HIT_USERS))
  const repeatUsers = Array.from({ length: Math.min(HIT_USERS, userIds.length) }, (_, i) => userIds[i * step])
  const random = mulberry32(12345)
  const history = (): string => {
    const length = 5 + Math.floor(random() * 16)
    const ids: string[] = []
    for (let i = 0; i < length; i++) ids.push(itemIds[Math.floor(random() * itemIds.length)])
    return `{"history":${JSON.stringify(ids)},"k":${K}}`
  }
  const byUser = (users: readonly string[]) => (route: string): LoadSpec => {
    let n = 0
    return { method: 'GET', next: () => ({ path: `${route}?userId=${encodeURIComponent(users[n++ % users.length])}&k=${K}` }) }
  }
  return [
    { name: 'cache hit (GET, 200 repeat users)', service: 'cached', route: '/recommend', entries: 1, miss: false, warmPaths: repeatUsers.map((u) => `/recommend?userId=${encodeURIComponent(u)}&k=${K}`), spec: byUser(repeatUsers) },
    { name: 'cache miss (GET, distinct users)', service: 'uncached', route: '/recommend', entries: 1, miss: true, spec: byUser(userIds) },
    { name: RANDOM_HISTORY, service: 'uncached', route: '/recommend', entries: 1, miss: true, spec: (route) => ({ method: 'POST', next: () => ({ path: route, body: history() }) }) },
    {
      name: `batch (POST, ${BATCH_ENTRIES} random histories)`,
      service: 'uncached',
      route: '/recommend/batch',
      entries: BATCH_ENTRIES,
      miss: false,
      spec: (route) => ({
        method: 'POST',
        next: () => ({ path: route, body: `{"requests":[${Array.from({ length: BATCH_ENTRIES }, history).join(',')}]}` })
      })
    }
  ]
}

/** The cache-miss scenario by random history, for the soak. */
export function randomHistoryScenario (catalogue: Catalogue): Scenario {
  const found = scenarios(catalogue).find((s) => s.name === RANDOM_HISTORY)
  if (found === undefined) throw new Error(`no scenario named ${RANDOM_HISTORY}`)
  return found
}

/** A small fast seeded generator: load generation must cost little next to the service. */
function mulberry32 (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
