/**
 * Trains the SASRec-style teacher on a dataset's leave-one-out train split (early stopping on the
 * validation split), reports held-out test quality, and saves it as the next teacher version:
 *   npm run train:teacher -- --data ../shared/datasets/ml-100k --epochs 20
 */
import { pathToFileURL } from 'node:url'
import { trainTeacher, TEACHER_TRAINING_DEFAULTS, type TeacherLoss } from '../distill/trainer.js'
import { evaluate } from '../distill/evaluate.js'
import { saveModel } from '../models/artifact/model-io.js'
import { Teacher, TEACHER_DEFAULTS } from '../models/teacher.js'
import { selectBackend } from '../tf/backend.js'
import { COMMON_OPTIONS, CliUsageError, learningRateDecay, parseCli, required, runCli, TRAINING_OPTIONS } from './args.js'
import { describeData, loadData } from './load-data.js'
import { qualityLine, savedMetrics } from './report.js'

export const TRAIN_TEACHER_SPEC = {
  usage: 'npm run train:teacher --',
  summary: 'Trains the teacher (causal self-attention over the item sequence) and saves it as the next teacher version.',
  options: {
    ...COMMON_OPTIONS,
    dim: { type: 'int', default: TEACHER_DEFAULTS.dim, description: 'embedding and block width' },
    blocks: { type: 'int', default: TEACHER_DEFAULTS.blocks, description: 'self-attention blocks' },
    heads: { type: 'int', default: TEACHER_DEFAULTS.heads, description: 'attention heads (must divide dim)' },
    'ffn-dim': { type: 'int', default: TEACHER_DEFAULTS.ffnDim, description: 'feed-forward inner width' },
    'max-len': { type: 'int', default: TEACHER_DEFAULTS.maxLen, description: 'longest history read' },
    dropout: { type: 'float', default: TEACHER_DEFAULTS.dropout, description: 'dropout rate while training' },
    loss: { type: 'string', default: 'sampled', description: 'full (softmax over every item) | sampled' },
    negatives: { type: 'int', default: 512, description: 'shared negatives per batch for --loss sampled' },
    'batch-size': { type: 'int', default: TEACHER_TRAINING_DEFAULTS.batchSize, description: 'sequences per step' },
    'learning-rate': { type: 'float', default: TEACHER_TRAINING_DEFAULTS.learningRate, description: 'Adam learning rate' },
    ...TRAINING_OPTIONS
  }
} as const

export async function main (argv: readonly string[], print: (line: string) => void = console.log): Promise<{ version: number | null, ndcg: number } | null> {
  const args = parseCli(TRAIN_TEACHER_SPEC, argv, (text) => print(text.trimEnd()))
  if (args === null) return null
  if (args.loss !== 'full' && args.loss !== 'sampled') throw new CliUsageError(`--loss must be full or sampled, got ${JSON.stringify(args.loss)}`)
  const loss: TeacherLoss = args.loss === 'full' ? { kind: 'full' } : { kind: 'sampled', negatives: args.negatives }
  const lrDecay = learningRateDecay(args['lr-decay'])
  const backend = await selectBackend()
  const data = await loadData(required(args.data, 'data'), args.format, args.seed)
  print(`${describeData(data)}; backend ${backend}`)

  const teacher = new Teacher({
    numItems: data.dataset.items.size,
    dim: args.dim,
    blocks: args.blocks,
    heads: args.heads,
    ffnDim: args['ffn-dim'],
    maxLen: args['max-len'],
    dropout: args.dropout,
    seed: args.seed
  })
  try {
    const report = trainTeacher(teacher, data.split.train, {
      epochs: args.epochs ?? TEACHER_TRAINING_DEFAULTS.epochs,
      batchSize: args['batch-size'],
      learningRate: args['learning-rate'],
      learningRateDecay: lrDecay,
      seed: args.seed,
      loss,
      valid: data.split.valid,
      patience: args.patience,
      maxSeconds: args['max-seconds']
    })
    const result = evaluate(teacher, data.split.test, { k: 10, tailItems: data.tailItems })
    print(qualityLine('teacher', result, teacher.paramCount(), report.seconds))
    if (args['no-save']) return { version: null, ndcg: result.ndcg }
    const saved = await saveModel(args['models-dir'], teacher, {
      itemIds: data.dataset.items.ids(),
      datasetFingerprint: data.fingerprint,
      metrics: savedMetrics(result, report, teacher.paramCount())
    })
    print(`saved teacher v${saved.version} in ${saved.dir}`)
    return { version: saved.version, ndcg: result.ndcg }
  } finally {
    teacher.dispose()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runCli(async () => { await main(process.argv.slice(2)) })
