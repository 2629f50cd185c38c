/**
 * Evaluates saved teacher and student versions (one, several or all), baselines and a
 * bring-your-own teacher (a Layers model or a teacher-scores file) on a dataset, leave-one-out by
 * time with full ranking, at one or several cut-offs; the figures also go to a results file:
 *   npm run eval -- --data ../shared/datasets/ml-100k [--models student,teacher,markov-chain] [--k 10,20] [--student-version 3,5]
 */
import { pathToFileURL } from 'node:url'
import { evaluateAtCutoffs, topKOverlap, type EvaluationResult } from '../distill/evaluation/evaluate.js'
import { loadStudent, loadTeacher } from '../models/artifact/model-io.js'
import { listVersions } from '../models/artifact/index.js'
import { ItemKnnScorer } from '../models/item-knn.js'
import { loadLayersTeacher } from '../models/layers-teacher.js'
import { UserListsScorer } from '../models/user-lists-scorer.js'
import { ensembleMembers } from '../distill/targets/ensemble-members.js'
import { ensembleScorer, fitEnsemble } from '../distill/targets/fit-ensemble.js'
import { layersItemMap, readScoresFile } from '../distill/targets/teacher-source.js'
import { MarkovChainScorer } from '../models/markov-chain.js'
import { PopularityScorer } from '../models/popularity.js'
import type { Scorer } from '../models/scorer.js'
import { selectBackend } from '../tf/backend.js'
import { COMMON_OPTIONS, CliUsageError, parseCli, positiveIntList, required, runCli, dataFormat } from './args.js'
import { RECORD_OPTIONS, runRecord } from './run-record.js'
import { FITS, foldValidation } from '../distill/training/fold-validation.js'
import { TRAINING_DEFAULTS } from '../distill/training-defaults.js'
import { checkCatalogue, describeData, loadData, type LoadedData } from '../distill/training/training-data.js'
import { fixed, markdownTable } from './table.js'

export const EVAL_SPEC = {
  usage: 'npm run eval --',
  summary: 'Scores saved models and baselines on held-out data (leave-one-out, full ranking).',
  options: {
    ...COMMON_OPTIONS,
    models: { type: 'string', default: 'saved', description: 'comma list of student, teacher, popularity, markov-chain, item-knn, layers, scores, ensemble; "saved" = every role with a version' },
    'ensemble-sharpness': { type: 'float', default: 5, description: 'logit of the best item of each count-based ensemble member (markov-chain, item-knn, popularity)' },
    'student-version': { type: 'string', description: 'student version, comma list of versions, or "all" (latest when omitted)' },
    'teacher-version': { type: 'string', description: 'teacher version, comma list of versions, or "all" (latest when omitted; the ensemble uses each)' },
    'layers-dir': { type: 'string', description: 'directory of a TF.js Layers model (model.json + shards) to evaluate as "layers"' },
    'max-len': { type: 'int', default: TRAINING_DEFAULTS.targets.maxLen, description: 'input length of the --layers-dir model' },
    'item-map': { type: 'string', description: 'the --layers-dir model\'s item numbering (CSV, TSV or JSON: item id, token, column; see npm run item-map)' },
    'teacher-scores': { type: 'string', description: 'JSON Lines of per-user top-N lists (as npm run distill reads them) to evaluate as "scores"' },
    split: { type: 'string', default: 'test', description: 'test | valid' },
    k: { type: 'string', default: '10', description: 'cut-off of NDCG, HR, coverage and tail recall, or a comma list of them (one table each)' },
    fit: { type: 'string', default: 'train', description: 'train | train+valid: fit the baselines (and the ensemble\'s baseline members; its weights stay fitted on validation) on train plus the validation targets for the test ranking; saved models are scored as trained' },
    ...RECORD_OPTIONS
  }
} as const

const KNOWN = ['student', 'teacher', 'popularity', 'markov-chain', 'item-knn', 'layers', 'scores', 'ensemble']

