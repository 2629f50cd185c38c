import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Random } from '../../src/data/random.js'
import { CompactMatrix } from '../../src/models/compact-matrix.js'
import { float16Table, toFloat16 } from '../../src/models/float16.js'

function randomMatrix (rows: number, width: number, seed = 3): Float32Array {
  const rng = new Random(seed)
  // rows of very different magnitudes, as a learnt item bias column makes them
  return Float32Array.from({ length: rows * width }, (_, i) => rng.normal() * 10 ** (Math.floor(i / width) % 5 - 2))
}

describe('CompactMatrix', () => {
  const width = 17
  const matrix = randomMatrix(400, width)

  it('gathers the given rows, dequantised as toFloat32 gives them, in the order asked', () => {
    const rows = Int32Array.of(7, 0, 399, 7)
    for (const precision of ['float32', 'float16', 'int8'] as const) {
      const m = new CompactMatrix(matrix, width, precision)
      const all = m.toFloat32()
      const want = Float32Array.from(Array.from(rows).flatMap((r) => Array.from(all.subarray(r * width, (r + 1) * width))))
      assert.deepEqual(m.gather(rows), want, precision)
    }
  })

  it('keeps float32 as it is', () => {
    const m = new CompactMatrix(matrix, width, 'float32')
    assert.deepEqual(m.toFloat32(), matrix)
    assert.equal(m.bytes, matrix.byteLength)
  })

  it('round-trips float16 within |x| * 2^-11 (2^-25 below 2^-14), in half the bytes', () => {
    const m = new CompactMatrix(matrix, width, 'float16')
    const back = m.toFloat32()
    for (let i = 0; i < matrix.length; i++) {
      const bound = Math.abs(matrix[i]) >= 2 ** -14 ? Math.abs(matrix[i]) * 2 ** -11 : 2 ** -25
      assert.ok(Math.abs(back[i] - matrix[i]) <= bound, `value ${i}: ${matrix[i]} came back as ${back[i]}`)
    }
    assert.equal(m.bytes, matrix.byteLength / 2)
  })

  it('round-trips int8 within half a step of its row scale (largest |x| / 127), in a quarter of the bytes plus the scales', () => {
    const m = new CompactMatrix(matrix, width, 'int8')
    const back = m.toFloat32()
    for (let r = 0; r < m.rows; r++) {
      const row = matrix.subarray(r * width, (r + 1) * width)
      const scale = Math.max(...Array.from(row, Math.abs)) / 127
      for (let d = 0; d < width; d++) {
        const err = Math.abs(back[r * width + d] - row[d])
        assert.ok(err <= scale / 2 * (1 + 1e-6), `row ${r} value ${d}: error ${err} above ${scale / 2}`)
      }
    }
    assert.equal(m.bytes, matrix.length + 4 * m.rows)
  })

  it('scores a row against a vector as the dequantised matrix does', () => {
    const vector = Float32Array.from({ length: width }, (_, d) => Math.sin(d + 1))
    for (const precision of ['float32', 'float16', 'int8'] as const) {
      const m = new CompactMatrix(matrix, width, precision)
      const back = m.toFloat32()
      const rows = Int32Array.of(0, 7, 399)
      const scored = m.scoreRows(rows, rows.length, vector, new Float32Array(3))
      rows.forEach((r, j) => {
        let dot = 0
        for (let d = 0; d < width; d++) dot += back[r * width + d] * vector[d]
        assert.ok(Math.abs(m.dot(r, vector) - dot) <= 1e-6 * Math.max(1, Math.abs(dot)), `${precision} row ${r}`)
        assert.ok(Math.abs(scored[j] - dot) <= 1e-5 * Math.max(1, Math.abs(dot)), `${precision} row ${r} through scoreRows`)
      })
    }
  })

  it('keeps an all-zero row at zero under int8 and refuses a ragged matrix', () => {
    const m = new CompactMatrix(new Float32Array(2 * width), width, 'int8')
    assert.deepEqual(m.toFloat32(), new Float32Array(2 * width))
    assert.throws(() => new CompactMatrix(new Float32Array(10), 3, 'float16'), RangeError)
  })

  it('is rebuilt from its parts (what a loading thread hands over) with the same values, and refuses parts that do not fit', () => {
    for (const precision of ['float32', 'float16', 'int8'] as const) {
      const built = new CompactMatrix(matrix, width, precision)
      const parts = structuredClone(built.parts())
      const copy = new CompactMatrix(parts)
      assert.equal(copy.precision, precision)
      assert.equal(copy.rows, built.rows)
      assert.deepEqual(copy.toFloat32(), built.toFloat32())
      assert.equal(copy.bytes, built.bytes)
    }
    const int8 = new CompactMatrix(matrix, width, 'int8').parts()
    assert.throws(() => new CompactMatrix({ ...int8, scales: undefined }), /no int8 scales for 400 rows/)
    assert.throws(() => new CompactMatrix({ ...int8, precision: 'float16' }), /float16 values held in a Int8Array/)
    assert.throws(() => new CompactMatrix({ ...int8, width: 13 }), /not a whole number of rows of 13/)
  })
})

describe('float16', () => {
  it('rounds to nearest even and keeps the special values', () => {
    const table = float16Table()
    assert.equal(table[toFloat16(1)], 1)
    assert.equal(table[toFloat16(65504)], 65504)
    assert.equal(table[toFloat16(1e6)], Infinity)
    assert.equal(table[toFloat16(-0.5)], -0.5)
    assert.equal(table[toFloat16(1 + 2 ** -11)], 1, 'a tie rounds to the even neighbour')
    assert.equal(table[toFloat16(1 + 3 * 2 ** -11)], 1 + 2 ** -9, 'a tie rounds to the even neighbour (up)')
    assert.equal(table[toFloat16(2 ** -24)], 2 ** -24, 'the smallest subnormal survives')
    assert.ok(Number.isNaN(table[toFloat16(NaN)]))
  })
})
