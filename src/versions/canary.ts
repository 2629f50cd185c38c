import type { Logger } from 'pino'

/** What a canary decided for a gated candidate: activate it or keep the active version, and why. */
export interface CanaryVerdict {
  activate: boolean
  reason: string
  /** Told whether the activation happened (ends the canary's experiment accordingly). */
  settle: (activated: boolean) => Promise<void>
}

/**
 * Puts a candidate the validation gate let through in front of real users before it is activated
 * (CANARY_PERCENT), the last step of a roll-out: the composition root provides it (experiments/canary.ts), the job runner only
 * asks. `control` is the active student (null: none to compare with).
 */
export type Canary = (candidate: number, control: number | null, signal: AbortSignal, log: Logger) => Promise<CanaryVerdict>
