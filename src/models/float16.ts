/**
 * IEEE 754 half precision without Float16Array (Node 20 has none): float32 -> float16 rounds to
 * nearest, ties to even; float16 -> float32 is a lookup in a 65,536-entry table (256 KB, built
 * once). A normal value keeps a relative error of at most 2^-11; below 2^-14 the absolute error
 * is at most 2^-25; beyond 65504 a value becomes infinite.
 */
const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

export function toFloat16 (value: number): number {
  f32[0] = value
  const x = u32[0]
  const sign = (x >>> 16) & 0x8000
  const exp = (x >>> 23) & 0xff
  let mant = x & 0x7fffff
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0)
  const e = exp - 127 + 15
  if (e >= 0x1f) return sign | 0x7c00
  if (e <= 0) {
    if (e < -10) return sign
    mant |= 0x800000
    const shift = 14 - e
    const half = 1 << (shift - 1)
    const rest = mant & ((1 << shift) - 1)
    let out = mant >>> shift
    if (rest > half || (rest === half && (out & 1) === 1)) out++
    return sign | out
  }
  const rest = mant & 0x1fff
  let out = (e << 10) | (mant >>> 13)
  if (rest > 0x1000 || (rest === 0x1000 && (out & 1) === 1)) out++
  return sign | out
}

let table: Float32Array | undefined

/** float16 bits -> float32 values, indexed by the bits. */
export function float16Table (): Float32Array {
  if (table !== undefined) return table
  table = new Float32Array(65536)
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) !== 0 ? -1 : 1
    const exp = (h >>> 10) & 0x1f
    const mant = h & 0x3ff
    table[h] = exp === 0
      ? sign * mant * 2 ** -24
      : exp === 0x1f ? (mant === 0 ? sign * Infinity : NaN) : sign * (1 + mant / 1024) * 2 ** (exp - 15)
  }
  return table
}
