import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import * as tf from '@tensorflow/tfjs'
import { main as distill } from '../../src/cli/distill.js'
import { main as evaluateCli } from '../../src/cli/eval.js'
import { main as itemMap } from '../../src/cli/item-map.js'
import { generateSynthetic } from '../../src/data/synthetic.js'
import { selectBackend } from '../../src/tf/backend.js'

const MAX_LEN = 6

/**
 * A teacher built the way a user outside the project would: natural ids (item "iN" is token N + 1,
 * 0 is padding, output column N), transition counts from the raw event file, a plain TF.js Layers
 * model, saved in tensorflowjs_converter's layout by hand. No project code touches it.
 */
async function buildOutsideTeacher (events: string, dir: string): Promise<number> {
  const rows = (await readFile(events, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { userId: string, itemId: string, ts: number })
  const natural = (id: string): number => Number(id.slice(1))
  const numItems = Math.max(...rows.map((r) => natural(r.itemId))) + 1
  const byUser = new Map<string, Array<{ item: number, ts: number }>>()
  for (const r of rows) byUser.set(r.userId, [...(byUser.get(r.userId) ?? []), { item: natural(r.itemId), ts: r.ts }])
  // table[token][column]: log(1 + how often item `column` followed the item of `token`)
  const table = new Float32Array((numItems + 1) * numItems)
  for (const seq of byUser.values()) {
    seq.sort((a, b) => a.ts - b.ts)
    for (let i = 1; i < seq.length; i++) table[(seq[i - 1].item + 1) * numItems + seq[i].item] += 1
  }
  for (let i = 0; i < table.length; i++) table[i] = Math.log1p(table[i])
  const model = tf.sequential()
  model.add(tf.layers.embedding({ inputDim: numItems + 1, outputDim: numItems, inputLength: MAX_LEN, weights: [tf.tensor2d(table, [numItems + 1, numItems])] }))
  model.add(tf.layers.globalAveragePooling1d())
  await mkdir(dir, { recursive: true })
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const data = artifacts.weightData
    const bytes = Array.isArray(data) ? Buffer.concat(data.map((b) => Buffer.from(b))) : Buffer.from(data as ArrayBuffer)
    await writeFile(join(dir, 'weights.bin'), bytes)
    await writeFile(join(dir, 'model.json'), JSON.stringify({
      format: 'layers-model',
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }]
    }))
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
  }))
  model.dispose()
  return numItems
}

describe('a teacher trained outside the project, with its own item numbering', () => {
  let root: string
  let events: string
  let layers: string
  let numItems: number
  const out: string[] = []
  const print = (line: string): void => { out.push(line) }

  before(async () => {
    await selectBackend()
    root = await mkdtemp(join(tmpdir(), 'distillrec-outside-'))
    events = join(root, 'events.jsonl')
    await writeFile(events, generateSynthetic({ users: 200, items: 30, meanLength: 12, seed: 5 }).map((e) => JSON.stringify(e)).join('\n') + '\n')
    layers = join(root, 'layers')
    numItems = await buildOutsideTeacher(events, layers)
  })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  it('scores well only when read with its item map, in any of the accepted forms', async () => {
    const csv = join(root, 'natural.csv')
    await writeFile(csv, 'item_id,token,column\n' + Array.from({ length: numItems }, (_, n) => `i${n},${n + 1},${n}`).join('\n') + '\n')
    const json = join(root, 'natural.json')
    await writeFile(json, JSON.stringify(Object.fromEntries(Array.from({ length: numItems }, (_, n) => [`i${n}`, n + 1]))))
    const ndcg = async (...extra: string[]): Promise<Record<string, number>> => {
      const rows = await evaluateCli(['--results', 'none', '--data', events, '--models', 'layers,popularity', '--layers-dir', layers, '--max-len', String(MAX_LEN), ...extra], print)
      return Object.fromEntries(rows!.map((r) => [r.model, r.ndcg]))
    }
    const mapped = await ndcg('--item-map', csv)
    const unmapped = await ndcg()
    assert.ok(mapped.layers > mapped.popularity, `with its map: ${mapped.layers}, popularity ${mapped.popularity}`)
    assert.ok(mapped.layers > unmapped.layers + 0.05, `with its map ${mapped.layers}, read in the project's numbering ${unmapped.layers}`)
    assert.equal((await ndcg('--item-map', json)).layers, mapped.layers)
    assert.ok(out.some((l) => l.includes('no --item-map: the Layers model is read in the project\'s item numbering')))
  })

  it('distils end to end from it at every training position', async () => {
    const csv = join(root, 'natural.csv')
    out.length = 0
    const result = await distill(['--results', 'none', '--data', events, '--layers-dir', layers, '--item-map', csv, '--max-len', String(MAX_LEN), '--losses', 'task,kd',
      '--epochs', '2', '--dim', '8', '--window', '5', '--teacher-weights', '1', '--no-save'], print)
    assert.ok(result !== null && result.ndcg > 0)
    const log = out.join('\n')
    assert.match(log, new RegExp(`natural\\.csv: maps ${numItems} of the data's ${numItems} items`))
    const [, covered, total] = /teacher targets at (\d+) of (\d+) training positions/.exec(log) ?? []
    assert.ok(Number(covered) > 1000 && covered === total, `${covered} of ${total}`)
  })

  it('refuses a map of another catalogue, with the counts', async () => {
    const other = join(root, 'other.csv')
    await writeFile(other, 'item_id,token\n' + Array.from({ length: numItems }, (_, n) => `x${n},${n + 1}`).join('\n') + '\n')
    await assert.rejects(distill(['--results', 'none', '--data', events, '--layers-dir', layers, '--item-map', other, '--max-len', String(MAX_LEN), '--losses', 'task,kd', '--no-save'], print),
      { code: 'TEACHER_TARGETS_INVALID', message: new RegExp(`maps 0 of the data's ${numItems} items \\(${numItems} of its ids are not in the data, e\\.g\\. "x0"`) })
  })

  it('npm run item-map writes the project\'s numbering, which reads back as the default', async () => {
    const file = join(root, 'project.csv')
    await itemMap(['--data', events, '--out', file], print)
    const lines = (await readFile(file, 'utf8')).trim().split('\n')
    assert.equal(lines[0], 'item_id,token,column')
    assert.equal(lines.length, numItems + 1)
    const first = JSON.parse((await readFile(events, 'utf8')).split('\n')[0]).itemId
    assert.equal(lines[1], `${first as string},1,0`, 'the first item to appear in the data is token 1, column 0')
    const withMap = await evaluateCli(['--results', 'none', '--data', events, '--models', 'layers', '--layers-dir', layers, '--max-len', String(MAX_LEN), '--item-map', file], print)
    const without = await evaluateCli(['--results', 'none', '--data', events, '--models', 'layers', '--layers-dir', layers, '--max-len', String(MAX_LEN)], print)
    assert.equal(withMap![0].ndcg, without![0].ndcg)
    await assert.rejects(itemMap(['--data', events, '--out', join(root, 'map.txt')], print), { code: 'CLI_USAGE' })
  })
})
