import { randomUUID } from 'node:crypto'
import { Type, type Static } from '@sinclair/typebox'

/**
 * A re-distillation job as the job store keeps it and the admin API shows it. The schemas are
 * the types' one source (Static<>), and the admin routes validate and serialise with them.
 */

/** The phases a run goes through, in order; the phase gauge adds `idle` for no run. */
export const RUN_PHASES = ['queued', 'loading-data', 'training-teacher', 'teacher-targets', 'training-student', 'validating', 'saving', 'publishing', 'done'] as const
export type RunPhase = typeof RUN_PHASES[number]

export const JOB_STATES = ['queued', 'running', 'activated', 'rejected', 'failed', 'cancelled'] as const
export type JobState = typeof JOB_STATES[number]

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)))

/** What an operator may ask of a run (POST /admin/redistill's body). */
export const RunOptionsSchema = Type.Object({
  /** reuse the newest teacher, or train a new one first; default: retrain when it is due. */
  teacher: Type.Optional(literals(['reuse', 'retrain'] as const)),
  epochs: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  /** Loss terms of the student run (default task and kd). */
  losses: Type.Optional(Type.Array(literals(['task', 'kd', 'ranking', 'hint'] as const), { minItems: 1, maxItems: 4, uniqueItems: true })),
  /**
   * Distil from an ensemble of the teacher and the baselines weighted on validation, as `distill
   * --ensemble` (default false); an ensemble that gives the teacher weight 0 drops the hint loss.
   */
  ensemble: Type.Optional(Type.Boolean()),
  temperature: Type.Optional(Type.Number({ minimum: 0.01, maximum: 100 })),
  /**
   * How kd and ranking weigh the training positions, as `distill --kd-weighting` (default uniform;
   * the literals are POSITION_WEIGHTINGS', which a test holds them to).
   */
  kdWeighting: Type.Optional(literals(['uniform', 'confidence', 'target'] as const)),
  /** Skip the quality comparison with the active student (the sanity checks still apply). */
  force: Type.Optional(Type.Boolean()),
  /** Start from the active student's weights (default true); false trains from scratch. */
  warmStart: Type.Optional(Type.Boolean())
}, { additionalProperties: false })

/** What a re-distillation run is asked to do (POST /admin/redistill, or the schedule). */
export const RunRequestSchema = Type.Composite([RunOptionsSchema, Type.Object({
  /** Who asked: `admin` or `schedule`. */
  trigger: literals(['admin', 'schedule'] as const)
})], { additionalProperties: false })
export type RunRequest = Static<typeof RunRequestSchema>

export const EpochFiguresSchema = Type.Object({
  stage: literals(['teacher', 'student'] as const),
  epoch: Type.Integer(),
  loss: Type.Number(),
  /** Validation NDCG@10 after the epoch. */
  validNdcg: Type.Optional(Type.Number()),
  seconds: Type.Number()
})
export type EpochFigures = Static<typeof EpochFiguresSchema>

/** A run as GET /admin/jobs/:id shows it; written by the worker that runs it. */
export const JobSchema = Type.Object({
  id: Type.String(),
  state: literals(JOB_STATES),
  phase: literals(RUN_PHASES),
  request: RunRequestSchema,
  createdAt: Type.String(),
  startedAt: Type.Optional(Type.String()),
  finishedAt: Type.Optional(Type.String()),
  /** The current stage's epoch (1-based) and epoch count. */
  epoch: Type.Optional(Type.Integer()),
  epochs: Type.Optional(Type.Integer()),
  loss: Type.Optional(Type.Number()),
  etaSeconds: Type.Optional(Type.Number()),
  history: Type.Array(EpochFiguresSchema),
  /** The candidate's version number (its fencing token) once reserved. */
  version: Type.Optional(Type.Integer()),
  teacherVersion: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  /** Validation NDCG@10 of the candidate and of the active student on the same users. */
  candidateNdcg: Type.Optional(Type.Number()),
  activeNdcg: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  latencyMs: Type.Optional(Type.Number()),
  /** Why a candidate was rejected, or the error of a failed run. */
  reason: Type.Optional(Type.String())
})
export type Job = Static<typeof JobSchema>

export function newJob (request: RunRequest, now = new Date()): Job {
  return { id: randomUUID(), state: 'queued', phase: 'queued', request, createdAt: now.toISOString(), history: [] }
}

export function isFinished (job: Job): boolean {
  return job.state !== 'queued' && job.state !== 'running'
}
