import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { saveArtifact, versionDir, type SaveArtifactOptions } from '../../src/models/artifact/index.js'
import { saveStudent } from '../serving/student-fixture.js'

export const HOSTILE = '<script>alert("x")</script>'
export const HOSTILE_TERM = '<img src=x onerror=alert(1)>'

const NOW = new Date('2026-01-02T03:04:05.000Z')

/** Per-epoch lines as the pipelines write them (see curveLines in src/distill/training/train-loop.ts). */
function studentCurves (epochs: number): object[] {
  return Array.from({ length: epochs }, (_, i) => {
    const task = 5.5 - 0.4 * i
    const kd = 0.36 - 0.05 * i
    return { stage: 'student', epoch: i + 1, loss: task + kd, terms: { task, kd }, validNdcg: 0.15 + 0.04 * i - 0.002 * i * i, learningRate: 0.003 * (1 - 0.09 * i), teacherWeight: 1 - i / epochs, seconds: 0.6 }
  })
}

function jsonl (lines: readonly object[]): string {
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n'
}

async function saveTiny (modelsDir: string, options: Partial<SaveArtifactOptions> & Pick<SaveArtifactOptions, 'role'>): Promise<number> {
  const weights = { embedding: tf.fill([4, 8], 0.5) }
  try {
    const itemIds = ['i1', 'i2', 'i3', 'i4']
    return (await saveArtifact(modelsDir, { weights, config: { numItems: 4 }, itemIds, datasetFingerprint: 'fixture', backend: 'cpu', now: () => NOW, ...options })).version
  } finally {
    weights.embedding.dispose()
  }
}

/**
 * A models directory with one of each case the report handles:
 * - teacher v1: figures and curves without loss terms (as the teacher pipeline writes them)
 * - student v1: an untrained student with neither figures nor curves
 * - student v2: distilled from teacher v1, curves with task and kd terms plus one corrupt line
 * - student v3: rejected by the gate with a hostile reason, curves with a hostile term name, no validation
 * - student v4: a manifest cut short (failed)
 */
export async function buildModelsDir (modelsDir: string): Promise<void> {
  await saveTiny(modelsDir, {
    role: 'teacher',
    metrics: { ndcg10: 0.3, hr10: 0.52, mrr: 0.25, validNdcg10: 0.31, params: 244_352, usPerRequest: 3096.9, trainSeconds: 18.8, epochs: 3, bestEpoch: 3 },
    curves: [6.15, 5.34, 4.89].map((loss, i) => ({ stage: 'teacher', epoch: i + 1, loss, validNdcg: [0.158, 0.275, 0.31][i], learningRate: 0.002, seconds: 6.2 }))
  })
  await saveStudent(modelsDir)

  const v2 = await saveTiny(modelsDir, {
    role: 'student',
    teacherVersion: 1,
    metrics: { ndcg10: 0.277, hr10: 0.474, mrr: 0.238, validNdcg10: 0.28, params: 5408, usPerRequest: 6.02, trainSeconds: 1.75, teacherOverlap10: 0.67 }
  })
  await writeFile(join(versionDir(modelsDir, 'student', v2), 'curves.jsonl'), jsonl(studentCurves(6)) + '{"epoch": 7, "loss": \n')

  const v3 = await saveStudent(modelsDir, { seed: 12 })
  const dir3 = versionDir(modelsDir, 'student', v3)
  await writeFile(join(dir3, 'state.json'), JSON.stringify({ state: 'rejected', reason: `validation NDCG@10 fell ${HOSTILE}`, at: NOW.toISOString() }))
  await writeFile(join(dir3, 'curves.jsonl'), jsonl([1, 2].map((epoch) => ({ stage: 'student', epoch, loss: 6 - epoch, terms: { [HOSTILE_TERM]: 1 / epoch }, learningRate: 0.003, seconds: 0.5 }))))

  const v4 = await saveStudent(modelsDir, { seed: 13 })
  await writeFile(join(versionDir(modelsDir, 'student', v4), 'manifest.json'), '{"format": 1, "version": ')
}

/** The series each chart of buildModelsDir draws, by `role/version`. */
export const EXPECTED_SERIES: Readonly<Record<string, number>> = {
  'teacher/1': 2, // loss, valid NDCG
  'student/2': 4, // loss, task, kd, valid NDCG
  'student/3': 2 // loss, one term
}
