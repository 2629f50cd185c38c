import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { IdMap } from '../../src/data/id-map.js'
import { ModelRegistry } from '../../src/serving/model-registry.js'
import type { Servable } from '../../src/serving/servable.js'

function fake (version: number): Servable & { disposed: number } {
  return {
    version,
    kind: 'student',
    items: IdMap.fromIds(['a']),
    disposed: 0,
    popular: () => ({ items: new Int32Array(0), scores: new Float32Array(0) }),
    dispose () { this.disposed++ }
  }
}

describe('ModelRegistry', () => {
  it('keeps serving a request from the version it took, and disposes that version after its last release', () => {
    const v1 = fake(1)
    const v2 = fake(2)
    const registry = new ModelRegistry(v1)
    const first = registry.acquire()
    const second = registry.acquire()
    assert.equal(registry.swap(v2), v1)
    assert.equal(registry.active, v2)
    assert.equal(first.servable, v1)
    assert.equal(registry.acquire().servable, v2)
    first.release()
    first.release()
    assert.equal(v1.disposed, 0, 'a request still holds v1')
    second.release()
    assert.equal(v1.disposed, 1)
    assert.equal(v2.disposed, 0)
  })

  it('disposes an unheld version at once on swap, and the active one on close', () => {
    const v1 = fake(1)
    const v2 = fake(2)
    const retired: number[] = []
    const registry = new ModelRegistry(v1, { onRetired: (s) => retired.push(s.version) })
    registry.swap(v2)
    assert.equal(v1.disposed, 1)
    registry.close()
    assert.equal(v2.disposed, 1)
    assert.deepEqual(retired, [1, 2])
  })
})
