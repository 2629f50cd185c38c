import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import { IdMap } from '../../src/data/id-map.js'
import { ModelManager } from '../../src/serving/model-manager.js'
import { ModelRegistry } from '../../src/serving/model-registry.js'
import type { Servable } from '../../src/serving/servable.js'

const log = pino({ level: 'silent' })

function fake (version: number, warmFails = false): Servable & { disposed: number, warmed: number } {
  const servable = {
    version,
    kind: 'student' as const,
    items: IdMap.fromIds(['a', 'b']),
    disposed: 0,
    warmed: 0,
    popular: () => ({ items: Int32Array.of(0, 1), scores: Float32Array.of(2, 1) }),
    ranker: {
      encode: () => new Float32Array(2),
      explain: () => [],
      rank: async () => {
        servable.warmed++
        if (warmFails) throw new Error('kernel failed')
        return { items: Int32Array.of(0), scores: Float32Array.of(1) }
      }
    },
    dispose () { servable.disposed++ }
  }
  return servable
}

describe('ModelManager', () => {
  it('loads, warms with real queries, then swaps; the old version is released', async () => {
    const v1 = fake(1)
    const v2 = fake(2)
    const registry = new ModelRegistry(v1)
    const swaps: string[] = []
    const manager = new ModelManager({ registry, load: async () => v2, log, onSwap: (from, to) => swaps.push(`${from}->${to}`) })
    await manager.announce(2)
    assert.equal(registry.active, v2)
    assert.ok(v2.warmed > 0, 'warmed before taking traffic')
    assert.equal(v1.disposed, 1)
    assert.deepEqual(swaps, ['1->2'])
    await manager.announce(2)
    assert.deepEqual(swaps, ['1->2'], 'the active version is not loaded again')
  })

  it('keeps the old version serving when the new one fails to load or to warm up', async () => {
    const v1 = fake(1)
    const cold = fake(3, true)
    const registry = new ModelRegistry(v1)
    const refused: number[] = []
    const manager = new ModelManager({
      registry,
      load: async (v) => { if (v === 2) throw new Error('sha256 does not match'); return cold },
      log,
      onRefused: (v) => refused.push(v)
    })
    await manager.announce(2)
    await manager.announce(3)
    assert.equal(registry.active, v1)
    assert.deepEqual(refused, [2, 3])
    assert.equal(cold.disposed, 1, 'a version that failed its warm-up is released')
    assert.equal(v1.disposed, 0)
  })

  it('acts on the latest of the announcements that arrive during a swap', async () => {
    const registry = new ModelRegistry(fake(1))
    const loaded: number[] = []
    const manager = new ModelManager({ registry, load: async (v) => { loaded.push(v); await sleep(20); return fake(v) }, log })
    await Promise.all([manager.announce(2), manager.announce(3), manager.announce(4)])
    assert.equal(registry.active.version, 4)
    assert.deepEqual(loaded, [2, 4])
  })

  it('swaps to a prepared version without loading it again', async () => {
    const registry = new ModelRegistry(fake(1))
    const loaded: number[] = []
    const v2 = fake(2)
    const manager = new ModelManager({ registry, load: async (v) => { loaded.push(v); return v2 }, log })
    await manager.prepare(2)
    assert.equal(registry.active.version, 1, 'prepared, not swapped')
    await manager.announce(2)
    assert.equal(registry.active, v2)
    assert.deepEqual(loaded, [2])
    manager.discard(2)
    assert.equal(v2.disposed, 0, 'the serving version is no longer the prepared one')
  })

  it('releases a prepared version that is discarded, replaced, or already active when announced', async () => {
    const v1 = fake(1)
    const registry = new ModelRegistry(v1)
    const made: Array<ReturnType<typeof fake>> = []
    const manager = new ModelManager({ registry, load: async (v) => { const s = v === 1 ? fake(1) : fake(v); made.push(s); return s }, log })
    await manager.prepare(2)
    manager.discard(3)
    assert.equal(made[0].disposed, 0, 'another version named: kept')
    manager.discard(2)
    assert.equal(made[0].disposed, 1)
    await manager.prepare(2)
    await manager.prepare(3)
    assert.equal(made[1].disposed, 1, 'replaced by the next prepared version')
    await manager.prepare(1)
    assert.equal(made[2].disposed, 1)
    await manager.announce(1)
    assert.equal(made[3].disposed, 1, 'the announced version already serves')
    assert.equal(registry.active, v1)
    assert.equal(v1.disposed, 0)
  })

  it('loads the announced version when the prepared one is another', async () => {
    const registry = new ModelRegistry(fake(1))
    const loaded: number[] = []
    const manager = new ModelManager({ registry, load: async (v) => { loaded.push(v); return fake(v) }, log })
    await manager.prepare(2)
    await manager.announce(3)
    assert.equal(registry.active.version, 3)
    assert.deepEqual(loaded, [2, 3])
    manager.discard()
  })
})
