import type * as tf from '@tensorflow/tfjs'
import { invalid } from './artifact-error.js'

/**
 * model.json's weight entries checked against weights.bin, and the values read out as plain
 * arrays: apart from weights.ts (which creates tensors) so that a thread loading a version
 * (serving/load-thread.ts) validates exactly as the main thread does without loading TF.js.
 */
export type WeightSpec = tf.io.WeightsManifestEntry

export const BYTES_PER_ELEMENT: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1 }

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

/**
 * Each validated weight as a Float32Array of its own (int32 and bool values converted, as
 * assigning them to a float32 variable would), read from weights.bin in spec order.
 */
export function weightValues (data: Uint8Array, specs: readonly WeightSpec[]): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {}
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  let offset = 0
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1)
    const values = new Float32Array(count)
    if (spec.dtype === 'float32') {
      const at = data.byteOffset + offset
      values.set(at % 4 === 0 ? new Float32Array(data.buffer, at, count) : new Float32Array(data.buffer.slice(at, at + 4 * count) as ArrayBuffer))
    } else if (spec.dtype === 'int32') {
      for (let i = 0; i < count; i++) values[i] = view.getInt32(offset + 4 * i, true)
    } else {
      for (let i = 0; i < count; i++) values[i] = data[offset + i] === 0 ? 0 : 1
    }
    out[spec.name] = values
    offset += expectedByteLength(spec)
  }
  return out
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
