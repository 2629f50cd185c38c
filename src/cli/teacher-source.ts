import { cachedTeacherTargets, type TargetsKey } from '../distill/targets-cache.js'
import { computeTeacherTargets, mixTeacherTargets, scorerTargets, TeacherTargets } from '../distill/teacher-targets.js'
import { trainingPositions } from '../distill/training-positions.js'
import { loadTeacher } from '../models/artifact-model.js'
import { ItemKnnScorer } from '../models/item-knn.js'
import { loadLayersTeacher } from '../models/layers-teacher.js'
import type { Scorer } from '../models/scorer.js'
import { readTeacherScores, type TeacherScoreList } from '../models/teacher-scores-file.js'
import { topK } from '../serving/top-k.js'
import { checkCatalogue, type LoadedData } from './load-data.js'

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
  const { source, cache } = await loadSingleSource(data, o)
  if (o.mixItemKnn === undefined) return source
  const mixItemKnn = o.mixItemKnn
  const started = performance.now()
  const mix = (): TeacherTargets => {
    const { train } = data.split
    const knn = scorerTargets(new ItemKnnScorer({ train, numItems: data.dataset.items.size }), train, source.targets.positions, { topN: o.topN, sharpness: mixItemKnn.sharpness })
    return mixTeacherTargets([source.targets, knn], [1 - mixItemKnn.weight, mixItemKnn.weight], o.topN)
  }
  // a saved teacher's mix is kept beside its own targets; the other sources are mixed every run
  const { targets, cached } = cache === undefined
    ? { targets: mix(), cached: false }
    : await cachedTeacherTargets(cache.dir, { ...cache.key, mixItemKnn }, mix)
  o.log(`mixed with item-KNN (weight ${mixItemKnn.weight}, sharpness ${mixItemKnn.sharpness}): ${cached ? 'read back' : 'computed'} in ` +
    `${((performance.now() - started) / 1000).toFixed(1)}s`)
  return { ...source, targets }
}

/** A source, and for a saved teacher where its targets are cached (so a mix can be cached there too). */
async function loadSingleSource (data: LoadedData, o: TeacherSourceOptions): Promise<{ source: TeacherSource, cache?: { dir: string, key: TargetsKey } }> {
  const { train } = data.split
  const perUser = o.perUser ?? Infinity
  if (o.scoresFile !== undefined) {
    let skipped = 0
    const byUser = await readTeacherScores(o.scoresFile, data.dataset.items, { unknownItems: 'skip', onSkip: () => { skipped++ } })
    if (skipped > 0) o.log(`${o.scoresFile}: skipped ${skipped} item ids not in the dataset`)
    const lists = data.dataset.users.ids().map((id) => byUser.get(id))
    return { source: { label: o.scoresFile, version: null, targets: TeacherTargets.fromUserLists(train, lists, o.topN, fromListsPerUser(perUser)), dispose () {} } }
  }
  if (o.layersDir !== undefined) {
    const teacher = await loadLayersTeacher(o.layersDir, { numItems: data.dataset.items.size, maxLen: o.maxLen })
    const lists = topLists(teacher, train, o.topN)
    return { source: { label: o.layersDir, version: null, targets: TeacherTargets.fromUserLists(train, lists, o.topN, fromListsPerUser(perUser)), scorer: teacher, dispose: () => teacher.dispose() } }
  }
  const loaded = await loadTeacher(o.modelsDir, o.version)
  try {
    checkCatalogue(loaded.itemIds, data, `teacher v${loaded.manifest.version}`)
    const started = performance.now()
    const key: TargetsKey = { dataset: data.fingerprint, topN: o.topN, perUser, withItemEmbeddings: o.withItemEmbeddings }
    const { targets, cached } = await cachedTeacherTargets(loaded.dir, key, () =>
      computeTeacherTargets(loaded.model, train, trainingPositions(train, perUser), { topN: o.topN, withItemEmbeddings: o.withItemEmbeddings }))
    o.log(`teacher v${loaded.manifest.version}: top-${o.topN} targets at ${targets.size} positions ${cached ? 'read back' : 'computed'} in ` +
      `${((performance.now() - started) / 1000).toFixed(1)}s (${(targets.memoryBytes() / 2 ** 20).toFixed(1)} MiB)`)
    return {
      source: { label: `teacher v${loaded.manifest.version}`, version: loaded.manifest.version, targets, scorer: loaded.model, dispose: () => loaded.model.dispose() },
      cache: { dir: loaded.dir, key }
    }
  } catch (err) {
    loaded.model.dispose()
    throw err
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
