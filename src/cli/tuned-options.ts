import { tunedStudent, type TunedSettings } from '../distill/tuning/tuned-settings.js'
import type { StudentFamily } from '../models/student-config.js'

/** Options spelled out on the command line (`--dim 8`, `--dim=8`, `--no-save`). */
export function givenOptions (argv: readonly string[]): Set<string> {
  return new Set(argv.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')[0]))
}

/**
 * Tuned values for the options the command line left at their defaults: `args` is changed in
 * place, and the return says what was taken (for the log). Explicit options always win.
 */
export function applyTuned (args: Record<string, unknown>, argv: readonly string[], values: Record<string, unknown>): string[] {
  const given = givenOptions(argv)
  const taken: string[] = []
  for (const [name, value] of Object.entries(values)) {
    if (given.has(name) || !(name in args)) continue
    args[name] = value
    taken.push(`--${name} ${String(value)}`)
  }
  return taken
}

export function teacherOptions ({ teacher: { settings: s } }: TunedSettings): Record<string, unknown> {
  return {
    dim: s.dim,
    blocks: s.blocks,
    heads: s.heads,
    'ffn-dim': s.dim,
    dropout: s.dropout,
    'max-len': s.maxLen,
    'learning-rate': s.learningRate,
    ...(s.negatives === 0 ? { loss: 'full' } : { loss: s.loss ?? 'sampled', negatives: s.negatives })
  }
}

/** The options `npm run tune -- --student <family>` chose for `family` (none when it was not tuned). */
export function studentOptions (tuned: TunedSettings, family: StudentFamily = 'pooling'): Record<string, unknown> {
  const s = tunedStudent(tuned, family)?.settings
  if (s === undefined) return {}
  return {
    dim: s.dim,
    window: s.window,
    'learning-rate': s.learningRate,
    ...(s.kdWeight === 0 ? { losses: 'task' } : { 'kd-weight': s.kdWeight, temperature: s.temperature })
  }
}
