import { getPriority, setPriority } from 'node:os'

/**
 * Makes the calling thread `steps` nice values nicer than it is (at most 19): on Linux a nice
 * value is per thread, and a new thread starts at the value of the thread that made it. Relative,
 * not absolute: a service started at nice 10 gave its loading thread nice 10, the serving thread's
 * own weight, so during a swap the two shared a core evenly instead of serving coming first.
 * Ignored where the OS refuses.
 */
export function lowerPriority (steps: number): void {
  try {
    setPriority(Math.min(19, getPriority() + steps))
  } catch {}
}
