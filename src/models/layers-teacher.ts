import * as tf from '@tensorflow/tfjs'
import { invalid } from './artifact/artifact-error.js'
import { fileSystemHandler } from './layers-fs-handler.js'
import type { ItemMap } from './item-map-file.js'
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
  /**
   * The model's own numbering of the items (see item-map-file.ts): input token and output column
   * per dense item; replaces `indexOffset` and `outputOffset`. An item the map lacks is fed as
   * padding and scored UNMAPPED.
   */
  itemMap?: ItemMap
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
  const { numItems, maxLen, indexOffset = 1, outputOffset = 0, batchSize = 256, itemMap } = options
  if (itemMap !== undefined && (itemMap.tokens.length !== numItems || itemMap.columns.length !== numItems)) {
    throw new RangeError(`the item map covers ${itemMap.tokens.length} items, the data has ${numItems}`)
  }
  const model = await loadModel(dir)
  let width: number
  try {
    width = checkShapes(model, dir, maxLen, itemMap === undefined ? outputOffset + numItems : itemMap.columns.reduce((a, b) => Math.max(a, b), -1) + 1, itemMap !== undefined)
  } catch (err) {
    model.dispose()
    throw err
  }
  const input = new Int32Array(batchSize * maxLen)
  const token = itemMap === undefined ? (item: number) => item + indexOffset : (item: number) => Math.max(0, itemMap.tokens[item])

  function scoreChunk (histories: readonly Int32Array[]): Float32Array[] {
    const batch = histories.length
    input.fill(0, 0, batch * maxLen)
    histories.forEach((history, row) => {
      const recent = history.subarray(Math.max(0, history.length - maxLen))
      const start = row * maxLen + maxLen - recent.length
      for (let j = 0; j < recent.length; j++) {
        const item = recent[j]
        if (!(item >= 0 && item < numItems)) throw new RangeError(`history ${row} holds item ${item}, outside 0..${numItems - 1}`)
        input[start + j] = token(item)
      }
    })
    const scores = tf.tidy(() => {
      const x = tf.tensor2d(input.subarray(0, batch * maxLen), [batch, maxLen], 'int32')
      const y = model.predict(x) as tf.Tensor2D
      return itemMap === undefined ? y.slice([0, outputOffset], [batch, numItems]).toFloat() : y.toFloat()
    })
    const flat = scores.dataSync() as Float32Array
    scores.dispose()
    if (itemMap === undefined) return histories.map((_, row) => flat.subarray(row * numItems, (row + 1) * numItems))
    return histories.map((_, row) => {
      const out = flat.subarray(row * width, (row + 1) * width)
      return Float32Array.from(itemMap.columns, (column) => column < 0 ? UNMAPPED : out[column])
    })
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

/** Score of an item the model's item map lacks: below anything a model outputs in practice. */
const UNMAPPED = -1e9

/** Checks the model's one input [null, maxLen] and one output [null, width] (at least width with an item map); returns the output width. */
function checkShapes (model: tf.LayersModel, dir: string, maxLen: number, width: number, atLeast: boolean): number {
  const file = `${dir}/model.json`
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw invalid(file, `model has ${model.inputs.length} inputs and ${model.outputs.length} outputs, expected 1 and 1`)
  }
  const inShape = model.inputs[0].shape
  if (inShape.length !== 2 || (inShape[1] !== null && inShape[1] !== maxLen)) {
    throw invalid(file, `model input shape is [${inShape.map(String)}], expected [null,${maxLen}]`)
  }
  const outShape = model.outputs[0].shape
  const outWidth = outShape[1]
  if (outShape.length !== 2 || outWidth === null || (atLeast ? outWidth < width : outWidth !== width)) {
    const expected = atLeast ? `[null,${width} or more] (the item map's highest column is ${width - 1})` : `[null,${width}]`
    throw invalid(file, `model output shape is [${outShape.map(String)}], expected ${expected}`)
  }
  return outWidth
}
