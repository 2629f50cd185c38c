import { mkdir } from 'node:fs/promises'
import { isAbsolute, join, normalize } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { invalid } from './artifact/artifact-error.js'
import { readArtifactFile, readArtifactJson, writeFileSynced } from './artifact/files.js'

/**
 * A `tf.io.IOHandler` over a local directory holding `model.json` and the weight shards its
 * weightsManifest lists (the layout tensorflowjs_converter and `model.save` produce), since pure
 * @tensorflow/tfjs has no file:// handler. Shards are read and concatenated in manifest order.
 * `save` writes model.json plus a single `weights.bin` shard.
 */
export function fileSystemHandler (dir: string): tf.io.IOHandler {
  const modelPath = join(dir, 'model.json')
  return {
    async load () {
      const json = await readArtifactJson(modelPath) as tf.io.ModelJSON
      if (typeof json !== 'object' || json === null || typeof json.modelTopology !== 'object' || json.modelTopology === null) {
        throw invalid(modelPath, 'has no modelTopology')
      }
      if (json.weightsManifest !== undefined && !Array.isArray(json.weightsManifest)) throw invalid(modelPath, 'weightsManifest is not an array')
      return await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const shards: Buffer[] = []
        for (const group of manifest) {
          if (!Array.isArray(group.paths) || !Array.isArray(group.weights)) throw invalid(modelPath, 'a weightsManifest group lacks paths or weights')
          for (const path of group.paths) shards.push(await readArtifactFile(shardPath(dir, modelPath, path)))
        }
        const data = new Uint8Array(Buffer.concat(shards)).buffer
        return [tf.io.getWeightSpecs(manifest), data]
      })
    },

    async save (artifacts) {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new TypeError('fileSystemHandler saves Layers models only (JSON topology)')
      await mkdir(dir, { recursive: true })
      const weights = tf.io.CompositeArrayBuffer.join(artifacts.weightData)
      await writeFileSynced(join(dir, 'weights.bin'), new Uint8Array(weights))
      const manifest = [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }]
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        weightsManifest: manifest,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        ...(artifacts.trainingConfig === undefined ? {} : { trainingConfig: artifacts.trainingConfig }),
        ...(artifacts.userDefinedMetadata === undefined ? {} : { userDefinedMetadata: artifacts.userDefinedMetadata })
      }
      await writeFileSynced(modelPath, JSON.stringify(json))
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) }
    }
  }
}

function shardPath (dir: string, modelPath: string, path: unknown): string {
  if (typeof path !== 'string' || path === '' || isAbsolute(path) || normalize(path).startsWith('..')) {
    throw invalid(modelPath, `weight shard path ${JSON.stringify(path)} is not a file inside the model directory`)
  }
  return join(dir, path)
}
