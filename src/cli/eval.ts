/**
 * Evaluates saved teacher and student versions, baselines and a bring-your-own teacher (a Layers
 * model or a teacher-scores file) on
 * a dataset, leave-one-out by time with full ranking:
 *   npm run eval -- --data ../shared/datasets/ml-100k [--models student,teacher,markov-chain]
 */
import { pathToFileURL } from 'node:url'
import { evaluate, topKOverlap, type EvaluationResult } from '../distill/evaluate.js'
import { loadStudent, loadTeacher } from '../models/artifact/model-io.js'
import { listVersions } from '../models/artifact/index.js'
import { ItemKnnScorer } from '../models/item-knn.js'
import { loadLayersTeacher } from '../models/layers-teacher.js'
import { UserListsScorer } from '../models/user-lists-scorer.js'
import { ensembleMembers } from '../distill/ensemble-members.js'
import { ensembleScorer, fitEnsemble } from '../distill/fit-ensemble.js'
import { layersItemMap, readScoresFile } from '../distill/teacher-source.js'
import { MarkovChainScorer } from '../models/markov-chain.js'
import { PopularityScorer } from '../models/popularity.js'
import type { Scorer } from '../models/scorer.js'
import { selectBackend } from '../tf/backend.js'
import { COMMON_OPTIONS, CliUsageError, parseCli, required, runCli, dataFormat } from './args.js'
import { checkCatalogue, describeData, loadData, type LoadedData } from '../distill/training-data.js'
import { fixed, markdownTable } from './table.js'

export const EVAL_SPEC = {
  usage: 'npm run eval --',
  summary: 'Scores saved models and baselines on held-out data (leave-one-out, full ranking).',
  options: {
    ...COMMON_OPTIONS,
    models: { type: 'string', default: 'saved', description: 'comma list of student, teacher, popularity, markov-chain, item-knn, layers, scores, ensemble; "saved" = every role with a version' },
    'ensemble-sharpness': { type: 'float', default: 5, description: 'logit of the best item of each count-based ensemble member (markov-chain, item-knn, popularity)' },
    'student-version': { type: 'int', description: 'student version (latest when omitted)' },
    'teacher-version': { type: 'int', description: 'teacher version (latest when omitted)' },
    'layers-dir': { type: 'string', description: 'directory of a TF.js Layers model (model.json + shards) to evaluate as "layers"' },
    'max-len': { type: 'int', default: 50, description: 'input length of the --layers-dir model' },
    'item-map': { type: 'string', description: 'the --layers-dir model\'s item numbering (CSV, TSV or JSON: item id, token, column; see npm run item-map)' },
    'teacher-scores': { type: 'string', description: 'JSON Lines of per-user top-N lists (as npm run distill reads them) to evaluate as "scores"' },
    split: { type: 'string', default: 'test', description: 'test | valid' },
    k: { type: 'int', default: 10, description: 'cut-off of NDCG, HR, coverage and tail recall' }
  }
} as const

const KNOWN = ['student', 'teacher', 'popularity', 'markov-chain', 'item-knn', 'layers', 'scores', 'ensemble']

export interface EvalRow extends EvaluationResult {
  model: string
  version: number | null
  seconds: number
}

export async function main (argv: readonly string[], print: (line: string) => void = console.log): Promise<EvalRow[] | null> {
  const args = parseCli(EVAL_SPEC, argv, (text) => print(text.trimEnd()))
  if (args === null) return null
  if (args.split !== 'test' && args.split !== 'valid') throw new CliUsageError(`--split must be test or valid, got ${JSON.stringify(args.split)}`)
  const names = args.models === 'saved'
    ? (['student', 'teacher'] as const).filter((role) => listVersions(args['models-dir'], role).length > 0)
    : args.models.split(',').map((s) => s.trim()).filter((s) => s !== '')
  const unknown = names.filter((n) => !KNOWN.includes(n))
  if (unknown.length > 0) throw new CliUsageError(`unknown model ${unknown.join(', ')}; choose from ${KNOWN.join(', ')}`)
  if (names.length === 0) throw new CliUsageError(`no saved models under ${args['models-dir']}; train one or pass --models`)

  const backend = await selectBackend()
  const data = await loadData(required(args.data, 'data'), dataFormat(args.format), args.seed)
  print(`${describeData(data)}; backend ${backend}`)
  const cases = data.split[args.split]
  const rows: EvalRow[] = []
  const scorers = new Map<string, Scorer>()
  const disposers: Array<() => void> = []
  try {
    for (const name of names) {
      const { scorer, version, dispose } = await build(name, data, args, print)
      if (dispose) disposers.push(dispose)
      scorers.set(name, scorer)
      const started = performance.now()
      const result = evaluate(scorer, cases, { k: args.k, tailItems: data.tailItems })
      rows.push({ model: name, version, seconds: (performance.now() - started) / 1000, ...result })
    }
    const k = args.k
    print('\n' + markdownTable(
      ['model', 'version', `NDCG@${k}`, `HR@${k}`, 'MRR', `coverage@${k}`, `tail recall@${k}`, 'eval s'],
      rows.map((r) => [r.model, r.version === null ? '–' : String(r.version), fixed(r.ndcg), fixed(r.hr), fixed(r.mrr),
        fixed(r.coverage), fixed(r.tailRecall), r.seconds.toFixed(1)])
    ))
    const teacher = scorers.get('teacher') ?? scorers.get('layers') ?? scorers.get('scores')
    const student = scorers.get('student')
    if (teacher && student) print(`\nteacher-student top-${k} overlap: ${fixed(topKOverlap(teacher, student, cases, k))}`)
  } finally {
    for (const dispose of disposers) dispose()
  }
  return rows
}

type EvalArgs = NonNullable<ReturnType<typeof parseCli<typeof EVAL_SPEC.options>>>

async function build (name: string, data: LoadedData, args: EvalArgs, print: (line: string) => void): Promise<{ scorer: Scorer, version: number | null, dispose?: () => void }> {
  const baseline = { train: data.split.train, numItems: data.dataset.items.size }
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
      const teacher = listVersions(args['models-dir'], 'teacher').length > 0 ? await loadTeacher(args['models-dir'], args['teacher-version']) : undefined
      try {
        if (teacher !== undefined) checkCatalogue(teacher.itemIds, data, `teacher v${teacher.manifest.version}`)
        const members = ensembleMembers(baseline, args['ensemble-sharpness'], teacher?.model)
        const fitted = fitEnsemble(members, data.split.valid, { k: args.k, seed: args.seed })
        print(`ensemble fitted on ${fitted.cases} validation users: ` +
          members.map((m, i) => `${i === 0 && teacher !== undefined ? `teacher v${teacher.manifest.version}` : m.scorer.name} ${fixed(fitted.weights[i])} (alone ${fixed(fitted.memberNdcg[i])})`).join(', ') +
          `; mixture valid NDCG@${args.k} ${fixed(fitted.ndcg)}`)
        return { scorer: ensembleScorer(members, fitted.weights, 'ensemble'), version: teacher?.manifest.version ?? null, dispose: () => teacher?.model.dispose() }
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
        ? await loadTeacher(args['models-dir'], args['teacher-version'])
        : await loadStudent(args['models-dir'], args['student-version'])
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
