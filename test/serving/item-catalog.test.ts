import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ItemInfo } from '../../src/data/item-metadata.js'
import { ItemCatalog } from '../../src/serving/item-catalog.js'

describe('ItemCatalog', () => {
  const metadata = new Map<string, ItemInfo>([
    ['a', { title: 'A', genres: ['Drama'] }],
    ['b', { genres: ['Comedy', 'drama'] }],
    ['d', { genres: ['Sci-Fi'] }]
  ])
  const catalog = new ItemCatalog(['a', 'b', 'c', 'd'], metadata)

  it('masks the items of any of the genres, case-insensitively; items without metadata never match', () => {
    assert.deepEqual([...catalog.allowed(['DRAMA'])], [1, 1, 0, 0])
    assert.deepEqual([...catalog.allowed(['comedy', 'sci-fi'])], [0, 1, 0, 1])
  })

  it('caches a filter whatever the order and case of its genres', () => {
    assert.equal(catalog.allowed(['Sci-Fi', 'Comedy']), catalog.allowed(['comedy', 'sci-fi', 'COMEDY']))
  })

  it('names unknown genres and lists the known ones as written', () => {
    assert.deepEqual(catalog.unknownGenres(['drama', 'Western']), ['Western'])
    assert.deepEqual(catalog.genres(), ['Comedy', 'Drama', 'Sci-Fi'])
    assert.equal(catalog.info(2), undefined)
    assert.deepEqual(catalog.info(0), { title: 'A', genres: ['Drama'] })
  })
})
