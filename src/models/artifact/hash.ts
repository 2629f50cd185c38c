import { createHash } from 'node:crypto'
import { setImmediate as yieldToLoop } from 'node:timers/promises'

/** Bytes hashed between two turns of the event loop: about 2 ms of sha256 here. */
const CHUNK = 1 << 20

/**
 * The sha256 (hex) of `data`, hashed in chunks with the event loop yielded between them, so a
 * replica checking a million-item index (hundreds of MB) keeps answering requests meanwhile.
 */
export async function sha256Yielding (data: Uint8Array): Promise<string> {
  const hash = createHash('sha256')
  for (let start = 0; start < data.byteLength; start += CHUNK) {
    hash.update(data.subarray(start, Math.min(start + CHUNK, data.byteLength)))
    if (start + CHUNK < data.byteLength) await yieldToLoop()
  }
  return hash.digest('hex')
}
