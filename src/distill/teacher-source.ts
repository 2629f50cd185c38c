import { cachedTeacherTargets, type TargetsKey } from './targets-cache.js'
import { computeTeacherTargets, mixTeacherTargets, scorerTargets, TeacherTargets } from './teacher-targets.js'
import { trainingPositions } from './training-positions.js'
import { loadTeacher } from '../models/artifact/model-io.js'
import { ItemKnnScorer } from '../models/item-knn.js'
import { loadLayersTeacher } from '../models/layers-teacher.js'
import type { Scorer } from '../models/scorer.js'
import { readTeacherScores, type TeacherScoreList } from '../models/teacher-scores-file.js'
import { topK } from '../models/top-k.js'
import { catalogueFit, type LoadedData } from './training-data.js'
import { DistillError } from './distill-error.js'

export interface TeacherSourceOptions {
  modelsDir: string
  /** Saved teacher version; latest when omitted. Used unless a file or Layers model is given. */
  version?: number
  /** JSON Lines of per-user top-N lists from a teacher trained elsewhere. */
  scoresFile?: string
  /** A TF.js Layers model directory, fed item i as i + 1 left-padded to `maxLen`. */
  layersDir?: string
  maxLen: number
  topN: number
  /** Training positions per user that get targets (latest first); all when omitted. */
  perUser?: number
  withItemEmbeddings: boolean
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
  log: (line: string) => void
}

export interface TeacherSource {
  label: string
  /** Saved teacher version, null for a bring-your-own teacher. */
  version: number | null
  targets: TeacherTargets
  /** For the top-k overlap report; absent for a scores file. */
  scorer?: Scorer
  dispose (): void
}

/**
 * The teacher's soft targets for a student run, from a saved teacher version, a Layers model or a
 * scores file. A saved teacher gives targets at every training position (its own state after each
 * prefix); the other two give one list per user, attached to that user's latest positions.
 */
export async function loadTeacherSource (data: LoadedData, o: TeacherSourceOptions): Promise<TeacherSource> {
  const { source, targets: teacherTargets, cache } = await openSource(data, o)
  try {
    if (o.mixItemKnn === undefined) return { ...source, targets: await teacherTargets() }
    const mixItemKnn = o.mixItemKnn
    const started = performance.now()
    const mix = async (): Promise<TeacherTargets> => {
      const own = await teacherTargets()
      const { train } = data.split
      const knn = scorerTargets(new ItemKnnScorer({ train, numItems: data.dataset.items.size }), train, own.positions, { topN: o.topN, sharpness: mixItemKnn.sharpness })
      return mixTeacherTargets([own, knn], [1 - mixItemKnn.weight, mixItemKnn.weight], o.topN)
    }
    // a saved teacher's mix is kept beside its own targets (a mix read back skips them); the other sources are mixed every run
    const { targets, cached } = cache === undefined || o.cache === false
      ? { targets: await mix(), cached: false }
      : await cachedTeacherTargets(cache.dir, { ...cache.key, mixItemKnn }, mix)
    o.log(`mixed with item-KNN (weight ${mixItemKnn.weight}, sharpness ${mixItemKnn.sharpness}): ${cached ? 'read back' : 'computed'} in ` +
      `${((performance.now() - started) / 1000).toFixed(1)}s`)
    return { ...source, targets }
  } catch (err) {
    source.dispose()
    throw err
  }
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
      source: { label: file, version: null, dispose () {} },
      targets: async () => {
        let skipped = 0
        const byUser = await readTeacherScores(file, data.dataset.items, { unknownItems: 'skip', onSkip: () => { skipped++ } })
        if (skipped > 0) o.log(`${file}: skipped ${skipped} item ids not in the dataset`)
        const lists = data.dataset.users.ids().map((id) => byUser.get(id))
        return TeacherTargets.fromUserLists(train, lists, o.topN, fromListsPerUser(perUser))
      }
    }
  }
  if (o.layersDir !== undefined) {
    const teacher = await loadLayersTeacher(o.layersDir, { numItems: data.dataset.items.size, maxLen: o.maxLen })
    return {
      source: { label: o.layersDir, version: null, scorer: teacher, dispose: () => teacher.dispose() },
      targets: async () => TeacherTargets.fromUserLists(train, topLists(teacher, train, o.topN), o.topN, fromListsPerUser(perUser))
    }
  }
  const loaded = await loadTeacher(o.modelsDir, o.version)
  const label = `teacher v${loaded.manifest.version}`
  let fit
  try {
    fit = catalogueFit(loaded.itemIds, data, label)
    if (fit === 'prefix' && o.withItemEmbeddings) throw new DistillError('DISTILL_OPTIONS_INVALID', `${label} lacks embeddings of the data's new items: the hint loss needs a teacher trained on this data`)
  } catch (err) {
    loaded.model.dispose()
    throw err
  }
  // items the teacher never saw read as its padding; its targets then hold old items only
  const teacherTrain = fit === 'same' ? train : train.map((s) => s.map((item) => Math.min(item, loaded.model.padId)))
  if (fit === 'prefix') o.log(`${label} knows ${loaded.itemIds.length} of the data's ${data.dataset.items.size} items: the new ones get no soft targets`)
  const key: TargetsKey = { dataset: data.fingerprint, topN: o.topN, perUser, withItemEmbeddings: o.withItemEmbeddings }
  return {
    // its scores cover its own catalogue only, so no overlap report on a grown one
    source: { label, version: loaded.manifest.version, scorer: fit === 'same' ? loaded.model : undefined, dispose: () => loaded.model.dispose() },
    targets: async () => {
      const started = performance.now()
      const compute = (): TeacherTargets =>
        computeTeacherTargets(loaded.model, teacherTrain, trainingPositions(train, perUser), { topN: o.topN, withItemEmbeddings: o.withItemEmbeddings })
      const { targets, cached } = o.cache === false ? { targets: compute(), cached: false } : await cachedTeacherTargets(loaded.dir, key, compute)
      o.log(`${label}: top-${o.topN} targets at ${targets.size} positions ${cached ? 'read back' : 'computed'} in ` +
        `${((performance.now() - started) / 1000).toFixed(1)}s (${(targets.memoryBytes() / 2 ** 20).toFixed(1)} MiB)`)
      return targets
    },
    cache: { dir: loaded.dir, key }
  }
}

/** A per-user list describes the whole history, so by default it is attached to the latest position only. */
function fromListsPerUser (perUser: number): number {
  return Number.isFinite(perUser) ? perUser : 1
}

function topLists (scorer: Scorer, train: readonly Int32Array[], topN: number): Array<TeacherScoreList | undefined> {
  const lists: Array<TeacherScoreList | undefined> = []
  const batch = 256
  for (let start = 0; start < train.length; start += batch) {
    const histories = train.slice(start, start + batch)
    scorer.scoreBatch(histories).forEach((row, i) => {
      if (histories[i].length === 0) {
        lists.push(undefined)
        return
      }
      const best = topK(row, topN)
      lists.push({ items: Int32Array.from(best, (s) => s.index), scores: Float32Array.from(best, (s) => s.score) })
    })
  }
  return lists
}
