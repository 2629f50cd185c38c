import { cachedTeacherTargets, type TargetsKey } from './targets-cache.js'
import { computeTeacherTargets, mixTeacherTargets, scorerTargets, TeacherTargets } from './teacher-targets.js'
import { trainingPositions, type TrainingPositions } from '../training/training-positions.js'
import { candidateTeacherTargets } from './candidate-targets.js'
import { TRAINING_DEFAULTS } from '../training-defaults.js'
import type { Teacher } from '../../models/teacher.js'
import { loadTeacher } from '../../models/artifact/model-io.js'
import { ItemKnnScorer } from '../../models/item-knn.js'
import { ensembleMembers } from './ensemble-members.js'
import { ensembleLabel, fitEnsemble, fittedEnsembleTargets, teacherDropped } from './fit-ensemble.js'
import type { TeacherProvenance } from '../../models/artifact/manifest.js'
import { fileSha256, layersSha256 } from '../../models/checksum.js'
import { readItemMap, type ItemMap } from '../../models/item-map-file.js'
import { loadLayersTeacher } from '../../models/layers-teacher.js'
import type { Scorer } from '../../models/scorer.js'
import { readTeacherScores, TeacherScoresError, type TeacherScoreList } from '../../models/teacher-scores-file.js'
import { catalogueFit, type LoadedData } from '../training/training-data.js'
import { DistillError } from '../distill-error.js'
import { throttledProgress, type LogLine } from '../training/progress.js'

export interface TeacherSourceOptions {
  modelsDir: string
  /** Saved teacher version; latest when omitted. Used unless a file or Layers model is given. */
  version?: number
  /** JSON Lines of per-user top-N lists from a teacher trained elsewhere. */
  scoresFile?: string
  /** A TF.js Layers model directory, fed item i as i + 1 left-padded to `maxLen` (or as `itemMapFile` says). */
  layersDir?: string
  /** The Layers model's own numbering of the items: a file read by readItemMap. */
  itemMapFile?: string
  maxLen: number
  topN: number
  /** Training positions per user (latest first); all when omitted. */
  perUser?: number
  /** A scores file's per-user list covers this many of the user's latest positions (default 1). */
  listPositions?: number
  withItemEmbeddings: boolean
  /**
   * A saved teacher of more items than this gives targets from `candidates` ANN candidates per
   * position (see candidate-targets.ts), recall against exact measured on `recallSample` positions.
   */
  exactMaxItems?: number
  candidates?: number
  recallSample?: number
  /**
   * Keep a saved teacher's targets beside it for later runs (default true). The worker passes
   * false: its data grows with every event, so each run's targets would be a new file.
   */
  cache?: boolean
  /**
   * Mixed distillation: item-KNN's soft targets mixed into the teacher's with this weight
   * (0 < weight < 1), its scores turned into logits with `sharpness` (see `scorerTargets`).
   */
  mixItemKnn?: { weight: number, sharpness: number }
  /**
   * Ensemble teacher: the teacher and the simple baselines (Markov chain, item-KNN, popularity,
   * their scores turned into logits with `sharpness`) mixed with weights fitted on validation
   * NDCG@10 (see fitEnsemble); a member of weight 0 gives no targets.
   */
  ensemble?: { sharpness: number }
  log: LogLine
}

/** A student run's teacher reads histories of up to 50 items and keeps its top 32 per position unless told otherwise. */

export interface TeacherSource {
  label: string
  /** Saved teacher version, null for a bring-your-own teacher. */
  version: number | null
  /** What the student's manifest records of it (the weight is the run's). */
  provenance: Omit<TeacherProvenance, 'weight'>
  targets: TeacherTargets
  /** For the top-k overlap report; absent for a scores file. */
  scorer?: Scorer
  /** The teacher model's parameters (a saved teacher's, a Layers model's); absent for a scores file. */
  params?: number
  /**
   * Why `targets` carry no item embeddings though they were asked for (`withItemEmbeddings`), e.g.
   * an ensemble that gave the attention teacher weight 0: the run then drops the hint loss (see
   * servedLosses). Absent when they carry them or were not asked for.
   */
  noItemEmbeddings?: string
  dispose (): void
}

/**
 * The teacher's soft targets for a student run, from a saved teacher version, a Layers model or a
 * scores file. A saved teacher and a Layers model give targets at every training position (their
 * scores after each prefix); a scores file gives one list per user, covering that user's latest
 * position(s), while the other positions train on the task loss alone. A run whose teacher
 * covers no position, or gives non-finite scores, fails with a DistillError.
 */
