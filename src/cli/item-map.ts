/**
 * Writes the project's item numbering for a dataset, for a teacher trained elsewhere to use:
 *   npm run item-map -- --data ../shared/datasets/ml-100k [--out item-map.csv]
 * One row per item: its id, the input token a model should feed for it (0 is padding) and the
 * output column that should score it. `npm run distill -- --layers-dir DIR --item-map FILE`
 * reads this file back, or any other numbering in the same forms.
 */
import { rename, writeFile } from 'node:fs/promises'
import { extname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { loadData } from '../distill/training/training-data.js'
import { projectItemMap } from '../models/item-map-file.js'
import { COMMON_OPTIONS, CliUsageError, dataFormat, parseCli, required, runCli } from './args.js'

export const ITEM_MAP_SPEC = {
  usage: 'npm run item-map --',
  summary: 'Writes the project\'s item numbering (item id, input token, output column) for a teacher trained elsewhere.',
  options: {
    data: COMMON_OPTIONS.data,
    format: COMMON_OPTIONS.format,
    seed: COMMON_OPTIONS.seed,
    out: { type: 'string', default: 'item-map.csv', description: 'file to write: .csv, .tsv or .json' }
  }
} as const

/** Returns the absolute path written, or null after printing help. */
export async function main (argv: readonly string[], print: (line: string) => void = console.log): Promise<string | null> {
  const args = parseCli(ITEM_MAP_SPEC, argv, (text) => print(text.trimEnd()))
  if (args === null) return null
  const out = resolve(args.out)
  const kind = extname(out).toLowerCase()
  if (kind !== '.csv' && kind !== '.tsv' && kind !== '.json') throw new CliUsageError(`--out must end in .csv, .tsv or .json, got ${JSON.stringify(args.out)}`)
  // the numbering npm run distill and npm run eval use on the same --data
  const ids = (await loadData(required(args.data, 'data'), dataFormat(args.format), args.seed)).dataset.items.ids()
  const { tokens, columns } = projectItemMap(ids.length)
  let text: string
  if (kind === '.json') {
    text = JSON.stringify(ids.map((itemId, i) => ({ itemId, token: tokens[i], column: columns[i] }))) + '\n'
  } else {
    const delimiter = kind === '.tsv' ? '\t' : ','
    const awkward = ids.find((id) => id.includes(delimiter) || /[\r\n"]/.test(id))
    if (awkward !== undefined) throw new CliUsageError(`item id ${JSON.stringify(awkward)} cannot be written to ${kind}: use --out with .json`)
    text = [['item_id', 'token', 'column'].join(delimiter), ...ids.map((id, i) => [id, tokens[i], columns[i]].join(delimiter))].join('\n') + '\n'
  }
  const tmp = `${out}.${process.pid}.tmp`
  await writeFile(tmp, text)
  await rename(tmp, out)
  print(`${out}: ${ids.length} items (token = index + 1, column = index; 0 is padding)`)
  return out
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runCli(async () => { await main(process.argv.slice(2)) })
