import { float16Table, toFloat16 } from './float16.js'

export const MATRIX_PRECISIONS = ['float32', 'float16', 'int8'] as const
export type MatrixPrecision = typeof MATRIX_PRECISIONS[number]

/** A CompactMatrix's stored values: Float32Array, Uint16Array (float16 bits) or Int8Array by precision. */
export interface CompactMatrixParts {
  precision: MatrixPrecision
  width: number
  values: Float32Array | Uint16Array | Int8Array
  /** int8 only: one scale per row. */
  scales?: Float32Array
}

/**
 * A row-major [rows, width] item matrix held at a serving precision (ITEM_MATRIX_PRECISION):
 * - float32: as trained, 4 bytes a value;
 * - float16: 2 bytes a value, error at most |x| * 2^-11 for |x| >= 2^-14 (else 2^-25), see float16.ts;
 * - int8: row-quantised, 1 byte a value plus one float32 scale per row (the row's largest |x| / 127),
 *   error at most scale / 2 per value.
 * Dot products with a float32 vector read the compact values directly (exact re-ranking of ANN
 * candidates, exact fallback scans); `toFloat32()` gives the dequantised matrix for the TF.js path.
 */
export class CompactMatrix {
  readonly precision: MatrixPrecision
  readonly rows: number
  readonly width: number
  readonly #f32: Float32Array | undefined
  readonly #f16: Uint16Array | undefined
  readonly #i8: Int8Array | undefined
  readonly #scales: Float32Array | undefined
  readonly #table: Float32Array | undefined

  /**
   * Quantises a row-major float32 matrix to `precision`, or takes the `parts()` of a matrix built
   * elsewhere (a loading thread) as they are.
   */
  constructor (matrix: Float32Array | CompactMatrixParts, width?: number, precision?: MatrixPrecision) {
    if (!(matrix instanceof Float32Array)) {
      ({ precision, width } = matrix)
      if (!Number.isInteger(width) || width <= 0 || matrix.values.length % width !== 0) {
        throw new RangeError(`an item matrix of ${matrix.values.length} values is not a whole number of rows of ${width}`)
      }
      this.precision = precision
      this.width = width
      this.rows = matrix.values.length / width
      const expected = { float32: Float32Array, float16: Uint16Array, int8: Int8Array }[precision]
      if (!(matrix.values instanceof expected)) throw new RangeError(`${precision} values held in a ${matrix.values.constructor.name}`)
      if (precision === 'int8' && matrix.scales?.length !== this.rows) throw new RangeError(`${matrix.scales?.length ?? 'no'} int8 scales for ${this.rows} rows`)
      if (precision === 'float32') this.#f32 = matrix.values as Float32Array
      if (precision === 'float16') {
        this.#f16 = matrix.values as Uint16Array
        this.#table = float16Table()
      }
      if (precision === 'int8') {
        this.#i8 = matrix.values as Int8Array
        this.#scales = matrix.scales
      }
      return
    }
    if (width === undefined || precision === undefined) throw new TypeError('a float32 matrix needs its width and a precision')
    if (!Number.isInteger(width) || width <= 0 || matrix.length % width !== 0) {
      throw new RangeError(`an item matrix of ${matrix.length} values is not a whole number of rows of ${width}`)
    }
    this.precision = precision
    this.width = width
    this.rows = matrix.length / width
    if (precision === 'float32') {
      this.#f32 = matrix
    } else if (precision === 'float16') {
      this.#f16 = Uint16Array.from(matrix, toFloat16)
      this.#table = float16Table()
    } else {
      this.#i8 = new Int8Array(matrix.length)
      this.#scales = new Float32Array(this.rows)
      for (let r = 0; r < this.rows; r++) {
        let max = 0
        for (let d = 0; d < width; d++) max = Math.max(max, Math.abs(matrix[r * width + d]))
        const scale = max / 127
        this.#scales[r] = scale
        if (scale === 0) continue
        for (let d = 0; d < width; d++) this.#i8[r * width + d] = Math.round(matrix[r * width + d] / scale)
      }
    }
  }