export interface EvalRow extends EvaluationResult {
  model: string
  version: number | null
  /** The cut-off of NDCG, HR, coverage and tail recall. */
  k: number
  /** Scoring time of this model and version (all cut-offs together). */
  seconds: number
}

export async function main (argv: readonly string[], print: (line: string) => void = console.log): Promise<EvalRow[] | null> {
  const args = parseCli(EVAL_SPEC, argv, (text) => print(text.trimEnd()))
  if (args === null) return null
  if (args.split !== 'test' && args.split !== 'valid') throw new CliUsageError(`--split must be test or valid, got ${JSON.stringify(args.split)}`)
  const ks = positiveIntList(args.k, 'k')
  if (!(FITS as readonly string[]).includes(args.fit)) throw new CliUsageError(`--fit must be ${FITS.join(' or ')}, got ${JSON.stringify(args.fit)}`)
  if (args.fit === 'train+valid' && args.split !== 'test') throw new CliUsageError('--fit train+valid is for the test split: validation targets would be in training')
  const names = args.models === 'saved'
    ? (['student', 'teacher'] as const).filter((role) => listVersions(args['models-dir'], role).length > 0)
    : args.models.split(',').map((s) => s.trim()).filter((s) => s !== '')
  const unknown = names.filter((n) => !KNOWN.includes(n))
  if (unknown.length > 0) throw new CliUsageError(`unknown model ${unknown.join(', ')}; choose from ${KNOWN.join(', ')}`)
  if (names.length === 0) throw new CliUsageError(`no saved models under ${args['models-dir']}; train one or pass --models`)
  const studentVersions = versions(args['student-version'], 'student', args['models-dir'])
  const teacherVersions = versions(args['teacher-version'], 'teacher', args['models-dir'])
  const record = runRecord('eval', argv, args, print)

  const backend = await selectBackend()
  const data = await loadData(required(args.data, 'data'), dataFormat(args.format), args.seed)
  record.print(`${describeData(data)}; backend ${backend}; baselines fitted on ${args.fit}`)
  const cases = data.split[args.split]
  const rows: EvalRow[] = []
  let teacher: Scorer | undefined
  let student: Scorer | undefined
  const disposers: Array<() => void> = []
  try {
    for (const name of names) {
      const list = name === 'student' ? studentVersions : name === 'teacher' || name === 'ensemble' ? teacherVersions : [undefined]
      for (const wanted of list) {
        const { scorer, version, dispose } = await build(name, wanted, data, args, record.print)
        if (dispose) disposers.push(dispose)
        if (name === 'student') student ??= scorer
        else if (name === 'teacher' || name === 'layers' || name === 'scores') teacher ??= scorer
        const started = performance.now()
        const results = evaluateAtCutoffs(scorer, cases, ks, { tailItems: data.tailItems })
        const seconds = (performance.now() - started) / 1000
        results.forEach((result, i) => rows.push({ model: name, version, k: ks[i], seconds, ...result }))
      }
    }
    for (const k of ks) {
      record.print('\n' + markdownTable(
        ['model', 'version', `NDCG@${k}`, `HR@${k}`, 'MRR', `coverage@${k}`, `tail recall@${k}`, 'eval s'],
        rows.filter((r) => r.k === k).map((r) => [r.model, r.version === null ? '–' : String(r.version), fixed(r.ndcg), fixed(r.hr), fixed(r.mrr),
          fixed(r.coverage), fixed(r.tailRecall), r.seconds.toFixed(1)])
      ))
    }
    const overlap = teacher && student ? topKOverlap(teacher, student, cases, ks[0]) : undefined
    if (overlap !== undefined) record.print(`\nteacher-student top-${ks[0]} overlap: ${fixed(overlap)}`)
    const path = await record.write({ data: data.source, fingerprint: data.fingerprint, backend, split: args.split, fit: args.fit, cases: cases.length, cutoffs: ks, rows, teacherStudentOverlap: overlap ?? null })
    if (path !== null) record.print(`\nresults: ${path}`)
  } finally {
    for (const dispose of disposers) dispose()
  }
  return rows
}

