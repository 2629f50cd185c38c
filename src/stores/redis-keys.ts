import type { RedisConnection } from './redis-client.js'

/**
 * Every key distillrec keeps in Redis, in one place. On a Redis Cluster, keys that one script or
 * MULTI touches together carry one hash tag (`{...}`: Redis hashes only that part to pick the
 * slot), chosen per user, per stream, per model role and for the jobs, so bulk data (histories of
 * different users, rankings, model chunks) still spreads over the shards. On one server (and
 * through Sentinel) the same names come without the braces: exactly the names distillrec used
 * before it knew clusters, so data written then is read as it is.
 */
export interface RedisKeys {
  /** A user's history list: `hist:u:<userId>`, `hist:{u:<userId>}` on a cluster. */
  history: (userId: string) => string
  /** An eventId applied to that user's history; in the user's slot on a cluster. */
  historyApplied: (userId: string, eventId: string) => string
  /** The event stream. */
  events: string
  /** A logged eventId; in the stream's slot on a cluster (one script adds both). */
  eventSeen: (eventId: string) => string
  /** The sorted set of a role's published versions, and the pieces of one version. */
  modelVersions: (role: string) => string
  modelManifest: (role: string, version: number) => string
  /** Where versions lived before chunks: one hash of every file (read, never written). */
  modelLegacy: (role: string, version: number) => string
  /** One chunk of one file of one upload: untagged, so a large model spreads over the shards. */
  modelChunk: (role: string, version: number, upload: string, file: string, index: number) => string
  /** The active student, the fence, the token counter and the announcement channel share a slot. */
  activeVersion: string
  fence: string
  nextToken: string
  activatedChannel: string
  job: (id: string) => string
  jobCancel: (id: string) => string
  jobIndex: string
  jobQueue: string
  runLock: string
  itemCounts: string
}

/** `{text}` on a cluster, else `text`. */
export function hashTag (text: string, cluster: boolean): string {
  return cluster ? `{${text}}` : text
}

export function redisKeys (prefix: string, cluster: boolean): RedisKeys {
  const tag = (text: string): string => hashTag(text, cluster)
  const student = `${prefix}${tag('model:student')}`
  const jobs = `${prefix}${tag('job')}`
  const events = `${prefix}${tag('events')}`
  return {
    history: (userId) => `${prefix}hist:${tag(`u:${userId}`)}`,
    historyApplied: (userId, eventId) => cluster ? `${prefix}hist:seen:{u:${userId}}:${eventId}` : `${prefix}hist:seen:${eventId}`,
    events,
    eventSeen: (eventId) => `${events}:seen:${eventId}`,
    modelVersions: (role) => `${prefix}${tag(`model:${role}`)}:versions`,
    modelManifest: (role, version) => `${prefix}${tag(`model:${role}`)}:v${version}:manifest`,
    modelLegacy: (role, version) => `${prefix}model:${role}:v${version}`,
    modelChunk: (role, version, upload, file, index) => `${prefix}model:${role}:v${version}:${upload}:${file}:${index}`,
    activeVersion: `${student}:active`,
    fence: `${student}:fence`,
    nextToken: `${student}:next`,
    activatedChannel: `${student}:activated`,
    job: (id) => `${jobs}:${id}`,
    jobCancel: (id) => `${jobs}:${id}:cancel`,
    jobIndex: `${jobs}s`,
    jobQueue: `${jobs}s:queue`,
    runLock: `${prefix}worker:lock`,
    itemCounts: `${prefix}items:counts`
  }
}

/** The keys for a store on `client`: tagged when it is a cluster client. */
export function keysFor (client: RedisConnection, prefix: string): RedisKeys {
  return redisKeys(prefix, client.isCluster)
}
