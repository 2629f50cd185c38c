import * as tf from '@tensorflow/tfjs'
import { BYTES_PER_ELEMENT, type WeightSpec } from './weight-specs.js'

export { checkWeightSpecs, expectedByteLength, type WeightSpec } from './weight-specs.js'

/** Serialises named tensors in name order (so the bytes do not depend on insertion order). */
export async function encodeArtifactWeights (
  weights: Readonly<Record<string, tf.Tensor>>
): Promise<{ data: Uint8Array, specs: WeightSpec[] }> {
  const named: Array<{ name: string, tensor: tf.Tensor }> = Object.keys(weights).sort().map((name) => {
    const tensor = weights[name]
    if (tensor.isDisposed) throw new TypeError(`weight ${name} is disposed`)
    if (!(tensor.dtype in BYTES_PER_ELEMENT)) throw new TypeError(`weight ${name} has unsupported dtype ${tensor.dtype}`)
    return { name, tensor }
  })
  const { data, specs } = await tf.io.encodeWeights(named)
  return { data: new Uint8Array(data), specs }
}

/** Decodes validated weights; the caller owns (and must dispose) the returned tensors. */
export function decodeArtifactWeights (data: Uint8Array, specs: WeightSpec[]): Record<string, tf.Tensor> {
  const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer
  return tf.io.decodeWeights(buffer, specs)
}
