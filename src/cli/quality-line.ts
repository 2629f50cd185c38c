import type { EvaluationResult } from '../distill/evaluation/evaluate.js'
import { fixed } from './table.js'

/** The line train:teacher and distill print for the model they trained: its test figures, size and training time. */
export function qualityLine (label: string, r: EvaluationResult, params: number, seconds: number): string {
  return `${label}: test NDCG@10 ${fixed(r.ndcg)}, HR@10 ${fixed(r.hr)}, MRR ${fixed(r.mrr)}, tail recall@10 ${fixed(r.tailRecall)}, ` +
    `coverage@10 ${fixed(r.coverage)}; ${params} parameters, trained in ${seconds.toFixed(1)}s`
}
