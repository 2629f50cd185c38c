import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { loadConfig } from '../../src/config.js'
import { versionDir } from '../../src/models/artifact/index.js'
import { manifestFamily, parseManifest, type ArtifactManifest } from '../../src/models/artifact/manifest.js'
import { STUDENT_FAMILIES } from '../../src/models/student.js'
import type { Execute } from '../../src/worker/redistill-worker.js'
import { resolveStudent, workerStudent } from '../../src/worker/worker-student.js'
import { auth, buildHarness, ENV, finished, inProcess, serving, startWorker, until, type Harness } from './harness.js'

async function manifest (h: Harness, version: number): Promise<ArtifactManifest> {
  const file = join(versionDir(h.config.modelsDir, 'student', version), 'manifest.json')
  return parseManifest(JSON.parse(await readFile(file, 'utf8')), file)
}

/** Runs in this thread, every line the run logs kept in `lines`. */
function logging (lines: string[]): Execute {
  return async (input, hooks, signal) => await inProcess(input, { ...hooks, log: (line, fields) => { lines.push(line); hooks.log(line, fields) } }, signal)
}

/** A new run's job, or the one the worker scheduled by itself (when no student exists yet). */
async function submitOrJoin (h: Harness): Promise<string> {
  const res = await h.app.inject({ method: 'POST', url: '/admin/redistill', headers: auth, payload: { epochs: 1, losses: ['task'] } })
  assert.ok(res.statusCode === 202 || res.statusCode === 409, res.body)
  return res.json<{ jobId: string }>().jobId
}

/** A finished run's version and the lines it logged. */
async function run (h: Harness, student: string): Promise<{ version: number, lines: string[] }> {
  const lines: string[] = []
  const worker = await startWorker(h, logging(lines), { ...h.config, workerStudent: student })
  try {
    const done = await finished(h, await submitOrJoin(h))
    assert.ok(done.state === 'activated' || done.state === 'rejected', `${done.state}: ${done.reason ?? ''}`)
    if (done.state === 'activated') await until(`v${done.version!} serves`, async () => (await serving(h)).version === done.version)
    return { version: done.version!, lines }
  } finally {
    await worker.stop()
  }
}

describe('WORKER_STUDENT: the family a re-distillation trains', () => {
  it('is keep by default, and a name the worker does not know is refused naming the families', () => {
    assert.equal(loadConfig({ ...ENV }).workerStudent, 'keep')
    for (const name of ['keep', 'auto', ...STUDENT_FAMILIES]) assert.equal(workerStudent(name), name)
    assert.throws(() => workerStudent('gru'), { code: 'CONFIG_INVALID', message: `WORKER_STUDENT must be keep, auto or one of ${STUDENT_FAMILIES.join(', ')}, got "gru"` })
    assert.throws(() => loadConfig({ ...ENV, WORKER_STUDENT: 'Last Item' }), { code: 'CONFIG_INVALID', message: /^WORKER_STUDENT must be a lowercase name/ })
    assert.equal(resolveStudent('keep', null), 'pooling')
    assert.equal(resolveStudent('keep', 'last-item'), 'last-item')
    assert.equal(resolveStudent('auto', 'last-item'), 'auto')
  })

  it('trains the family named, warm-starts within it, from scratch across; keep follows the active family; auto chooses', async (t) => {
    const h = await buildHarness(t)

    // nothing active yet: last-item from scratch
    const first = await run(h, 'last-item')
    assert.equal(manifestFamily(await manifest(h, first.version)), 'last-item')
    assert.ok(first.lines.includes('student family: last-item'), first.lines.join('\n'))
    const active = (await serving(h)).version
    assert.equal(active, first.version, 'the first student goes live')

    // same family: warm start from the active one
    const second = await run(h, 'last-item')
    assert.equal(manifestFamily(await manifest(h, second.version)), 'last-item')
    assert.ok(second.lines.some((l) => /^warm start: \d+ item rows from the previous student, 0 new$/.test(l)), second.lines.join('\n'))

    // another family: from scratch, saying why
    const active2 = (await serving(h)).version!
    const activeFamily = manifestFamily(await manifest(h, active2))
    assert.equal(activeFamily, 'last-item')
    const third = await run(h, 'pooling')
    assert.equal(manifestFamily(await manifest(h, third.version)), 'pooling')
    assert.ok(third.lines.some((l) => l.includes('the previous student is last-item, this one pooling') && l.includes('training from scratch')), third.lines.join('\n'))
    assert.ok(!third.lines.some((l) => l.startsWith('warm start:')), third.lines.join('\n'))

    // keep: the active version's family, warm-started
    const live = (await serving(h)).version!
    const liveFamily = manifestFamily(await manifest(h, live))!
    const fourth = await run(h, 'keep')
    assert.equal(manifestFamily(await manifest(h, fourth.version)), liveFamily)
    assert.ok(fourth.lines.includes(`student family: ${liveFamily} (WORKER_STUDENT=keep: active v${live}'s)`), fourth.lines.join('\n'))
    assert.ok(fourth.lines.some((l) => l.startsWith('warm start:')), fourth.lines.join('\n'))

    // auto: every family trains (the active one's warm-started), one is kept and the manifest says why
    const current = (await serving(h)).version!
    const currentFamily = manifestFamily(await manifest(h, current))!
    const fifth = await run(h, 'auto')
    const chosen = await manifest(h, fifth.version)
    assert.equal(chosen.selection?.latencyBudgetMs, h.config.gateLatencyBudgetMs, 'the gate\'s budget')
    assert.deepEqual(chosen.selection.candidates.map((c) => c.family), [...STUDENT_FAMILIES])
    assert.equal(manifestFamily(chosen), chosen.selection.chosen)
    assert.equal(fifth.lines.filter((l) => l.startsWith('warm start:')).length, 1, `only ${currentFamily} warm-starts:\n${fifth.lines.join('\n')}`)
    assert.equal(fifth.lines.filter((l) => l.includes(`the previous student is ${currentFamily}`)).length, STUDENT_FAMILIES.length - 1, fifth.lines.join('\n'))
    assert.ok(fifth.lines.includes(`student family chosen: ${chosen.selection.reason}`), fifth.lines.join('\n'))
  })
})
