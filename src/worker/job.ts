import { randomUUID } from 'node:crypto'

/** What a re-distillation run is asked to do (POST /admin/redistill, or the schedule). */
export interface RunRequest {
  /** reuse the newest teacher, or train a new one first; default: retrain when it is due. */
  teacher?: 'reuse' | 'retrain'
  epochs?: number
  /** Loss terms of the student run (default task and kd). */
  losses?: Array<'task' | 'kd' | 'ranking' | 'hint'>
  /**
   * Distil from an ensemble of the teacher and the baselines weighted on validation, as `distill
   * --ensemble` (default false); an ensemble that gives the teacher weight 0 drops the hint loss.
   */
  ensemble?: boolean
  temperature?: number
  /** Skip the quality comparison with the active student (the sanity checks still apply). */
  force?: boolean
  /** Start from the active student's weights (default true); false trains from scratch. */
  warmStart?: boolean
  /** Who asked: `admin` or `schedule`. */
  trigger: 'admin' | 'schedule'
}

export type JobState = 'queued' | 'running' | 'activated' | 'rejected' | 'failed' | 'cancelled'
export type RunPhase = 'queued' | 'loading-data' | 'training-teacher' | 'teacher-targets' | 'training-student' | 'validating' | 'saving' | 'publishing' | 'done'

export interface EpochFigures {
  stage: 'teacher' | 'student'
  epoch: number
  loss: number
  /** Validation NDCG@10 after the epoch. */
  validNdcg?: number
  seconds: number
}

/** A run as GET /admin/jobs/:id shows it; written by the worker that runs it. */
export interface Job {
  id: string
  state: JobState
  phase: RunPhase
  request: RunRequest
  createdAt: string
  startedAt?: string
  finishedAt?: string
  /** The current stage's epoch (1-based) and epoch count. */
  epoch?: number
  epochs?: number
  loss?: number
  etaSeconds?: number
  history: EpochFigures[]
  /** The candidate's version number (its fencing token) once reserved. */
  version?: number
  teacherVersion?: number | null
  /** Validation NDCG@10 of the candidate and of the active student on the same users. */
  candidateNdcg?: number
  activeNdcg?: number | null
  latencyMs?: number
  /** Why a candidate was rejected, or the error of a failed run. */
  reason?: string
}

export function newJob (request: RunRequest, now = new Date()): Job {
  return { id: randomUUID(), state: 'queued', phase: 'queued', request, createdAt: now.toISOString(), history: [] }
}

export function isFinished (job: Job): boolean {
  return job.state !== 'queued' && job.state !== 'running'
}