  /** The stored values (and int8 scales), e.g. to move the matrix to another thread (their buffers can be transferred). */
  parts (): CompactMatrixParts {
    const values = this.#f32 ?? this.#f16 ?? this.#i8!
    return { precision: this.precision, width: this.width, values, ...(this.#scales === undefined ? {} : { scales: this.#scales }) }
  }

  /** Bytes the values (and int8 scales) occupy. */
  get bytes (): number {
    return (this.#f32?.byteLength ?? 0) + (this.#f16?.byteLength ?? 0) + (this.#i8?.byteLength ?? 0) + (this.#scales?.byteLength ?? 0)
  }

  /** row . vector, vector at least `width` long. */
  dot (row: number, vector: Float32Array): number {
    const w = this.width
    const at = row * w
    let s = 0
    if (this.#f32 !== undefined) {
      const m = this.#f32
      for (let d = 0; d < w; d++) s += m[at + d] * vector[d]
    } else if (this.#f16 !== undefined) {
      const m = this.#f16
      const t = this.#table!
      for (let d = 0; d < w; d++) s += t[m[at + d]] * vector[d]
    } else {
      const m = this.#i8!
      for (let d = 0; d < w; d++) s += m[at + d] * vector[d]
      s *= this.#scales![row]
    }
    return s
  }

  /** `out[j] = rows[j] . vector` for `count` rows: dot() without a call and a branch per row (re-ranking's loop). */
  scoreRows (rows: Int32Array, count: number, vector: Float32Array, out: Float32Array): Float32Array {
    const w = this.width
    if (this.#f32 !== undefined) {
      const m = this.#f32
      for (let j = 0; j < count; j++) {
        const at = rows[j] * w
        let s = 0
        for (let d = 0; d < w; d++) s += m[at + d] * vector[d]
        out[j] = s
      }
    } else if (this.#f16 !== undefined) {
      const m = this.#f16
      const t = this.#table!
      for (let j = 0; j < count; j++) {
        const at = rows[j] * w
        let s = 0
        for (let d = 0; d < w; d++) s += t[m[at + d]] * vector[d]
        out[j] = s
      }
    } else {
      const m = this.#i8!
      const scales = this.#scales!
      for (let j = 0; j < count; j++) {
        const at = rows[j] * w
        let s = 0
        for (let d = 0; d < w; d++) s += m[at + d] * vector[d]
        out[j] = s * scales[rows[j]]
      }
    }
    return out
  }

  /** The given rows' values as float32 (dequantised), packed row-major in their order. */
  gather (rows: Int32Array): Float32Array {
    const w = this.width
    const out = new Float32Array(rows.length * w)
    const unit = new Float32Array(w)
    rows.forEach((row, j) => {
      if (this.#f32 !== undefined) {
        out.set(this.#f32.subarray(row * w, (row + 1) * w), j * w)
        return
      }
      // a unit vector reads one dequantised value through dot(): no second decoding path
      for (let d = 0; d < w; d++) {
        unit[d] = 1
        out[j * w + d] = this.dot(row, unit)
        unit[d] = 0
      }
    })
    return out
  }

  /** The matrix as float32 values: the stored one for float32, else the dequantised values. */
  toFloat32 (): Float32Array {
    if (this.#f32 !== undefined) return this.#f32
    const out = new Float32Array(this.rows * this.width)
    if (this.#f16 !== undefined) {
      const t = this.#table!
      for (let i = 0; i < out.length; i++) out[i] = t[this.#f16[i]]
    } else {
      for (let r = 0; r < this.rows; r++) {
        const scale = this.#scales![r]
        for (let d = 0; d < this.width; d++) out[r * this.width + d] = this.#i8![r * this.width + d] * scale
      }
    }
    return out
  }
}
