import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { EvalCase } from '../src/data/split.js'
import { evaluate, topKOverlap, type EvaluationResult } from '../src/distill/evaluation/evaluate.js'
import { saveModel } from '../src/models/artifact/model-io.js'
import type { Scorer } from '../src/models/scorer.js'
import type { SequenceModel } from '../src/models/sequence-model.js'
import { topK } from '../src/models/top-k.js'

/** One row of one seed: quality on the test split plus cost figures. */
export interface Measured extends EvaluationResult {
  model: string
  params: number | null
  artifactKb: number | null
  usPerRequest: number
  trainSeconds: number
  /** Top-10 overlap with the same seed's teacher; null for the teacher itself and baselines. */
  teacherOverlap: number | null
  /**
   * Students only: the median serving cost `--student auto` judges on (servingCostMs, in µs: the
   * user vector and the scores with an item matrix built once, as a replica serves). `usPerRequest`
   * scores through `scoreBatch`, which builds a student's matrix tensors on every call.
   */
  servingUs?: number | null
}

export interface MeasureContext {
  test: readonly EvalCase[]
  tailItems: Uint8Array
  itemIds: readonly string[]
  fingerprint: string
  /** Requests timed for us/request. */
  requests: number
}

export async function measure (label: string, scorer: Scorer, ctx: MeasureContext, extra: {
  trainSeconds: number
  model?: SequenceModel & { config: { numItems: number } }
  teacher?: Scorer
}): Promise<Measured> {
  const result = evaluate(scorer, ctx.test, { k: 10, tailItems: ctx.tailItems })
  return {
    model: label,
    ...result,
    params: extra.model?.paramCount() ?? null,
    artifactKb: extra.model ? await artifactKb(extra.model, ctx) : null,
    usPerRequest: usPerRequest(scorer, ctx.test, ctx.requests),
    trainSeconds: extra.trainSeconds,
    teacherOverlap: extra.teacher ? topKOverlap(extra.teacher, scorer, ctx.test, 10) : null
  }
}

/**
 * Serving cost of one request on this process's backend: score one history, mask it, take the
 * top 10. Measured after a few warm-up calls, over the first `requests` test histories.
 */
export function usPerRequest (scorer: Scorer, cases: readonly EvalCase[], requests: number): number {
  const sample = cases.slice(0, Math.max(1, Math.min(requests, cases.length)))
  const mask = new Uint8Array(scorer.numItems)
  const run = (c: EvalCase): void => {
    const [row] = scorer.scoreBatch([c.history], [c.user])
    for (const item of c.history) mask[item] = 1
    topK(row, 10, mask)
    for (const item of c.history) mask[item] = 0
  }
  for (const c of sample.slice(0, 20)) run(c)
  const started = performance.now()
  for (const c of sample) run(c)
  return ((performance.now() - started) * 1000) / sample.length
}

/** Size on disk of the model saved as an artifact version (all four files). */
async function artifactKb (model: SequenceModel & { config: { numItems: number } }, ctx: MeasureContext): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'distillrec-bench-'))
  try {
    const saved = await saveModel(dir, model, { itemIds: ctx.itemIds, datasetFingerprint: ctx.fingerprint })
    let bytes = 0
    for (const name of await readdir(saved.dir)) bytes += (await stat(join(saved.dir, name))).size
    return bytes / 1024
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export function seconds (from: number): number {
  return (performance.now() - from) / 1000
}
