import * as tf from '@tensorflow/tfjs'
import { invalid } from './artifact/artifact-error.js'
import { fileSystemHandler } from './layers-fs-handler.js'
import type { Scorer } from './scorer.js'

export interface LayersTeacherOptions {
  numItems: number
  /** Length of the model's input sequences. */
  maxLen: number
  /**
   * Added to every dense item index before it is fed to the model. The default 1 keeps 0 free
   * for padding (item i is fed as i + 1); use 0 for a model trained on raw indices, where
   * padding then looks like item 0.
   */
  indexOffset?: number
  /** Output columns before item 0's score, e.g. 1 for a model that also scores the padding id. Default 0. */
  outputOffset?: number
  /** Histories scored per forward pass. Default 256. */
  batchSize?: number
  name?: string
}

export interface LayersTeacher extends Scorer {
  readonly model: tf.LayersModel
  /** Releases the model's weights; the scorer must not be used afterwards. */
  dispose (): void
}

/**
 * Brings your own teacher: loads any TF.js Layers model (e.g. a Keras model exported with
 * tensorflowjs_converter) from a local directory and scores with it.
 * Input: each history's most recent `maxLen` items, shifted by `indexOffset` and left-padded with 0,
 * as int32 [batch, maxLen]. Output: [batch, outputOffset + numItems] scores, higher is better.
 * The model's input and output shapes are checked at load; a mismatch is an ArtifactError.
 */
export async function loadLayersTeacher (dir: string, options: LayersTeacherOptions): Promise<LayersTeacher> {
  const { numItems, maxLen, indexOffset = 1, outputOffset = 0, batchSize = 256 } = options
  const model = await loadModel(dir)
  try {
    checkShapes(model, dir, maxLen, outputOffset + numItems)
  } catch (err) {
    model.dispose()
    throw err
  }
  const input = new Int32Array(batchSize * maxLen)

  function scoreChunk (histories: readonly Int32Array[]): Float32Array[] {
    const batch = histories.length
    input.fill(0, 0, batch * maxLen)
    histories.forEach((history, row) => {
      const recent = history.subarray(Math.max(0, history.length - maxLen))
      const start = row * maxLen + maxLen - recent.length
      for (let j = 0; j < recent.length; j++) {
        const item = recent[j]
        if (!(item >= 0 && item < numItems)) throw new RangeError(`history ${row} holds item ${item}, outside 0..${numItems - 1}`)
        input[start + j] = item + indexOffset
      }
    })
    const scores = tf.tidy(() => {
      const x = tf.tensor2d(input.subarray(0, batch * maxLen), [batch, maxLen], 'int32')
      const y = model.predict(x) as tf.Tensor2D
      return y.slice([0, outputOffset], [batch, numItems]).toFloat()
    })
    const flat = scores.dataSync() as Float32Array
    scores.dispose()
    return histories.map((_, row) => flat.subarray(row * numItems, (row + 1) * numItems))
  }

  return {
    name: options.name ?? 'layers-teacher',
    numItems,
    model,
    scoreBatch (histories) {
      const rows: Float32Array[] = []
      for (let i = 0; i < histories.length; i += batchSize) rows.push(...scoreChunk(histories.slice(i, i + batchSize)))
      return rows
    },
    dispose () {
      model.dispose()
    }
  }
}

async function loadModel (dir: string): Promise<tf.LayersModel> {
  try {
    return await tf.loadLayersModel(fileSystemHandler(dir))
  } catch (err) {
    if ((err as { code?: string }).code === 'ARTIFACT_INVALID') throw err
    throw invalid(`${dir}/model.json`, `is not a loadable Layers model (${(err as Error).message})`, err)
  }
}

function checkShapes (model: tf.LayersModel, dir: string, maxLen: number, width: number): void {
  const file = `${dir}/model.json`
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw invalid(file, `model has ${model.inputs.length} inputs and ${model.outputs.length} outputs, expected 1 and 1`)
  }
  const inShape = model.inputs[0].shape
  if (inShape.length !== 2 || (inShape[1] !== null && inShape[1] !== maxLen)) {
    throw invalid(file, `model input shape is [${inShape.map(String)}], expected [null,${maxLen}]`)
  }
  const outShape = model.outputs[0].shape
  if (outShape.length !== 2 || outShape[1] !== width) {
    throw invalid(file, `model output shape is [${outShape.map(String)}], expected [null,${width}]`)
  }
}
