import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ItemInfo } from '../../src/data/item-metadata.js'
import { ItemCatalog } from '../../src/serving/item-catalog.js'

describe('ItemCatalog', () => {
  const metadata = new Map<string, ItemInfo>([
    ['a', { title: 'A', genres: ['Drama'] }],
    ['b', { genres: ['Comedy', 'drama'] }],
    ['d', { genres: ['Sci-Fi'] }],
    ['e', { title: 'No genre', genres: [] }],
    ['not-in-model', { genres: ['Western'] }]
  ])
  // Index 2 ('c') has no metadata at all.
  const catalog = new ItemCatalog(['a', 'b', 'c', 'd', 'e'], metadata)

  it('masks the items that have any of the genres', () => {
    assert.deepEqual([...catalog.allowed(['Comedy', 'Sci-Fi'])], [0, 1, 0, 1, 0])
    assert.ok(catalog.allowed(['Drama']) instanceof Uint8Array)
  })

  it('matches genre names case-insensitively', () => {
    assert.deepEqual([...catalog.allowed(['DRAMA'])], [1, 1, 0, 0, 0])
    assert.deepEqual(catalog.unknownGenres(['drama', 'SCI-FI']), [])
  })

  it('never lets an item without metadata or genres through a filter', () => {
    const every = catalog.allowed(['drama', 'comedy', 'sci-fi'])
    assert.equal(every[2], 0)
    assert.equal(every[4], 0)
    assert.equal(catalog.info(2), undefined)
    assert.deepEqual(catalog.info(4), { title: 'No genre', genres: [] })
  })

  it('names unknown genres, including those only of items the model lacks', () => {
    assert.deepEqual(catalog.unknownGenres(['drama', 'Western', 'Horror']), ['Western', 'Horror'])
    assert.deepEqual([...catalog.allowed(['Western'])], [0, 0, 0, 0, 0])
  })

  it('lists the known genres as the data first writes them, sorted', () => {
    assert.deepEqual(catalog.genres(), ['Comedy', 'Drama', 'Sci-Fi'])
    assert.deepEqual(catalog.info(0), { title: 'A', genres: ['Drama'] })
  })

  it('returns the identical cached mask for the same set in another order, case or repetition', () => {
    assert.equal(catalog.allowed(['Sci-Fi', 'Comedy']), catalog.allowed(['comedy', 'sci-fi', 'COMEDY']))
  })

  it('drops the oldest cached set once 256 others have been asked for', () => {
    const local = new ItemCatalog(['a', 'b'], metadata)
    const first = local.allowed(['Drama'])
    for (let i = 0; i < 255; i++) local.allowed([`g${i}`])
    assert.equal(local.allowed(['drama']), first)
    local.allowed(['one more'])
    const again = local.allowed(['Drama'])
    assert.notEqual(again, first)
    assert.deepEqual(again, first)
  })
})
