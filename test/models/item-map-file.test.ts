import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { IdMap } from '../../src/data/id-map.js'
import { readItemMap } from '../../src/models/item-map-file.js'

describe('readItemMap', () => {
  let dir: string
  const items = IdMap.fromIds(['a', 'b', 'c'])
  const read = async (name: string, text: string): ReturnType<typeof readItemMap> => {
    await writeFile(join(dir, name), text)
    return await readItemMap(join(dir, name), items)
  }
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'distillrec-item-map-')) })
  after(async () => await rm(dir, { recursive: true, force: true }))

  it('reads CSV, TSV and both JSON forms to the same map, column defaulting to token - 1', async () => {
    const forms = [
      await read('map.csv', 'item_id,token,column\na,3,2\nb,1,0\nzz,9,8\n'),
      await read('map.tsv', 'itemId\ttoken\nb\t1\na\t3\nzz\t9\n'),
      await read('array.json', JSON.stringify([{ itemId: 'a', token: 3, column: 2 }, { id: 'b', token: 1 }, { item_id: 'zz', token: 9 }])),
      await read('object.json', JSON.stringify({ a: { token: 3, column: 2 }, b: 1, zz: 9 }))
    ]
    for (const { map, mapped, unknownIds } of forms) {
      assert.deepEqual(Array.from(map.tokens), [3, 1, -1])
      assert.deepEqual(Array.from(map.columns), [2, 0, -1])
      assert.equal(mapped, 2)
      assert.deepEqual(unknownIds, ['zz'])
    }
  })

  it('refuses what would map items ambiguously or wrongly, naming the file and entry', async () => {
    const refused = async (name: string, text: string, message: RegExp): Promise<void> => {
      await assert.rejects(read(name, text), { code: 'ITEM_MAP_INVALID', message })
    }
    await refused('pad.csv', 'item_id,token\na,0\n', /pad\.csv: line 2: token 0 is not an integer of at least 1 \(0 is padding\)/)
    await refused('twice.csv', 'item_id,token\na,1\nb,1\n', /line 3: token 1 is given to two items/)
    await refused('column.csv', 'item_id,token,column\na,1,0\nb,2,0\n', /line 3: column 0 is given to two items/)
    await refused('item.json', JSON.stringify([{ itemId: 'a', token: 1 }, { itemId: 'a', token: 2 }]), /entry 1: item "a" appears twice/)
    await refused('header.csv', 'name,value\na,1\n', /header\.csv:1: the header must name the item id/)
    await refused('fields.csv', 'item_id,token\na,1,2\n', /line 2: 3 fields, the header has 2/)
    await refused('nan.csv', 'item_id,token\na,one\n', /line 2: token "one" is not a number/)
    await refused('broken.json', '{"a": ', /broken\.json: not valid JSON/)
    await refused('empty.csv', 'item_id,token\n', /empty\.csv: maps no item/)
    await assert.rejects(readItemMap(join(dir, 'missing.csv'), items), { code: 'ITEM_MAP_INVALID', message: /missing\.csv: cannot be read \(ENOENT\)/ })
  })
})
