import { Type, type Static } from '@sinclair/typebox'

export const EXPERIMENT_MODES = ['split', 'shadow'] as const
export const EXPERIMENT_STATES = ['running', 'promoting', 'promoted', 'stopped'] as const
export type ExperimentState = typeof EXPERIMENT_STATES[number]

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)))

/**
 * An online experiment between the active version (control) and a candidate, as the store keeps it
 * and the admin API shows it. `split`: `percent` of the assignment keys are served by the candidate.
 * `shadow`: the candidate scores `percent` of the requests off the response path; users see control.
 */
export const ExperimentSchema = Type.Object({
  /** Increasing integers, across replicas. */
  id: Type.Integer({ minimum: 1 }),
  control: Type.Integer({ minimum: 0 }),
  candidate: Type.Integer({ minimum: 1 }),
  percent: Type.Number({ minimum: 0.01, maximum: 100 }),
  mode: literals(EXPERIMENT_MODES),
  /** Salts the assignment hash, so two experiments split users independently. */
  salt: Type.String(),
  state: literals(EXPERIMENT_STATES),
  createdAt: Type.String(),
  endedAt: Type.Union([Type.String(), Type.Null()]),
  /** Why it ended as it did (a failed promotion's error, an operator's stop). */
  reason: Type.Union([Type.String(), Type.Null()])
})
export type Experiment = Static<typeof ExperimentSchema>
export type NewExperiment = Pick<Experiment, 'control' | 'candidate' | 'percent' | 'mode' | 'salt' | 'createdAt'>

/**
 * Experiments, shared by every replica. At most one is unfinished (running or promoting) at a
 * time; state changes are compare-and-set, so of a promotion and a stop racing only one happens.
 */
export interface ExperimentStore {
  /** Creates and starts one; `{ running }` (and nothing created) while another is unfinished. */
  create (experiment: NewExperiment): Promise<{ created: Experiment } | { running: number }>
  get (id: number): Promise<Experiment | null>
  /** The unfinished experiment, if any. */
  current (): Promise<Experiment | null>
  /** Moves `id` from `from` to `to`; null (nothing changed) when it is not in `from`. */
  transition (id: number, from: ExperimentState, to: ExperimentState, fields?: Partial<Pick<Experiment, 'endedAt' | 'reason'>>): Promise<Experiment | null>
  close (): Promise<void>
}

export const isUnfinished = (state: ExperimentState): boolean => state === 'running' || state === 'promoting'
