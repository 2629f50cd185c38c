import { buildDataset } from '../../src/data/build-dataset.js'
import type { Dataset } from '../../src/data/dataset.js'
import { generateSynthetic } from '../../src/data/synthetic.js'
import { datasetFingerprint } from '../../src/models/artifact/index.js'
import { saveModel } from '../../src/models/artifact/model-io.js'
import { Student, type StudentFamily } from '../../src/models/student.js'

/** The synthetic dataset the test app serves (test/helper.ts sets SYNTHETIC_SEED=7). */
export const dataset: Dataset = buildDataset(generateSynthetic({ seed: 7 }))

/**
 * Saves a freshly initialised student over `itemIds` (the dataset's catalogue by default) as the
 * next version in `modelsDir`. Serving does not depend on quality, only on the weights it is given.
 */
export async function saveStudent (modelsDir: string, { seed = 11, itemIds = dataset.items.ids(), family }: { seed?: number, itemIds?: readonly string[], family?: StudentFamily } = {}): Promise<number> {
  const student = new Student({ numItems: itemIds.length, dim: 8, window: 5, seed, ...(family === undefined ? {} : { family }) })
  try {
    const { version } = await saveModel(modelsDir, student, { itemIds, datasetFingerprint: datasetFingerprint(dataset.sequences) })
    return version
  } finally {
    student.dispose()
  }
}

/** The student saved as `version`, for reference rankings; the caller disposes it. */
export { loadStudent } from '../../src/models/artifact/model-io.js'
