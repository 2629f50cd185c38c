/** A typed array as a loading thread hands it over. */
export type ShareableArray = Int8Array | Uint8Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array

/** Typed arrays of at least this many bytes are copied to shared memory by `shareLarge`. */
export const SHARE_MIN_BYTES = 64 * 1024

/** A copy of `array` in a SharedArrayBuffer of its own (the same type and values). */
export function sharedCopy<T extends ShareableArray> (array: T): T {
  const Type = array.constructor as new (buffer: SharedArrayBuffer) => T
  const copy = new Type(new SharedArrayBuffer(array.byteLength))
  copy.set(array as never)
  return copy
}

/**
 * `value` with every typed array of at least SHARE_MIN_BYTES in it, at any depth of plain objects
 * and arrays, replaced by its shared copy; everything else is kept as it is. A thread posts the
 * result without a transfer list: the receiving thread gets views of the same memory.
 *
 * Why not transfer: a transferred ArrayBuffer counts as external memory of the isolate it lands
 * in, and V8 answers a jump of external memory with a full collection. A 1,000,000-item version
 * (about 100 MB of arrays) transferred to the serving thread set off a mark-compact of its whole
 * heap at every swap (30-100 ms measured in isolation; the longest pause of a swap under load),
 * where shared buffers set off none (2026-12-06).
 */
export function shareLarge<T> (value: T): T {
  if (ArrayBuffer.isView(value)) {
    return (value.byteLength >= SHARE_MIN_BYTES && !(value.buffer instanceof SharedArrayBuffer) && !(value instanceof DataView)
      ? sharedCopy(value as unknown as ShareableArray)
      : value) as T
  }
  if (Array.isArray(value)) return value.map((v: unknown) => shareLarge(v)) as T
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shareLarge(v)])) as T
  }
  return value
}
