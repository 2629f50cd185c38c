import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, describe, it } from 'node:test'
import { Random } from '../../src/data/random.js'
import { AnnIndex, buildAnnIndex } from '../../src/models/ann/ann-index.js'
import { CompactMatrix } from '../../src/models/compact-matrix.js'
import { ItemMatrixScorer } from '../../src/models/item-matrix-scorer.js'
import { fetchCount, MAX_FETCH, MIN_FETCH, rankBatchAnn } from '../../src/serving/ann-ranker.js'
import { AnnRetrieval } from '../../src/serving/ann-retrieval.js'
import { biasHead } from '../../src/serving/bias-head.js'
import { rankBatch, type RankJob } from '../../src/serving/block-ranker.js'
import type { Allowed } from '../../src/serving/servable.js'

const numItems = 2000
const width = 9
const rng = new Random(5)
const matrix = Float32Array.from({ length: numItems * width }, (_, i) => i % width === width - 1 ? -0.2 * Math.log(1 + Math.floor(i / width)) : rng.normal())
const users = Array.from({ length: 24 }, () => Float32Array.from({ length: width }, (_, d) => d === width - 1 ? 1 : rng.normal()))
// a dense graph built on one thread (the same graph every run), searched as broadly as the catalogue:
// every item is then reached
const built = buildAnnIndex(matrix, width, { connectivity: 32, expansionAdd: 256, threads: 1 })
const exhaustive = new AnnIndex(built.bytes, built.params, numItems)
const compact = new CompactMatrix(matrix, width, 'float32')
const exact = new ItemMatrixScorer(matrix, width)
const retrieval = new AnnRetrieval(exhaustive, compact, new Int32Array(0))
// the same graph with a head of 100 items: each head item is also among the graph's candidates
const withHead = new AnnRetrieval(new AnnIndex(built.bytes, built.params, numItems), compact, biasHead(compact, true, 100))
after(() => {
  retrieval.dispose()
  withHead.dispose()
  exact.dispose()
})

const jobs = (depth: number, allowed?: Allowed): RankJob[] => users.map((vector) => ({ vector, depth, allowed }))

function mask (keep: (i: number) => boolean): Uint8Array {
  return Uint8Array.from({ length: numItems }, (_, i) => keep(i) ? 1 : 0)
}