/** `--student-version` / `--teacher-version`: undefined (the latest), a comma list, or "all" saved versions. */
function versions (value: string | undefined, role: 'student' | 'teacher', modelsDir: string): Array<number | undefined> {
  if (value === undefined) return [undefined]
  if (value === 'all') {
    const saved = listVersions(modelsDir, role)
    if (saved.length === 0) throw new CliUsageError(`--${role}-version all: no ${role} versions under ${modelsDir}`)
    return saved
  }
  return positiveIntList(value, `${role}-version`)
}

type EvalArgs = NonNullable<ReturnType<typeof parseCli<typeof EVAL_SPEC.options>>>

async function build (name: string, version: number | undefined, data: LoadedData, args: EvalArgs, print: (line: string) => void): Promise<{ scorer: Scorer, version: number | null, dispose?: () => void }> {
  const numItems = data.dataset.items.size
  const baseline = { train: args.fit === 'train+valid' ? foldValidation(data).split.train : data.split.train, numItems }
  switch (name) {
    case 'popularity': return { scorer: new PopularityScorer(baseline), version: null }
    case 'markov-chain': return { scorer: new MarkovChainScorer(baseline), version: null }
    case 'item-knn': return { scorer: new ItemKnnScorer(baseline), version: null }
    case 'layers': {
      const itemMap = await layersItemMap(data, args['item-map'], print)
      const teacher = await loadLayersTeacher(required(args['layers-dir'], 'layers-dir'), { numItems: baseline.numItems, maxLen: args['max-len'], itemMap })
      return { scorer: teacher, version: null, dispose: () => teacher.dispose() }
    }
    case 'ensemble': {
      // the saved teacher (when there is one) and the baselines, weighted on validation NDCG@10
      const teacher = listVersions(args['models-dir'], 'teacher').length > 0 ? await loadTeacher(args['models-dir'], version) : undefined
      try {
        if (teacher !== undefined) checkCatalogue(teacher.itemIds, data, `teacher v${teacher.manifest.version}`)
        // weights fitted on validation with the baselines fitted on train; then the baselines as --fit says
        const members = ensembleMembers({ train: data.split.train, numItems }, args['ensemble-sharpness'], teacher?.model)
        const fitted = fitEnsemble(members, data.split.valid, { seed: args.seed })
        print(`ensemble fitted on ${fitted.cases} validation users: ` +
          members.map((m, i) => `${i === 0 && teacher !== undefined ? `teacher v${teacher.manifest.version}` : m.scorer.name} ${fixed(fitted.weights[i])} (alone ${fixed(fitted.memberNdcg[i])})`).join(', ') +
          `; mixture valid NDCG@10 ${fixed(fitted.ndcg)}`)
        const scoring = args.fit === 'train+valid' ? ensembleMembers(baseline, args['ensemble-sharpness'], teacher?.model) : members
        return { scorer: ensembleScorer(scoring, fitted.weights, 'ensemble'), version: teacher?.manifest.version ?? null, dispose: () => teacher?.model.dispose() }
      } catch (err) {
        teacher?.model.dispose()
        throw err
      }
    }
    case 'scores': {
      const file = required(args['teacher-scores'], 'teacher-scores')
      const byUser = await readScoresFile(file, data, print)
      return { scorer: new UserListsScorer('scores', baseline.numItems, data.dataset.users.ids().map((id) => byUser.get(id))), version: null }
    }
    default: {
      const loaded = name === 'teacher'
        ? await loadTeacher(args['models-dir'], version)
        : await loadStudent(args['models-dir'], version)
      try {
        checkCatalogue(loaded.itemIds, data, `${name} v${loaded.manifest.version}`)
      } catch (err) {
        loaded.model.dispose()
        throw err
      }
      return { scorer: loaded.model, version: loaded.manifest.version, dispose: () => loaded.model.dispose() }
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runCli(async () => { await main(process.argv.slice(2)) })
