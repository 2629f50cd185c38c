import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { buildDataset } from '../src/data/build-dataset.js'
import { readInteractions } from '../src/data/interaction-reader.js'
import { loadStudent } from '../src/models/artifact/model-io.js'
import { ItemMatrixScorer } from '../src/models/item-matrix-scorer.js'
import { rankBatch } from '../src/serving/block-ranker.js'

export interface ServedRecall {
  users: number
  /** Mean over users of |served top-10 ∩ exact top-10| / |exact top-10|. */
  recall: number
  /** Users whose served list was shorter than k. */
  short: number
  seconds: number
}

const K = 10
const BATCH = 32

/**
 * Recall@10 of the served list against exact scoring: `GET /recommend?userId&k=10` (seen items
 * excluded, as by default) for `count` users spread over the catalogue's users, against the
 * exact top-10 of the same student version over every item with the same seen items left out
 * (the user's last `maxHistory` events, what the service excludes).
 */
export async function servedRecall (origin: string, env: Record<string, string>, count: number, maxHistory = 200): Promise<ServedRecall> {
  const started = performance.now()
  const { interactions } = await readInteractions(env.DATA_PATH)
  const dataset = buildDataset(interactions)
  const { model } = await loadStudent(env.MODELS_DIR)
  const encoder = model.encoder()
  model.dispose()
  const scorer = new ItemMatrixScorer(encoder.itemMatrix(), encoder.servingDim)
  const step = Math.max(1, Math.floor(dataset.users.size / count))
  const users = Array.from({ length: Math.min(count, dataset.users.size) }, (_, i) => i * step)
  let recall = 0
  let short = 0
  try {
    for (let start = 0; start < users.length; start += BATCH) {
      const chunk = users.slice(start, start + BATCH)
      const seen = chunk.map((u) => new Set(dataset.sequences[u].slice(-maxHistory)))
      const exact = await rankBatch(scorer, chunk.map((u, r) => ({ vector: encoder.encode(dataset.sequences[u].slice(-maxHistory)), depth: K + seen[r].size, allowed: undefined })))
      await Promise.all(chunk.map(async (u, r) => {
        const want = Array.from(exact[r].items).filter((i) => !seen[r].has(i)).slice(0, K).map((i) => dataset.items.id(i))
        const body = await served(`${origin}/recommend?userId=${encodeURIComponent(dataset.users.id(u))}&k=${K}`)
        if (body.items.length < K) short++
        const got = new Set(body.items.map((i) => i.itemId))
        recall += want.filter((id) => got.has(id)).length / Math.max(1, want.length)
      }))
      await yieldToLoop()
    }
  } finally {
    scorer.dispose()
  }
  return { users: users.length, recall: recall / users.length, short, seconds: (performance.now() - started) / 1000 }
}

/** One answer's items; a 503 (load shedding on a busy machine) is asked again after its Retry-After, up to 20 times. */
async function served (url: string): Promise<{ items: Array<{ itemId: string }> }> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(url)
    if (res.ok) return await res.json() as { items: Array<{ itemId: string }> }
    const text = await res.text()
    if (res.status !== 503 || attempt >= 20) throw new Error(`${url} answered ${res.status}: ${text.slice(0, 200)}`)
    await new Promise((resolve) => setTimeout(resolve, 1000 * Math.max(0.1, Math.min(2, Number(res.headers.get('retry-after') ?? 1)))))
  }
}

/** The service's resident set size, from its /metrics (prom-client's process metrics). */
export async function serviceRss (origin: string): Promise<number | undefined> {
  const text = await (await fetch(`${origin}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith('process_resident_memory_bytes '))
  return line === undefined ? undefined : Number(line.split(' ')[1])
}
