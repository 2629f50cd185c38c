import { DistillError } from './distill-error.js'

/** One option check: a message saying what is wrong, or false when nothing is. */
export type Problem = string | false

/**
 * Refuses a run before it trains: one DISTILL_OPTIONS_INVALID error naming every problem found,
 * so a command line is fixed in one go rather than one failed run at a time.
 */
export function refuseProblems (what: string, problems: readonly Problem[]): void {
  const found = problems.filter((p): p is string => p !== false)
  if (found.length === 0) return
  throw new DistillError('DISTILL_OPTIONS_INVALID', found.length === 1 ? found[0] : `${found.length} problems with the ${what}: ${found.join('; ')}`)
}

export function positiveInt (name: string, value: number | undefined): Problem {
  return value !== undefined && !(Number.isSafeInteger(value) && value >= 1) && `${name} must be a positive integer, got ${value}`
}

export function positive (name: string, value: number | undefined): Problem {
  return value !== undefined && !(value > 0 && Number.isFinite(value)) && `${name} must be a positive number, got ${value}`
}

export function atLeastZero (name: string, value: number | undefined): Problem {
  return value !== undefined && !(value >= 0 && Number.isFinite(value)) && `${name} must be a number at least 0, got ${value}`
}
