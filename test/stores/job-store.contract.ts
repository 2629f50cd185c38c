import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import type { JobStore } from '../../src/stores/job-store.js'
import { JOBS_KEPT } from '../../src/stores/job-store.js'
import { newJob, type Job } from '../../src/stores/job.js'

/** Opens one more view (another replica's) of the job store that `MakeJobStore` set up. */
export type OpenJobStore = () => JobStore | Promise<JobStore>
/** A fresh, empty job store; every call of the opener it returns views that same store. */
export type MakeJobStore = () => OpenJobStore

const T0 = Date.parse('2025-01-01T00:00:00.000Z')

/** A queued job created `minutes` after T0. */
function jobAt (minutes: number): Job {
  return newJob({ trigger: 'admin' }, new Date(T0 + minutes * 60_000))
}

/** The JobStore contract. */
export function jobStoreContract (name: string, make: MakeJobStore): void {
  describe(name, () => {
    /** `count` views of one fresh store, closed after the test. */
    const views = async (t: TestContext, count: number): Promise<JobStore[]> => {
      const open = make()
      const stores: JobStore[] = []
      for (let i = 0; i < count; i++) {
        const store = await open()
        t.after(async () => await store.close())
        stores.push(store)
      }
      return stores
    }

    it('gives back what was put, as a copy', async (t) => {
      const [a, b] = await views(t, 2)
      const job: Job = {
        ...jobAt(0),
        request: { trigger: 'admin', teacher: 'retrain', epochs: 3, losses: ['task', 'kd', 'ranking'], temperature: 2.5, force: true },
        state: 'running',
        phase: 'training-student',
        startedAt: new Date(T0 + 1000).toISOString(),
        epoch: 2,
        epochs: 3,
        loss: 0.125,
        etaSeconds: 42,
        history: [{ stage: 'teacher', epoch: 1, loss: 0.5, validNdcg: 0.31, seconds: 1.5 }, { stage: 'student', epoch: 1, loss: 0.25, seconds: 0.75 }],
        version: 7,
        teacherVersion: null,
        activeNdcg: null
      }
      const expected = structuredClone(job)
      await a.put(job)
      job.history.push({ stage: 'student', epoch: 2, loss: 0.1, seconds: 1 })
      job.state = 'failed'
      assert.deepEqual(await b.get(job.id), expected, 'changing the job after put changes nothing stored')
      const seen = await b.get(job.id)
      assert.ok(seen !== null)
      seen.history.length = 0
      seen.request.losses?.push('kd')
      seen.phase = 'done'
      assert.deepEqual(await a.get(job.id), expected, 'changing a returned job changes nothing stored')
      const listed = await a.list(10)
      assert.deepEqual(listed, [expected])
      listed[0].epoch = 99
      assert.deepEqual(await b.get(job.id), expected, 'changing a listed job changes nothing stored')
    })

    it('has no job under an unknown id', async (t) => {
      const [a] = await views(t, 1)
      assert.equal(await a.get('no-such-job'), null)
      await a.put(jobAt(0))
      assert.equal(await a.get('no-such-job'), null)
    })

    it('replaces a job that is put again (a progress update), keeping one entry', async (t) => {
      const [a, b] = await views(t, 2)
      const job = jobAt(0)
      const other = jobAt(1)
      await a.put(job)
      await a.put(other)
      const running: Job = { ...job, state: 'running', phase: 'training-teacher', epoch: 1, epochs: 5, history: [{ stage: 'teacher', epoch: 1, loss: 0.7, seconds: 2 }] }
      await b.put(running)
      assert.deepEqual(await a.get(job.id), running)
      const { epoch: _epoch, epochs: _epochs, ...fewer } = { ...running, state: 'failed' as const, reason: 'boom' }
      await a.put(fewer)
      assert.deepEqual(await b.get(job.id), fewer, 'a field left out of the new record is gone')
      assert.deepEqual(await b.get(other.id), other, 'other jobs are untouched')
      assert.deepEqual((await b.list(10)).map((j) => j.id), [other.id, job.id], 'one entry per job, still by creation time')
    })

    it('lists the newest jobs first by createdAt, up to the limit', async (t) => {
      const [a, b] = await views(t, 2)
      assert.deepEqual(await a.list(10), [])
      // put out of creation order: the order of writes must not matter
      const minutes = [3, 0, 4, 1, 2]
      const jobs = minutes.map(jobAt)
      for (const job of jobs) await a.put(job)
      const byAge = [...jobs].sort((x, y) => Date.parse(y.createdAt) - Date.parse(x.createdAt))
      assert.deepEqual(await b.list(10), byAge)
      assert.deepEqual(await b.list(5), byAge)
      assert.deepEqual(await b.list(2), byAge.slice(0, 2))
      assert.deepEqual(await b.list(1), byAge.slice(0, 1))
      // a progress write to an old job does not make it newer
      await a.put({ ...jobs[1], state: 'running' })
      assert.deepEqual((await b.list(2)).map((j) => j.id), byAge.slice(0, 2).map((j) => j.id))
      assert.equal((await b.list(10))[4].state, 'running')
    })

    it('dequeues ids in the order they were enqueued, then null', async (t) => {
      const [a, b] = await views(t, 2)
      assert.equal(await a.dequeue(), null)
      await a.enqueue('j1')
      await b.enqueue('j2')
      await a.enqueue('j3')
      assert.equal(await b.dequeue(), 'j1')
      await a.enqueue('j4')
      assert.equal(await a.dequeue(), 'j2')
      assert.equal(await b.dequeue(), 'j3')
      assert.equal(await a.dequeue(), 'j4')
      assert.equal(await b.dequeue(), null)
      assert.equal(await a.dequeue(), null)
    })

    it('keeps the newest JOBS_KEPT queued ids: older ones are forgotten, as the job list forgets them', async (t) => {
      const [a, b] = await views(t, 2)
      const ids = Array.from({ length: JOBS_KEPT + 5 }, (_, k) => `job-${k}`)
      for (const id of ids) await a.enqueue(id)
      const got: string[] = []
      for (let id = await b.dequeue(); id !== null; id = await b.dequeue()) got.push(id)
      assert.deepEqual(got, ids.slice(5))
    })

    it('hands each queued id to exactly one of many callers dequeuing at once', async (t) => {
      const stores = await views(t, 4)
      const ids = Array.from({ length: 20 }, (_, k) => `job-${k}`)
      for (const id of ids) await stores[0].enqueue(id)
      const got = await Promise.all(ids.map(async (_, k) => await stores[k % stores.length].dequeue()))
      assert.ok(got.every((id) => id !== null), `every caller got an id: ${JSON.stringify(got)}`)
      assert.deepEqual([...got].sort(), [...ids].sort(), 'each id exactly once')
      assert.equal(await stores[1].dequeue(), null)
    })

    it('flags a cancellation request per job id', async (t) => {
      const [a, b] = await views(t, 2)
      const job = jobAt(0)
      const other = jobAt(1)
      await a.put(job)
      await a.put(other)
      assert.equal(await b.cancelRequested(job.id), false)
      await a.requestCancel(job.id)
      assert.equal(await b.cancelRequested(job.id), true)
      assert.equal(await b.cancelRequested(other.id), false, 'other jobs are not cancelled')
      await b.requestCancel(job.id)
      assert.equal(await a.cancelRequested(job.id), true, 'asking twice is harmless')
      await a.put({ ...job, state: 'running' })
      assert.equal(await b.cancelRequested(job.id), true, 'a progress write does not lose the flag')
      assert.deepEqual(await b.get(job.id), { ...job, state: 'running' }, 'the flag does not change the record')
    })

    it(`keeps the ${JOBS_KEPT} newest jobs listed`, async (t) => {
      const [a] = await views(t, 1)
      const jobs = Array.from({ length: JOBS_KEPT + 5 }, (_, k) => jobAt(k))
      for (const job of jobs) await a.put(job)
      const listed = await a.list(JOBS_KEPT + 10)
      assert.deepEqual(listed.map((j) => j.id), jobs.slice(5).reverse().map((j) => j.id))
    })

    it('lists nothing for a limit of 0', async (t) => {
      const [a] = await views(t, 1)
      await a.put(jobAt(0))
      await a.put(jobAt(1))
      assert.deepEqual(await a.list(0), [])
    })

    it(`forgets the oldest-created job past ${JOBS_KEPT}, even one written recently`, async (t) => {
      const [a] = await views(t, 1)
      const jobs = Array.from({ length: JOBS_KEPT }, (_, k) => jobAt(k))
      for (const job of jobs) await a.put(job)
      await a.put({ ...jobs[0], state: 'running' }) // a long-running oldest job reports progress
      const newest = jobAt(JOBS_KEPT)
      await a.put(newest)
      const listed = await a.list(JOBS_KEPT)
      assert.deepEqual(listed.map((j) => j.id), [newest, ...jobs.slice(1).reverse()].map((j) => j.id))
    })
  })
}
