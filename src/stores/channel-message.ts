/**
 * What a VersionChannel listener hears. `version`: a student version was activated (or, after a
 * reconnection, the version recorded as active). `experiment`: experiment `id` was created or
 * changed state in the ExperimentStore; the store stays the truth, the message only says "read it
 * now". `reconnected`: the channel's connection came back, announcements may have been missed
 * meanwhile: re-read whatever you follow. Only the first two travel between processes.
 */
export type ChannelMessage =
  | { kind: 'version', version: number }
  | { kind: 'experiment', id: number }
  | { kind: 'reconnected' }

export type Announcement = Exclude<ChannelMessage, { kind: 'reconnected' }>

/**
 * The payload of an announcement on the wire (Redis Pub/Sub, `<prefix>model:student:activated`):
 * - an activation is the version as a bare decimal integer, `12`: the one payload replicas knew
 *   before experiments were announced, written the same way so that, during a rolling upgrade,
 *   older replicas keep following activations made by newer ones and the other way round;
 * - an experiment change is JSON, `{"kind":"experiment","id":7}`: not a number, so an older
 *   replica (which reads `Number(payload)` and drops what is not a positive integer) ignores it.
 */
export function encodeAnnouncement (announcement: Announcement): string {
  assertPositive(announcement.kind === 'version' ? announcement.version : announcement.id, announcement.kind)
  return announcement.kind === 'version' ? String(announcement.version) : JSON.stringify({ kind: 'experiment', id: announcement.id })
}

/**
 * Reads a payload back; undefined for anything else (a kind a newer replica added, garbage), which
 * listeners never see: an unknown message must not break an older reader.
 */
export function decodeAnnouncement (payload: string): Announcement | undefined {
  if (/^[0-9]+$/.test(payload)) {
    const version = Number(payload)
    return isPositive(version) ? { kind: 'version', version } : undefined
  }
  if (!payload.startsWith('{')) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(payload)
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const { kind, id } = parsed as { kind?: unknown, id?: unknown }
  return kind === 'experiment' && isPositive(id) ? { kind: 'experiment', id } : undefined
}

const isPositive = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n > 0

function assertPositive (n: number, what: string): void {
  if (!isPositive(n)) throw new RangeError(`an announced ${what} is a positive integer, got ${n}`)
}