export async function loadTeacherSource (data: LoadedData, o: TeacherSourceOptions): Promise<TeacherSource> {
  // a catalogue smaller than the support: every item is in it
  o = { ...o, topN: Math.min(o.topN, data.dataset.items.size) }
  if (o.ensemble !== undefined && o.mixItemKnn !== undefined) throw new DistillError('DISTILL_OPTIONS_INVALID', 'an ensemble teacher already weighs item-KNN: drop the item-KNN mix')
  const { source, targets: teacherTargets, cache } = await openSource(data, o)
  try {
    const { label, targets, dropped } = o.ensemble !== undefined
      ? await ensembleTargets(data, o, o.ensemble.sharpness, source, teacherTargets)
      : { label: source.label, targets: await mixedTargets(data, o, teacherTargets, cache), dropped: undefined }
    const covered = targets.coveredCount
    if (covered === 0) throw new DistillError('TEACHER_TARGETS_EMPTY', `${label}: no training position got teacher targets (${targets.size} positions)`)
    o.log(`${label}: teacher targets at ${covered} of ${targets.size} training positions` +
      (covered < targets.size ? ' (the others train on the task loss alone)' : ''))
    const noItemEmbeddings = o.withItemEmbeddings && targets.itemEmbeddings === undefined
      ? dropped ?? source.noItemEmbeddings ?? 'its targets carry no item embeddings'
      : undefined
    return { ...source, label, targets, noItemEmbeddings }
  } catch (err) {
    source.dispose()
    throw err
  }
}

/**
 * The ensemble teacher's targets: weights of the teacher and the baselines fitted on validation,
 * then the teacher's own targets mixed with each kept baseline's (see mixTeacherTargets).
 * `dropped` says so when the fit gave the teacher weight 0 (its targets, item embeddings included, are then left out).
 */
async function ensembleTargets (data: LoadedData, o: TeacherSourceOptions, sharpness: number, source: OpenedSource['source'],
  teacherTargets: () => Promise<TeacherTargets>): Promise<{ label: string, targets: TeacherTargets, dropped?: string }> {
  if (source.scorer === undefined) throw new DistillError('DISTILL_OPTIONS_INVALID', `${source.label} cannot score validation users, so no ensemble can be fitted with it`)
  const { train, valid } = data.split
  const numItems = data.dataset.items.size
  const started = performance.now()
  const members = ensembleMembers({ train, numItems }, sharpness, source.scorer)
  const fitted = fitEnsemble(members, valid, { seed: 1 })
  const names = members.map((m, i) => i === 0 ? source.label : m.scorer.name)
  o.log(`ensemble fitted on ${fitted.cases} validation users in ${((performance.now() - started) / 1000).toFixed(1)}s: ` +
    names.map((name, i) => `${name} ${fitted.weights[i].toFixed(3)} (alone ${fitted.memberNdcg[i].toFixed(4)})`).join(', ') +
    `; mixture valid NDCG@10 ${fitted.ndcg.toFixed(4)}`)
  const own = await teacherTargets()
  const targets = fittedEnsembleTargets(members, fitted.weights, own, train, o.topN, (name) => throttledProgress(`${name} targets`, o.log))
  return { label: `ensemble of ${ensembleLabel(names, fitted.weights)}`, targets, dropped: teacherDropped(source.label, fitted.weights) }
}

/** The source's targets, mixed with item-KNN's when asked (and cached beside a saved teacher). */
async function mixedTargets (data: LoadedData, o: TeacherSourceOptions, teacherTargets: () => Promise<TeacherTargets>,
  cache: OpenedSource['cache']): Promise<TeacherTargets> {
  if (o.mixItemKnn === undefined) return await teacherTargets()
  const mixItemKnn = o.mixItemKnn
  const started = performance.now()
  const mix = async (): Promise<TeacherTargets> => {
    const own = await teacherTargets()
    const { train } = data.split
    const knn = scorerTargets(new ItemKnnScorer({ train, numItems: data.dataset.items.size }), train, own.positions,
      { topN: o.topN, sharpness: mixItemKnn.sharpness, onProgress: throttledProgress('item-KNN targets', o.log) })
    return mixTeacherTargets([own, knn], [1 - mixItemKnn.weight, mixItemKnn.weight], o.topN)
  }
  // a saved teacher's mix is kept beside its own targets (a mix read back skips them); the other sources are mixed every run
  const { targets, cached } = cache === undefined || o.cache === false
    ? { targets: await mix(), cached: false }
    : await cachedTeacherTargets(cache.dir, { ...cache.key, mixItemKnn }, mix)
  o.log(`mixed with item-KNN (weight ${mixItemKnn.weight}, sharpness ${mixItemKnn.sharpness}): ${cached ? 'read back' : 'computed'} in ` +
    `${((performance.now() - started) / 1000).toFixed(1)}s`)
  return targets
}

