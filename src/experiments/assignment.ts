import { createHash } from 'node:crypto'

/**
 * Where a key falls in [0, 100): the first 48 bits of SHA-256(salt, key). The same key and salt
 * always fall in the same place (sticky across requests and replicas); another salt shuffles
 * keys independently, so one experiment's candidate users are not the next one's.
 */
export function bucket (salt: string, key: string): number {
  const digest = createHash('sha256').update(salt).update('\0').update(key).digest()
  return digest.readUIntBE(0, 6) / 2 ** 48 * 100
}

/** True when `key` is in the candidate's `percent` of the keys. */
export function inCandidate (salt: string, key: string, percent: number): boolean {
  return bucket(salt, key) < percent
}
