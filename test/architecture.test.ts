import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { cycles, importEdges, reach } from './helpers/import-graph.js'

/**
 * The rules docs/architecture.md states, checked on the import graph of src/. A room is a
 * top-level folder of src/ (or a top-level file); a room may import rooms of a lower rank only.
 */
const RANKS: Record<string, number> = {
  data: 0,
  'errors.ts': 0,
  'logger.ts': 0,
  tf: 1,
  threads: 1,
  models: 2,
  'config.ts': 2,
  metrics: 3,
  stores: 4,
  versions: 5,
  distill: 5,
  serving: 6,
  events: 6,
  report: 6,
  worker: 7,
  experiments: 7,
  http: 8,
  cli: 8,
  'services.ts': 9,
  'app.ts': 10,
  'server.ts': 11,
  'worker.ts': 11
}
const EDGE_FILES = new Set(['app.ts', 'server.ts'])

const edges = importEdges(fileURLToPath(new URL('../src/', import.meta.url)))
const room = (file: string): string => file.split('/')[0]
const local = edges.filter((e) => e.to.endsWith('.ts'))

describe('the architecture (docs/architecture.md)', () => {
  it('reads a graph of the whole tree', () => {
    assert.ok(local.length > 300, `${local.length} imports`)
  })

  it('gives every room a rank', () => {
    const rooms = new Set(local.flatMap((e) => [room(e.from), room(e.to)]))
    assert.deepEqual([...rooms].filter((r) => RANKS[r] === undefined), [])
  })

  it('has no upward arrow: a room imports only rooms of a lower rank', () => {
    const upward = local
      .filter((e) => room(e.from) !== room(e.to) && RANKS[room(e.to)] >= RANKS[room(e.from)])
      .map((e) => `${e.from} -> ${e.to}`)
    assert.deepEqual(upward, [])
  })

  it('has no import circle, type imports included', () => {
    assert.deepEqual(cycles(local).map((c) => c.join(' -> ')), [])
  })

  it('keeps Fastify at the edge: nothing below http/ imports it', () => {
    const fastify = edges.filter((e) => /^(fastify|@fastify\/)/.test(e.to) && !e.from.startsWith('http/') && !EDGE_FILES.has(e.from))
    assert.deepEqual(fastify.map((e) => `${e.from} -> ${e.to}`), [])
  })

  it('lets the stores move bytes without loading TF.js', () => {
    const loaders = local.map((e) => e.from).filter((f, i, all) => f.startsWith('stores/') && all.indexOf(f) === i)
    for (const file of loaders) {
      const reached = reach(edges, file)
      assert.deepEqual([...reached].filter((s) => s.startsWith('@tensorflow/')), [], `${file} loads TF.js`)
    }
  })
})