describe('rankBatchAnn', () => {
  it('returns the exact top-k, scores included, with an exhaustive search, with and without a head', async () => {
    for (const [name, source] of [['no head', retrieval], ['head', withHead]] as const) {
      for (const depth of [10, 50]) {
        const got = await rankBatchAnn(source, jobs(depth))
        const want = await rankBatch(exact, jobs(depth))
        got.forEach((g, r) => {
          assert.deepEqual(Array.from(g.items), Array.from(want[r].items), `${name}: user ${r} depth ${depth}`)
          g.scores.forEach((s, j) => assert.ok(Math.abs(s - want[r].scores[j]) <= 1e-4 * Math.max(1, Math.abs(s))))
        })
      }
    }
  })

  it('ranks the same with the search on its own thread (a memory-mapped index), and the thread ends with the retrieval', async () => {
    const mapped = await AnnIndex.open(built.bytes, built.params, numItems)
    const threaded = new AnnRetrieval(mapped, compact, biasHead(compact, true, 100))
    try {
      assert.equal(threaded.threaded, true)
      assert.equal(withHead.threaded, false, 'an index held in memory is searched on the calling thread')
      const half = mask((i) => i % 2 === 0)
      // two batches at once, as two versions' batchers may ask
      const [got, filtered] = await Promise.all([rankBatchAnn(threaded, jobs(30)), rankBatchAnn(threaded, jobs(20, half))])
      const [want, wantFiltered] = [await rankBatchAnn(withHead, jobs(30)), await rankBatchAnn(withHead, jobs(20, half))]
      assert.deepEqual(got.map((g) => Array.from(g.items)), want.map((w) => Array.from(w.items)))
      assert.deepEqual(filtered.map((g) => Array.from(g.items)), wantFiltered.map((w) => Array.from(w.items)))
    } finally {
      threaded.dispose()
    }
  })

  it('searches on the event loop once the search thread fails, with the same answers', async () => {
    const mapped = await AnnIndex.open(built.bytes, built.params, numItems)
    // the thread's own view of the file fails (the file is gone); the serving view stays mapped
    rmSync(mapped.file!)
    const failing = new AnnRetrieval(mapped, compact, biasHead(compact, true, 100))
    try {
      const got = await rankBatchAnn(failing, jobs(30))
      assert.equal(failing.threaded, false, 'the failed thread is dropped')
      const want = await rankBatchAnn(withHead, jobs(30))
      assert.deepEqual(got.map((g) => Array.from(g.items)), want.map((w) => Array.from(w.items)))
    } finally {
      failing.dispose()
    }
  })

  it('returns only allowed items, and depth of them when enough are allowed, through the index and through the scan', async () => {
    const filters = [
      mask((i) => i % 2 === 0), // half: the index, fetching twice as many
      mask((i) => i % 50 === 0), // 40 items: too selective for the graph, scanned
      mask((i) => i < 3) // fewer than depth: all of them
    ]
    assert.ok(fetchCount(10, filters[0], numItems) !== undefined)
    assert.equal(fetchCount(10, filters[1], numItems), undefined)
    for (const source of [retrieval, withHead]) {
      for (const allowed of filters) {
        const allowedCount = allowed.reduce((a, b) => a + b, 0)
        const got = await rankBatchAnn(source, jobs(20, allowed))
        const want = await rankBatch(exact, jobs(20, allowed))
        got.forEach((g, r) => {
          assert.equal(g.items.length, Math.min(20, allowedCount))
          assert.ok(Array.from(g.items).every((i) => allowed[i] === 1), 'a filtered-out item came back')
          assert.deepEqual(Array.from(g.items), Array.from(want[r].items))
        })
      }
    }
  })

  it('ranks each user of a batch mixing filters as it ranks that user alone', async () => {
    const half = mask((i) => i % 2 === 0)
    const mixed: RankJob[] = users.map((vector, r) => ({ vector, depth: 10 + r, allowed: r % 3 === 0 ? half : undefined }))
    const together = await rankBatchAnn(withHead, mixed)
    for (const [r, job] of mixed.entries()) {
      const [alone] = await rankBatchAnn(withHead, [job])
      assert.deepEqual(Array.from(together[r].items), Array.from(alone.items), `user ${r}`)
    }
  })

  it('falls back to scoring every allowed item when the candidates hold too few of them', async () => {
    // allowed: the items each user likes least, which the nearest candidates never reach
    const user = users[0]
    const order = Array.from({ length: numItems }, (_, i) => i).sort((a, b) => compact.dot(a, user) - compact.dot(b, user))
    const worst = new Set(order.slice(0, 250))
    const allowed = mask((i) => worst.has(i))
    const fetch = fetchCount(10, allowed, numItems)
    assert.ok(fetch !== undefined && fetch < numItems - 250, 'the index is asked, and its candidates cannot reach the allowed items')
    const [got] = await rankBatchAnn(retrieval, [{ vector: user, depth: 10, allowed }])
    const [want] = await rankBatch(exact, [{ vector: user, depth: 10, allowed }])
    assert.equal(got.items.length, 10)
    assert.deepEqual(Array.from(got.items), Array.from(want.items))
  })

  it('scores the highest-bias head with every user\'s candidates, even where the graph does not reach it', async () => {
    const head = biasHead(compact, true, 100)
    assert.equal(head.length, 100)
    assert.deepEqual(Array.from(head), Array.from({ length: 100 }, (_, i) => i), 'the bias falls with the index here')
    // a graph over other vectors: its candidates are unrelated to the scores
    const other = Float32Array.from({ length: numItems * width }, () => rng.normal())
    const decoyBuilt = buildAnnIndex(other, width)
    const decoy = new AnnRetrieval(new AnnIndex(decoyBuilt.bytes, decoyBuilt.params), compact, head)
    try {
      const user = Float32Array.from({ length: width }, (_, d) => d === width - 1 ? 100 : 0)
      const [got] = await rankBatchAnn(decoy, [{ vector: user, depth: 10, allowed: undefined }])
      assert.deepEqual(Array.from(got.items), Array.from({ length: 10 }, (_, i) => i), 'a user who ranks by bias alone gets the head')
    } finally {
      decoy.dispose()
    }
    assert.equal(biasHead(compact, false).length, 0)
  })

  it('fetches at least MIN_FETCH candidates, more for a filter, and scans past MAX_FETCH or when nothing is allowed', () => {
    assert.equal(fetchCount(10, undefined, 1_000_000), MIN_FETCH)
    assert.equal(fetchCount(200, undefined, 1_000_000), 400)
    assert.equal(fetchCount(10, undefined, MIN_FETCH), undefined)
    assert.equal(fetchCount(10, new Uint8Array(100), 100), 0)
    const tenth = Uint8Array.from({ length: 100_000 }, (_, i) => i % 10 === 0 ? 1 : 0)
    assert.equal(fetchCount(10, tenth, 100_000), 10 * MIN_FETCH)
    assert.equal(fetchCount(MAX_FETCH, tenth, 100_000), undefined)
  })
})
