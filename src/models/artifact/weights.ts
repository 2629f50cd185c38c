import * as tf from '@tensorflow/tfjs'
import { invalid } from './artifact-error.js'

export type WeightSpec = tf.io.WeightsManifestEntry

const BYTES_PER_ELEMENT: Record<string, number> = { float32: 4, int32: 4, bool: 1 }

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

export function expectedByteLength (spec: WeightSpec): number {
  return spec.shape.reduce((a, b) => a * b, 1) * BYTES_PER_ELEMENT[spec.dtype]
}

/**
 * Checks a model.json weightsManifest against the weights file it describes: well-formed entries,
 * unique names, supported dtypes, sizes adding up to `byteLength`, and any shapes the caller expects.
 */
export function checkWeightSpecs (
  manifest: unknown,
  byteLength: number,
  file: string,
  expectedShapes: Readonly<Record<string, readonly number[]>> = {}
): WeightSpec[] {
  if (!Array.isArray(manifest) || manifest.length !== 1) throw invalid(file, 'weightsManifest must hold exactly one group')
  const group = manifest[0] as { paths?: unknown, weights?: unknown }
  if (!Array.isArray(group.paths) || group.paths.length !== 1 || group.paths[0] !== 'weights.bin') {
    throw invalid(file, 'weightsManifest[0].paths must be ["weights.bin"]')
  }
  if (!Array.isArray(group.weights)) throw invalid(file, 'weightsManifest[0].weights is not an array')
  const specs: WeightSpec[] = []
  const seen = new Set<string>()
  let total = 0
  for (const [i, entry] of (group.weights as unknown[]).entries()) {
    const spec = checkSpec(entry, `${file}: weights[${i}]`)
    if (seen.has(spec.name)) throw invalid(file, `weight ${spec.name} is listed twice`)
    seen.add(spec.name)
    total += expectedByteLength(spec)
    specs.push(spec)
  }
  if (total !== byteLength) throw invalid(file, `weights add up to ${total} bytes but weights.bin holds ${byteLength}`)
  for (const [name, shape] of Object.entries(expectedShapes)) {
    const spec = specs.find((s) => s.name === name)
    if (spec === undefined) throw invalid(file, `weight ${name} is missing`)
    if (!sameShape(spec.shape, shape)) throw invalid(file, `weight ${name} has shape [${spec.shape}], expected [${shape}]`)
  }
  return specs
}

/** Decodes validated weights; the caller owns (and must dispose) the returned tensors. */
export function decodeArtifactWeights (data: Uint8Array, specs: WeightSpec[]): Record<string, tf.Tensor> {
  const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer
  return tf.io.decodeWeights(buffer, specs)
}

function checkSpec (entry: unknown, where: string): WeightSpec {
  const { name, shape, dtype, quantization } = (entry ?? {}) as Record<string, unknown>
  if (typeof name !== 'string' || name === '') throw invalid(where, 'has no name')
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw invalid(where, `weight ${name} has a malformed shape ${JSON.stringify(shape)}`)
  }
  if (typeof dtype !== 'string' || !(dtype in BYTES_PER_ELEMENT)) throw invalid(where, `weight ${name} has unsupported dtype ${JSON.stringify(dtype)}`)
  if (quantization !== undefined) throw invalid(where, `weight ${name} is quantized, which artifacts do not use`)
  return { name, shape: shape as number[], dtype: dtype as WeightSpec['dtype'] }
}

function sameShape (a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i])
}
