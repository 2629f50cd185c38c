import { ConfigError } from '../config.js'
import { STUDENT_FAMILIES, type StudentFamily } from '../models/student-config.js'

/** What WORKER_STUDENT asks a re-distillation to train (see resolveStudent). */
export type WorkerStudent = 'keep' | 'auto' | StudentFamily

/** WORKER_STUDENT checked against the families this code knows; a ConfigError naming them otherwise. */
export function workerStudent (text: string): WorkerStudent {
  if (text === 'keep' || text === 'auto' || (STUDENT_FAMILIES as readonly string[]).includes(text)) return text as WorkerStudent
  throw new ConfigError(`WORKER_STUDENT must be keep, auto or one of ${STUDENT_FAMILIES.join(', ')}, got "${text}"`)
}

/**
 * The family one run trains: `keep` is the active student's family (pooling when nothing is
 * active yet), `auto` every family (runStudent then keeps one), a family itself.
 */
export function resolveStudent (setting: WorkerStudent, active: StudentFamily | null): StudentFamily | 'auto' {
  return setting === 'keep' ? active ?? 'pooling' : setting
}
