/**
 * Searches the teacher's and the student's main settings on validation NDCG@10 within a time
 * budget and keeps the choice beside the data's fingerprint, where `npm run train:teacher` and
 * `npm run distill` pick it up for every option their command line leaves at its default:
 *   npm run tune -- --data ../shared/datasets/ml-100k --budget-minutes 30
 * The test split is never read.
 */
import { pathToFileURL } from 'node:url'
import { TRAINING_DEFAULTS } from '../distill/training-defaults.js'
import { tune } from '../distill/tuning/tune.js'
import { saveTunedSettings } from '../distill/tuning/tuned-settings.js'
import { COMMON_OPTIONS, CliUsageError, parseCli, runCli } from './args.js'
import { RECORD_OPTIONS } from './run-record.js'
import { startTraining } from './training-start.js'
import { STUDENT_FAMILIES, type StudentFamily } from '../models/student-config.js'

export const TUNE_SPEC = {
  usage: 'npm run tune --',
  summary: 'Random search of the teacher\'s, then the student\'s, settings on validation NDCG@10 within a time budget; saves the choice for train:teacher and distill.',
  options: {
    data: COMMON_OPTIONS.data,
    format: COMMON_OPTIONS.format,
    'models-dir': COMMON_OPTIONS['models-dir'],
    seed: COMMON_OPTIONS.seed,
    'budget-minutes': { type: 'float', default: 30, description: 'wall-clock budget of the whole search (60% teacher, 40% student)' },
    trials: { type: 'int', description: 'trials per phase at most (default: as many as the budget allows; trial 1 is the defaults)' },
    epochs: { type: 'int', default: 30, description: `epochs per trial at most (early stopping on validation, patience ${TRAINING_DEFAULTS.patience})` },
    student: { type: 'string', default: 'pooling', description: `the student family whose settings are searched: ${STUDENT_FAMILIES.join(' | ')} (each family's choice is kept; distill --student <family> reads its own)` },
    ...RECORD_OPTIONS
  }
} as const

export async function main (argv: readonly string[], print: (line: string) => void = console.log): Promise<string | null> {
  const args = parseCli(TUNE_SPEC, argv, (text) => print(text.trimEnd()))
  if (args === null) return null
  if (!(args['budget-minutes'] > 0)) throw new CliUsageError('--budget-minutes must be positive')
  if (args.trials !== undefined && !(args.trials >= 1)) throw new CliUsageError('--trials must be at least 1')
  if (!(args.epochs >= 1)) throw new CliUsageError('--epochs must be at least 1')
  if (!(STUDENT_FAMILIES as readonly string[]).includes(args.student)) throw new CliUsageError(`--student takes one of ${STUDENT_FAMILIES.join(', ')}, got ${JSON.stringify(args.student)}`)
  const family = args.student as StudentFamily
  // the choice is saved once the whole budget is spent: refuse a place it cannot go now
  const { record, backend, data } = await startTraining('tune', argv, args, print, { writes: 'tuned' })
  print = record.print
  const budgetSeconds = args['budget-minutes'] * 60
  const result = tune(data, { budgetSeconds, seed: args.seed, trials: args.trials, epochs: args.epochs, family, log: print })
  const path = await saveTunedSettings(args['models-dir'], data.fingerprint, result, budgetSeconds)
  print(`chosen teacher: ${JSON.stringify(result.teacher.settings)} (valid NDCG@10 ${result.teacher.validNdcg.toFixed(4)}, ${result.trials.teacher.length} trials)`)
  print(`chosen ${family} student: ${JSON.stringify(result.student.settings)} (valid NDCG@10 ${result.student.validNdcg.toFixed(4)}, ${result.trials.student.length} trials)`)
  print(`saved ${path}`)
  const results = await record.write({ data: data.source, fingerprint: data.fingerprint, backend, budgetSeconds, settings: path, ...result })
  if (results !== null) print(`results: ${results}`)
  return path
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runCli(async () => { await main(process.argv.slice(2)) })
