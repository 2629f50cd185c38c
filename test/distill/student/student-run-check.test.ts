import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkStudentRun, type StudentRunPlan } from '../../../src/distill/student/student-run-check.js'

const KD = { weight: 1, temperature: 1 }
const PLAN: StudentRunPlan = { student: {}, losses: { task: { weight: 1 }, kd: KD }, teacher: { topN: 32, maxLen: 50 }, save: false }

function refused (plan: Partial<StudentRunPlan>, message: RegExp, numItems?: number): void {
  assert.throws(() => checkStudentRun({ ...PLAN, ...plan }, numItems), { code: 'DISTILL_OPTIONS_INVALID', message })
}

describe('the student-run options refused before anything trains', () => {
  it('passes what the defaults and the README\'s commands ask for', () => {
    checkStudentRun(PLAN)
    checkStudentRun({ ...PLAN, losses: { task: { weight: 1 }, kd: KD, ranking: { weight: 1, k: 10 }, hint: { weight: 1 } }, teacher: { topN: 32, maxLen: 50, ensemble: { sharpness: 5 } } }, 1682)
    checkStudentRun({ ...PLAN, losses: { task: { weight: 1 } }, teacher: { topN: 32, maxLen: 50, scoresFile: 'x', layersDir: 'y' } })
  })

  it('refuses the hint loss from a teacher-scores file or a Layers model, which give no item embeddings', () => {
    const hint = { task: { weight: 1 }, kd: KD, hint: { weight: 1 } }
    refused({ losses: hint, teacher: { topN: 32, maxLen: 50, scoresFile: 's.jsonl' } }, /^the hint loss needs the teacher's item embeddings, and a teacher-scores file holds none: drop hint from the losses$/)
    refused({ losses: hint, teacher: { topN: 32, maxLen: 50, layersDir: 'gru' } }, /a Layers teacher's are not read: drop hint/)
  })

  it('refuses an ensemble that cannot be fitted or is mixed again, and two teachers at once', () => {
    refused({ teacher: { topN: 32, maxLen: 50, scoresFile: 's.jsonl', ensemble: { sharpness: 5 } } }, /cannot score validation users/)
    refused({ teacher: { topN: 32, maxLen: 50, ensemble: { sharpness: 5 }, mixItemKnn: { weight: 0.5, sharpness: 5 } } }, /already weighs item-KNN/)
    refused({ teacher: { topN: 32, maxLen: 50, version: 2, layersDir: 'gru' } }, /one teacher at a time: a saved teacher version and a Layers model were both given/)
  })

  it('refuses a ranking cut-off past the teacher\'s top-N, and past the catalogue once the data is known', () => {
    refused({ losses: { ranking: { weight: 1, k: 40 } } }, /ranking k 40 exceeds the teacher's top-32/)
    refused({ losses: { ranking: { weight: 1, k: 10 } } }, /ranking k 10 exceeds the data's 8 items/, 8)
  })

  it('names every problem in one error', () => {
    refused({ losses: { kd: { weight: -1, temperature: 0 } }, epochs: 0 }, /^3 problems with the student run: the kd loss's weight must be a number at least 0, got -1; the kd temperature must be a positive number, got 0; epochs must be a positive integer, got 0$/)
  })

  it('refuses a refit that would be saved or that would refit an ensemble, and bad teacher weights', () => {
    refused({ fit: 'train+valid', save: true }, /fitted on train\+valid .* is not saved/)
    refused({ fit: 'train+valid', teacher: { topN: 32, maxLen: 50, ensemble: { sharpness: 5 } } }, /cannot be refitted on train\+valid/)
    refused({ teacherWeights: [] }, /teacher weights must be finite and at least 0, got \[\]/)
  })
})
