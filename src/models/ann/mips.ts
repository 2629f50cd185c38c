/**
 * Maximum inner product search as nearest-neighbour search (Bachrach et al., 2014): each item
 * row x gains one column sqrt(M^2 - |x|^2), where M is the largest row norm, and each query q
 * gains a 0. Then |q' - x'|^2 = |q|^2 + M^2 - 2 q.x, so the nearest item in L2 is the item of
 * largest inner product: an L2 graph index (a metric, which HNSW's pruning assumes) answers a
 * MIPS question. Measured in bench/ann-libraries.ts against a plain inner-product graph.
 */
export interface MipsItems {
  /** Row-major [numItems, width + 1]. */
  vectors: Float32Array
  /** The largest row norm M. */
  maxNorm: number
}

export function mipsItems (matrix: Float32Array, width: number): MipsItems {
  const n = matrix.length / width
  const norms = new Float64Array(n)
  let max = 0
  for (let i = 0; i < n; i++) {
    let s = 0
    for (let d = 0; d < width; d++) s += matrix[i * width + d] * matrix[i * width + d]
    norms[i] = s
    if (s > max) max = s
  }
  const out = new Float32Array(n * (width + 1))
  for (let i = 0; i < n; i++) {
    out.set(matrix.subarray(i * width, (i + 1) * width), i * (width + 1))
    out[i * (width + 1) + width] = Math.sqrt(Math.max(0, max - norms[i]))
  }
  return { vectors: out, maxNorm: Math.sqrt(max) }
}

/** The query's row for an index built on mipsItems: the vector and a 0. */
export function mipsQuery (vector: Float32Array, out = new Float32Array(vector.length + 1), offset = 0): Float32Array {
  out.set(vector, offset)
  out[offset + vector.length] = 0
  return out
}