interface OpenedSource {
  source: Omit<TeacherSource, 'targets'>
  /** The source's own targets, read or computed when first needed. */
  targets: () => Promise<TeacherTargets>
  /** For a saved teacher: where its targets are cached, so that a mix can be cached there too. */
  cache?: { dir: string, key: TargetsKey }
}

async function openSource (data: LoadedData, o: TeacherSourceOptions): Promise<OpenedSource> {
  const { train } = data.split
  const perUser = o.perUser ?? Infinity
  if (o.scoresFile !== undefined) {
    const file = o.scoresFile
    return {
      source: { label: file, version: null, provenance: { kind: 'scores', source: file, sha256: await scoresSha256(file) }, noItemEmbeddings: 'a teacher-scores file holds no item embeddings', dispose () {} },
      targets: async () => {
        const byUser = await readScoresFile(file, data, o.log)
        const lists = data.dataset.users.ids().map((id) => byUser.get(id))
        return TeacherTargets.fromUserLists(train, lists, o.topN, o.listPositions ?? 1, trainingPositions(train, perUser))
      }
    }
  }
  if (o.layersDir !== undefined) {
    const teacher = await loadLayersTeacher(o.layersDir, { numItems: data.dataset.items.size, maxLen: o.maxLen, itemMap: await layersItemMap(data, o.itemMapFile, o.log) })
    let sha256: string
    try {
      sha256 = await layersSha256(o.layersDir)
    } catch (err) {
      teacher.dispose()
      throw err
    }
    return {
      source: {
        label: o.layersDir,
        version: null,
        provenance: { kind: 'layers', source: o.layersDir, sha256 },
        scorer: teacher,
        params: teacher.model.countParams(),
        noItemEmbeddings: 'a Layers teacher\'s item embeddings are not read',
        dispose: () => teacher.dispose()
      },
      targets: async () => {
        const started = performance.now()
        // its outputs are taken as logits, after every prefix as a saved teacher's are
        const targets = scorerTargets(teacher, train, trainingPositions(train, perUser), { topN: o.topN, onProgress: throttledProgress('teacher targets', o.log) })
        o.log(`${o.layersDir}: top-${o.topN} targets at ${targets.size} positions computed in ${((performance.now() - started) / 1000).toFixed(1)}s`)
        return targets
      }
    }
  }
  const loaded = await loadTeacher(o.modelsDir, o.version)
  const label = `teacher v${loaded.manifest.version}`
  let fit
  try {
    fit = catalogueFit(loaded.itemIds, data, label)
  } catch (err) {
    loaded.model.dispose()
    throw err
  }
  // items the teacher never saw read as its padding; its targets then hold old items only
  const teacherTrain = fit === 'same' ? train : train.map((s) => s.map((item) => Math.min(item, loaded.model.padId)))
  if (fit === 'prefix') o.log(`${label} knows ${loaded.itemIds.length} of the data's ${data.dataset.items.size} items: the new ones get no soft targets`)
  // its item table lacks the new items' rows, so a grown catalogue gets no item embeddings
  const withItemEmbeddings = o.withItemEmbeddings && fit === 'same'
  const approximate = loaded.model.numItems > (o.exactMaxItems ?? TRAINING_DEFAULTS.targets.exactMaxItems)
  const candidates = o.candidates ?? TRAINING_DEFAULTS.targets.candidates
  const key: TargetsKey = { dataset: data.fingerprint, topN: o.topN, perUser, withItemEmbeddings, ...(approximate ? { candidates } : {}) }
  return {
    // its scores cover its own catalogue only, so no overlap report on a grown one
    source: {
      label,
      version: loaded.manifest.version,
      provenance: { kind: 'saved', source: label, sha256: loaded.manifest.weights.sha256 },
      scorer: fit === 'same' ? loaded.model : undefined,
      params: loaded.model.paramCount(),
      noItemEmbeddings: fit === 'same' ? undefined : `${label} has no embeddings of the data's ${data.dataset.items.size - loaded.itemIds.length} new items`,
      dispose: () => loaded.model.dispose()
    },
    targets: async () => {
      const started = performance.now()
      const compute = (): TeacherTargets => approximate
        ? approximateTargets(loaded.model, teacherTrain, trainingPositions(train, perUser), label, candidates, o, withItemEmbeddings)
        : computeTeacherTargets(loaded.model, teacherTrain, trainingPositions(train, perUser),
          { topN: o.topN, withItemEmbeddings, onProgress: throttledProgress('teacher targets', o.log) })
      const { targets, cached } = o.cache === false ? { targets: compute(), cached: false } : await cachedTeacherTargets(loaded.dir, key, compute)
      o.log(`${label}: top-${o.topN} targets at ${targets.size} positions ${cached ? 'read back' : 'computed'} in ` +
        `${((performance.now() - started) / 1000).toFixed(1)}s (${(targets.memoryBytes() / 2 ** 20).toFixed(1)} MiB)`)
      return targets
    },
    cache: { dir: loaded.dir, key }
  }
}

