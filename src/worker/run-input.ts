import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { distillLosses } from '../distill/student/distill-losses.js'
import { eventsInWindow } from '../events/training-window.js'
import { highestVersion, listVersions, versionDir } from '../models/artifact/index.js'
import { parseManifest } from '../models/artifact/manifest.js'
import type { EventLog } from '../stores/event-log.js'
import type { RunRequest } from '../stores/job.js'
import type { ModelStore } from '../stores/model-store.js'
import type { VersionChannel } from '../stores/version-channel.js'
import { studentFiles, versionBytes } from '../versions/version-files.js'
import { listStudentVersions } from '../versions/version-list.js'
import type { RedistillInput } from './redistill-run.js'
import type { WorkerSettings } from './worker-settings.js'

export interface RunInputSources {
  settings: WorkerSettings
  channel: VersionChannel
  models?: ModelStore
  eventLog: EventLog
}

/**
 * What the training thread needs for one run: settings, the events of the training window (every
 * event by default; TRAINING_WINDOW), the teacher decision, the active student's files and the
 * candidate's version (its fencing token), reserved here.
 */
export async function runInput (request: RunRequest, { settings, channel, models, eventLog }: RunInputSources, log: Logger): Promise<RedistillInput> {
  const window = settings.trainingWindow ?? { kind: 'all' }
  const events: RedistillInput['events'] = (await eventsInWindow(eventLog.readAll(), window)).map(({ userId, itemId }) => ({ userId, itemId }))
  if (window.kind !== 'all') log.info({ window, events: events.length }, 'training window')
  const activeVersion = await activeStudent(settings.modelsDir, channel, models)
  let active: RedistillInput['active'] = null
  if (activeVersion !== null) {
    try {
      const { files } = await studentFiles(activeVersion, { modelsDir: settings.modelsDir, store: models })
      active = { version: activeVersion, files: await versionBytes(files) }
    } catch (err) {
      log.warn({ version: activeVersion, err: (err as Error).message }, 'active student unreadable: no warm start, no quality baseline')
    }
  }
  const floor = Math.max(await highestVersion(settings.modelsDir, 'student'), ...(await models?.versions('student') ?? []))
  const version = await channel.reserve(floor)
  return {
    dataPath: settings.dataPath,
    dataFormat: settings.dataFormat,
    seed: settings.seed,
    modelsDir: settings.modelsDir,
    events,
    version,
    teacher: teacherMode(request, settings),
    teacherEpochs: settings.teacherEpochs,
    epochs: request.epochs ?? settings.epochs,
    losses: distillLosses(request.losses, { temperature: request.temperature, weighting: request.kdWeighting }),
    ensemble: request.ensemble ?? false,
    force: request.force ?? false,
    warmStart: request.warmStart ?? true,
    student: settings.student ?? 'keep',
    active,
    gate: { tolerance: settings.gateTolerance, latencyBudgetMs: settings.gateLatencyBudgetMs },
    annMinItems: settings.annMinItems,
    positionsPerUser: settings.positionsPerUser,
    evalMaxUsers: settings.evalMaxUsers ?? 'auto'
  }
}

/** The version replicas serve: the one recorded as active, else the newest ready one. */
async function activeStudent (modelsDir: string, channel: VersionChannel, store: ModelStore | undefined): Promise<number | null> {
  const recorded = await channel.active()
  if (recorded !== null) return recorded
  const versions = await listStudentVersions({ modelsDir, store }, null)
  return versions.find((v) => v.state === 'ready')?.version ?? null
}

function teacherMode (request: RunRequest, { modelsDir, teacherRetrainIntervalMs }: WorkerSettings): RedistillInput['teacher'] {
  const newest = listVersions(modelsDir, 'teacher').at(-1)
  if (request.teacher === 'retrain') return 'retrain'
  if (request.teacher === 'reuse') return newest === undefined ? 'none' : 'reuse'
  if (newest === undefined) return teacherRetrainIntervalMs === null ? 'none' : 'retrain'
  if (teacherRetrainIntervalMs === null) return 'reuse'
  return Date.now() - teacherCreated(modelsDir, newest) >= teacherRetrainIntervalMs ? 'retrain' : 'reuse'
}

function teacherCreated (modelsDir: string, version: number): number {
  try {
    const file = join(versionDir(modelsDir, 'teacher', version), 'manifest.json')
    return Date.parse(parseManifest(JSON.parse(readFileSync(file, 'utf8')), file).created)
  } catch {
    return 0
  }
}
