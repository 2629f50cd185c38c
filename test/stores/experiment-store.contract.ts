import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import type { ExperimentStore, NewExperiment } from '../../src/stores/experiment-store.js'

/** A fresh store; with `sameAs`, another replica's view of that store's data. */
export type MakeExperimentStore = (sameAs?: ExperimentStore) => ExperimentStore | Promise<ExperimentStore>

export const newExperiment = (fields: Partial<NewExperiment> = {}): NewExperiment =>
  ({ control: 3, candidate: 4, percent: 12.5, mode: 'split', salt: 's"alt\n☕', createdAt: '2026-01-01T00:00:00.000Z', ...fields })

/** The ExperimentStore contract, for the memory twin and the Redis implementation alike. */
export function experimentStoreContract (name: string, make: MakeExperimentStore): void {
  describe(name, () => {
    const open = async (t: TestContext, sameAs?: ExperimentStore): Promise<ExperimentStore> => {
      const store = await make(sameAs)
      t.after(async () => await store.close())
      return store
    }

    it('creates an experiment with the next id, running, and reads it back', async (t) => {
      const store = await open(t)
      assert.equal(await store.current(), null)
      const result = await store.create(newExperiment())
      assert.ok('created' in result)
      assert.deepEqual(result.created, { ...newExperiment(), id: 1, state: 'running', endedAt: null, reason: null })
      assert.deepEqual(await store.get(1), result.created)
      assert.deepEqual(await store.current(), result.created)
      assert.equal(await store.get(2), null)
    })

    it('refuses a second experiment while one is unfinished, naming it', async (t) => {
      const store = await open(t)
      await store.create(newExperiment())
      assert.deepEqual(await store.create(newExperiment({ candidate: 5 })), { running: 1 })
      await store.transition(1, 'running', 'promoting')
      assert.deepEqual(await store.create(newExperiment({ candidate: 5 })), { running: 1 })
    })

    it('changes a state only from the expected one: of two racing ends only one happens', async (t) => {
      const store = await open(t)
      await store.create(newExperiment())
      const [stop, promote] = await Promise.all([
        store.transition(1, 'running', 'stopped', { endedAt: 'then', reason: 'operator' }),
        store.transition(1, 'running', 'promoting')
      ])
      assert.equal([stop, promote].filter((r) => r !== null).length, 1)
      assert.equal(await store.transition(1, 'running', 'stopped'), null)
    })

    it('frees the slot when an experiment ends, and gives the next one a higher id', async (t) => {
      const store = await open(t)
      await store.create(newExperiment())
      assert.deepEqual(await store.transition(1, 'running', 'stopped', { endedAt: 'now', reason: 'done' }), { ...newExperiment(), id: 1, state: 'stopped', endedAt: 'now', reason: 'done' })
      assert.equal(await store.current(), null)
      const next = await store.create(newExperiment({ mode: 'shadow', percent: 100 }))
      assert.ok('created' in next)
      assert.equal(next.created.id, 2)
      assert.equal((await store.get(1))?.state, 'stopped')
    })

    it('sees what another replica created and ended', async (t) => {
      const a = await open(t)
      const b = await open(t, a)
      await a.create(newExperiment())
      assert.equal((await b.current())?.id, 1)
      await b.transition(1, 'running', 'stopped')
      assert.equal(await a.current(), null)
    })
  })
}
