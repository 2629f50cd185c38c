import { parseArgs } from 'node:util'
import { DATA_FORMATS, type DataFormat } from '../data/interaction-reader.js'
import type { LearningRateDecay } from '../distill/training/schedule.js'
import { TRAINING_DEFAULTS } from '../distill/training-defaults.js'

export interface OptionSpec {
  type: 'string' | 'int' | 'float' | 'boolean'
  description: string
  default?: string | number | boolean
}

export type OptionSpecs = Record<string, OptionSpec>

type ValueOf<O extends OptionSpec> = O['type'] extends 'int' | 'float' ? number : O['type'] extends 'boolean' ? boolean : string
export type ParsedOptions<S extends OptionSpecs> = {
  [K in keyof S]: S[K] extends { default: string | number | boolean } ? ValueOf<S[K]> : ValueOf<S[K]> | undefined
}

export interface CliSpec<S extends OptionSpecs> {
  /** As typed by a user, e.g. `npm run distill --`. */
  usage: string
  summary: string
  options: S
}

/** A bad command line; `runCli` prints it with the help hint and exits with status 2. */
export class CliUsageError extends Error {
  readonly code = 'CLI_USAGE'
  constructor (message: string) {
    super(message)
    this.name = 'CliUsageError'
  }
}

/** Options every training and evaluation command takes. */
export const COMMON_OPTIONS = {
  data: { type: 'string', description: 'required: interaction log file, dataset directory (e.g. ../shared/datasets/ml-100k) or "synthetic"' },
  format: { type: 'string', default: 'auto', description: DATA_FORMATS.join(' | ') },
  'models-dir': { type: 'string', default: 'models', description: 'artifact root holding teacher/ and student/ versions' },
  seed: { type: 'int', default: 42, description: 'seed for initialisation, sampling and shuffling' }
} as const satisfies OptionSpecs

/** The learning-rate, stopping and saving options every training command shares. */
export const TRAINING_OPTIONS = {
  'lr-decay': { type: 'string', default: 'constant', description: 'constant | linear: the learning rate falls to a tenth of itself by the last epoch' },
  patience: { type: 'int', default: TRAINING_DEFAULTS.patience, description: 'stop after this many epochs without a better validation NDCG@10' },
  'max-seconds': { type: 'float', description: 'stop after the epoch that passes this training time' },
  'no-save': { type: 'boolean', default: false, description: 'train and report without saving a version' }
} as const satisfies OptionSpecs

/** The epochs, step, stopping and saving options of both training commands, as their pipelines take them. */
export function trainingPlan (args: { epochs: number, 'batch-size': number, 'learning-rate': number, patience: number, 'max-seconds'?: number, 'no-save': boolean }):
{ epochs: number, batchSize: number, learningRate: number, patience: number, maxSeconds?: number, save: boolean } {
  return {
    epochs: args.epochs,
    batchSize: args['batch-size'],
    learningRate: args['learning-rate'],
    patience: args.patience,
    maxSeconds: args['max-seconds'],
    save: !args['no-save']
  }
}

/** The `--lr-decay` value, checked. */
export function learningRateDecay (value: string): LearningRateDecay {
  if (value !== 'constant' && value !== 'linear') throw new CliUsageError(`--lr-decay must be constant or linear, got ${JSON.stringify(value)}`)
  return value
}

export function helpText (spec: CliSpec<OptionSpecs>): string {
  const rows = Object.entries(spec.options).map(([name, o]) => {
    const flag = `--${name}${o.type === 'boolean' ? '' : ` <${o.type === 'string' ? 'value' : o.type}>`}`
    const fallback = o.default === undefined || o.default === false ? '' : ` (default: ${String(o.default)})`
    return `  ${flag.padEnd(28)} ${o.description}${fallback}`
  })
  return `${spec.summary}\n\nUsage: ${spec.usage} [options]\n\nOptions:\n${rows.join('\n')}\n  ${'--help'.padEnd(28)} show this help\n`
}

/** Parses `argv`; returns null after printing help when `--help` is given. */
export function parseCli<const S extends OptionSpecs> (spec: CliSpec<S>, argv: readonly string[], print = (text: string) => { process.stdout.write(text) }): ParsedOptions<S> | null {
  const config = Object.fromEntries(Object.entries(spec.options).map(([name, o]) => [name, { type: o.type === 'boolean' ? 'boolean' as const : 'string' as const }]))
  let parsed
  try {
    parsed = parseArgs({ args: [...argv], options: { ...config, help: { type: 'boolean' } }, strict: true, allowPositionals: false })
  } catch (err) {
    throw new CliUsageError((err as Error).message)
  }
  if (parsed.values.help === true) {
    print(helpText(spec))
    return null
  }
  const result: Record<string, unknown> = {}
  for (const [name, o] of Object.entries(spec.options)) {
    const raw = (parsed.values as Record<string, string | boolean | undefined>)[name]
    result[name] = raw === undefined ? o.default : convert(name, o, raw)
  }
  return result as ParsedOptions<S>
}

/** `--format`, checked against the formats the interaction reader knows. */
export function dataFormat (value: string): DataFormat {
  if (!(DATA_FORMATS as readonly string[]).includes(value)) throw new CliUsageError(`--format must be one of ${DATA_FORMATS.join(', ')}, got ${JSON.stringify(value)}`)
  return value as DataFormat
}

/** A comma list of positive integers, e.g. `--k 5,10,20`; duplicates dropped, order kept. */
export function positiveIntList (value: string, name: string): number[] {
  const parts = value.split(',').map((s) => s.trim())
  const numbers = parts.map(Number)
  if (parts.some((s) => s === '') || numbers.some((n) => !Number.isSafeInteger(n) || n < 1)) {
    throw new CliUsageError(`--${name} must be a comma list of positive integers, got ${JSON.stringify(value)}`)
  }
  return [...new Set(numbers)]
}

/** Throws a CliUsageError naming the option when a required one is missing. */
export function required<T> (value: T | undefined, name: string): T {
  if (value === undefined) throw new CliUsageError(`--${name} is required`)
  return value
}

/** Runs a CLI's main, printing failures as one line (with their code) and setting the exit status. */
export function runCli (main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    const e = err as Error & { code?: string }
    const hint = err instanceof CliUsageError ? ' (see --help)' : ''
    process.stderr.write(`error${e.code === undefined ? '' : ` [${e.code}]`}: ${e.message}${hint}\n`)
    process.exitCode = err instanceof CliUsageError ? 2 : 1
  })
}

function convert (name: string, spec: OptionSpec, raw: string | boolean): unknown {
  if (spec.type === 'boolean' || spec.type === 'string') return raw
  const value = Number(raw)
  const ok = raw !== '' && Number.isFinite(value) && (spec.type === 'float' || Number.isSafeInteger(value))
  if (!ok) throw new CliUsageError(`--${name} must be ${spec.type === 'int' ? 'an integer' : 'a number'}, got ${JSON.stringify(raw)}`)
  return value
}