/** Candidate targets (a large catalogue), with what they cost and how close they are to exact in the log. */
function approximateTargets (teacher: Teacher, train: readonly Int32Array[], positions: TrainingPositions, label: string, candidates: number,
  o: TeacherSourceOptions, withItemEmbeddings: boolean): TeacherTargets {
  const run = candidateTeacherTargets(teacher, train, positions, {
    topN: o.topN,
    fetch: candidates,
    withItemEmbeddings,
    recallSample: o.recallSample ?? TRAINING_DEFAULTS.targets.recallSample,
    onProgress: throttledProgress('teacher targets', o.log)
  })
  const recall = run.recall === null
    ? 'recall not measured'
    : `recall against exact top-${o.topN} ${run.recall.toFixed(4)} (top-10 ${run.recall10!.toFixed(4)}) on ${run.sampled} sampled positions`
  o.log(`${label}: ${teacher.numItems} items is over ${o.exactMaxItems ?? TRAINING_DEFAULTS.targets.exactMaxItems}: targets from ${candidates} ANN candidates a position ` +
    `(index built in ${run.buildSeconds.toFixed(1)}s, all in ${run.seconds.toFixed(1)}s); ${recall}`,
  { stage: 'targets', candidates, targetsRecall: run.recall, targetsRecall10: run.recall10, recallSample: run.sampled })
  return run.targets
}

/**
 * The item map a Layers teacher is read with: the file's, refused when it maps fewer than half of
 * the data's items (with the counts), or none (the project's numbering, said in the log).
 */
export async function layersItemMap (data: LoadedData, file: string | undefined, log: (line: string) => void): Promise<ItemMap | undefined> {
  const numItems = data.dataset.items.size
  if (file === undefined) {
    log('no --item-map: the Layers model is read in the project\'s item numbering (token = index + 1, column = index, ' +
      'index = order of first appearance in the data; npm run item-map writes it)')
    return undefined
  }
  const { map, mapped, unknownIds } = await readItemMap(file, data.dataset.items)
  if (2 * mapped < numItems) {
    throw new DistillError('TEACHER_TARGETS_INVALID', `${file} maps ${mapped} of the data's ${numItems} items` +
      (unknownIds.length > 0 ? ` (${unknownIds.length} of its ids are not in the data, e.g. ${unknownIds.slice(0, 3).map((id) => JSON.stringify(id)).join(', ')})` : '') +
      ': is it this data\'s item map?')
  }
  log(`${file}: maps ${mapped} of the data's ${numItems} items (the others score last); ${unknownIds.length} ids not in the data skipped`)
  return map
}

async function scoresSha256 (file: string): Promise<string> {
  try {
    return await fileSha256(file)
  } catch (err) {
    throw new TeacherScoresError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err })
  }
}

/**
 * A teacher-scores file, refused when it holds no list, or when most of its users or item entries
 * are unknown to the data (ids from another catalogue or numbering: distilling would teach
 * nothing), with the counts; a minority of unknown ones is skipped and counted in the log.
 */
export async function readScoresFile (file: string, data: LoadedData, log: (line: string) => void): Promise<Map<string, TeacherScoreList>> {
  const unknownItems: string[] = []
  const byUser = await readTeacherScores(file, data.dataset.items, { unknownItems: 'skip', onSkip: (_, itemId) => { unknownItems.push(itemId) } })
  if (byUser.size === 0) throw new DistillError('TEACHER_TARGETS_EMPTY', `${file} holds no user lists`)
  const unknownUsers = [...byUser.keys()].filter((id) => data.dataset.users.index(id) === undefined)
  let entries = unknownItems.length
  for (const list of byUser.values()) entries += list.items.length
  const examples = (ids: readonly string[]): string => ids.slice(0, 3).map((id) => JSON.stringify(id)).join(', ')
  if (2 * unknownUsers.length > byUser.size) {
    throw new DistillError('TEACHER_TARGETS_INVALID', `${file}: ${unknownUsers.length} of its ${byUser.size} users are not in the data ` +
      `(e.g. ${examples(unknownUsers)}): are they the data's user ids?`)
  }
  if (2 * unknownItems.length > entries) {
    throw new DistillError('TEACHER_TARGETS_INVALID', `${file}: ${unknownItems.length} of its ${entries} item entries are not in the data's catalogue ` +
      `(e.g. ${examples(unknownItems)}): are they the data's item ids?`)
  }
  log(`${file}: ${byUser.size} user lists (${byUser.size - unknownUsers.length} of the data's ${data.dataset.users.size} users); ` +
    `skipped ${unknownUsers.length} unknown users and ${unknownItems.length} of ${entries} item entries not in the catalogue`)
  return byUser
}
