import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { StudentSettings, TeacherSettings, TuneResult } from './tune.js'
import { STUDENT_FAMILIES, studentFamily, type StudentFamily } from '../../models/student-config.js'

/** What `npm run tune` chose for one dataset, kept at `<modelsDir>/tuned/<dataset fingerprint>.json`. */
export interface TunedSettings {
  datasetFingerprint: string
  created: string
  budgetSeconds: number
  teacher: { settings: TeacherSettings, validNdcg: number }
  /** The student family tuned last (files written before families: pooling). */
  student: { settings: StudentSettings, validNdcg: number }
  /** Every family tuned on this dataset, each by its own `npm run tune -- --student <family>`. */
  students?: Partial<Record<StudentFamily, { settings: StudentSettings, validNdcg: number }>>
}

/** The tuned student settings of `family`, if it was ever tuned on this dataset. */
export function tunedStudent (tuned: TunedSettings, family: StudentFamily): { settings: StudentSettings, validNdcg: number } | undefined {
  return tuned.students?.[family] ?? (studentFamily(tuned.student.settings) === family ? tuned.student : undefined)
}

export function tunedSettingsPath (modelsDir: string, fingerprint: string): string {
  return join(modelsDir, 'tuned', `${fingerprint}.json`)
}

export async function saveTunedSettings (modelsDir: string, fingerprint: string, result: TuneResult, budgetSeconds: number): Promise<string> {
  const path = tunedSettingsPath(modelsDir, fingerprint)
  const student = { settings: result.student.settings, validNdcg: result.student.validNdcg }
  // the other families' choices stay: each family is tuned by its own run
  const earlier = (await readTunedSettings(modelsDir, fingerprint).catch(() => undefined))?.tuned
  const students: TunedSettings['students'] = {}
  for (const family of STUDENT_FAMILIES) {
    const kept = earlier === undefined ? undefined : tunedStudent(earlier, family)
    if (kept !== undefined) students[family] = kept
  }
  students[studentFamily(student.settings)] = student
  const tuned: TunedSettings & { trials: TuneResult['trials'] } = {
    datasetFingerprint: fingerprint,
    created: new Date().toISOString(),
    budgetSeconds,
    teacher: { settings: result.teacher.settings, validNdcg: result.teacher.validNdcg },
    student,
    students,
    trials: result.trials
  }
  await mkdir(join(modelsDir, 'tuned'), { recursive: true })
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify(tuned, null, 2) + '\n')
  await rename(tmp, path)
  return path
}

/** The tuned settings of this dataset, or undefined when it was never tuned; a malformed file is an error naming it. */
export async function readTunedSettings (modelsDir: string, fingerprint: string): Promise<{ path: string, tuned: TunedSettings } | undefined> {
  const path = tunedSettingsPath(modelsDir, fingerprint)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  const tuned = JSON.parse(text) as TunedSettings
  const numbers = (o: object | undefined, keys: readonly string[]): boolean => o !== undefined && keys.every((k) => Number.isFinite((o as Record<string, unknown>)[k]))
  const studentSettings = (o: StudentSettings | undefined): o is StudentSettings => numbers(o, ['dim', 'window', 'learningRate', 'kdWeight', 'temperature']) &&
    (STUDENT_FAMILIES as readonly string[]).includes(studentFamily(o!))
  if (tuned.datasetFingerprint !== fingerprint ||
    !numbers(tuned.teacher?.settings, ['dim', 'blocks', 'heads', 'dropout', 'maxLen', 'learningRate', 'negatives']) ||
    ![undefined, 'sampled', 'gbce'].includes(tuned.teacher.settings.loss) ||
    !studentSettings(tuned.student?.settings) ||
    !Object.entries(tuned.students ?? {}).every(([family, entry]) => studentSettings(entry?.settings) && studentFamily(entry.settings) === family)) {
    throw new Error(`${path}: not the tuned settings of dataset ${fingerprint} (run npm run tune again, or delete it)`)
  }
  return { path, tuned }
}
