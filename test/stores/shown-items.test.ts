import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { addShownItems } from '../../src/stores/shown-items.js'

describe('addShownItems', () => {
  it('adds a frozen list once, known afterwards by identity, and an unfrozen list every time', () => {
    const lists = new WeakSet<readonly string[]>()
    const frozen = Object.freeze(['a', 'b'])
    const items = new Set<string>()
    addShownItems(items, lists, frozen)
    assert.deepEqual([...items], ['a', 'b'])
    const later = new Set<string>()
    addShownItems(later, lists, frozen)
    assert.deepEqual([...later], [], 'the same frozen list is not walked again')
    addShownItems(later, lists, Object.freeze(['a', 'b']))
    assert.deepEqual([...later], ['a', 'b'], 'another frozen list with the same ids is added')
    const open = ['c']
    addShownItems(later, lists, open)
    later.clear()
    addShownItems(later, lists, open)
    assert.deepEqual([...later], ['c'], 'an unfrozen list is added each time')
  })
})
