/**
 * `npm run bench:matrix-precision -- --data ../shared/datasets/ml-1m --models-dir DIR [--items 1000000 --users 200]`:
 * what ITEM_MATRIX_PRECISION costs. On a dataset with a saved student: NDCG@10 and HR@10 on the
 * test split (leave-one-out, full ranking, as npm run eval) with the served item matrix held at
 * float32, float16 and int8, and the matrix's bytes. With --items: on student-shaped vectors
 * (ann-vectors.ts) of that many items, recall@10 of each precision's exact top-10 against
 * float32's, and the bytes per replica of the matrix.
 */
import { parseArgs } from 'node:util'
import { loadData } from '../src/distill/training/training-data.js'
import { evaluate } from '../src/distill/evaluation/evaluate.js'
import { loadStudent } from '../src/models/artifact/model-io.js'
import { CompactMatrix, MATRIX_PRECISIONS } from '../src/models/compact-matrix.js'
import { ItemMatrixScorer } from '../src/models/item-matrix-scorer.js'
import type { Scorer } from '../src/models/scorer.js'
import { topK } from '../src/models/top-k.js'
import { recallAt, studentLikeVectors } from './ann-vectors.js'

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    'models-dir': { type: 'string' },
    'student-version': { type: 'string' },
    items: { type: 'string' },
    users: { type: 'string', default: '200' },
    seed: { type: 'string', default: '42' }
  }
})
const mb = (bytes: number): string => (bytes / 1e6).toFixed(1)

if (values.data !== undefined && values['models-dir'] !== undefined) {
  const data = await loadData(values.data, 'auto', Number(values.seed))
  const version = values['student-version'] === undefined ? undefined : Number(values['student-version'])
  const { model, manifest } = await loadStudent(values['models-dir'], version)
  const encoder = model.encoder()
  model.dispose()
  const matrix = encoder.itemMatrix()
  console.log(`student v${manifest.version}: ${encoder.config.numItems} items x ${encoder.servingDim}; ${data.split.test.length} test cases`)
  console.log('| precision | NDCG@10 | HR@10 | matrix MB |\n|---|---:|---:|---:|')
  for (const precision of MATRIX_PRECISIONS) {
    const compact = new CompactMatrix(matrix, encoder.servingDim, precision)
    const blocks = new ItemMatrixScorer(compact.toFloat32(), encoder.servingDim)
    const scorer: Scorer = {
      name: `student-${precision}`,
      numItems: encoder.config.numItems,
      scoreBatch: (histories) => {
        const users = new Float32Array(histories.length * encoder.servingDim)
        histories.forEach((h, r) => encoder.encode(h, users, r * encoder.servingDim))
        return blocks.scoreAll(users, histories.length)
      }
    }
    const result = evaluate(scorer, data.split.test, { k: 10 })
    blocks.dispose()
    console.log(`| ${precision} | ${result.ndcg.toFixed(5)} | ${result.hr.toFixed(5)} | ${mb(compact.bytes)} |`)
  }
}

if (values.items !== undefined) {
  const n = Number(values.items)
  const numUsers = Number(values.users)
  const { items, users, width } = studentLikeVectors(n, numUsers)
  const reference: Int32Array[] = []
  console.log(`\n${n} student-shaped items x ${width}, ${numUsers} users: exact top-10 at each precision against float32`)
  console.log('| precision | recall@10 vs float32 | matrix MB |\n|---|---:|---:|')
  for (const precision of MATRIX_PRECISIONS) {
    const compact = new CompactMatrix(items, width, precision)
    let recall = 0
    const scores = new Float32Array(n)
    for (let u = 0; u < numUsers; u++) {
      const user = users.subarray(u * width, (u + 1) * width)
      for (let i = 0; i < n; i++) scores[i] = compact.dot(i, user)
      const top = Int32Array.from(topK(scores, 10), (s) => s.index)
      if (precision === 'float32') reference.push(top)
      recall += recallAt(top, reference[u])
    }
    console.log(`| ${precision} | ${(recall / numUsers).toFixed(4)} | ${mb(compact.bytes)} |`)
  }
}
