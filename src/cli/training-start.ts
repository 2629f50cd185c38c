import { join } from 'node:path'
import { describeData, loadData, type LoadedData } from '../distill/training/training-data.js'
import { readTunedSettings, type TunedSettings } from '../distill/tuning/tuned-settings.js'
import type { BackendName } from '../tf/backend-name.js'
import { selectBackend } from '../tf/backend.js'
import { dataFormat, required } from './args.js'
import { runRecord, type RunRecord } from './run-record.js'
import { applyTuned } from './tuned-options.js'
import { writableDir } from './writable-dir.js'

/** The parsed options the start-up reads (COMMON_OPTIONS and RECORD_OPTIONS). */
export type StartArgs = { data?: string, format: string, seed: number, 'models-dir': string, results?: string, log?: string }

export interface StartOptions {
  /** The folder under --models-dir the run will write (checked before anything trains); none when it saves nothing. */
  writes?: string
  /** Tuned settings (npm run tune) as this command's options, to fill in what its command line left out. */
  tuned?: (settings: TunedSettings) => Record<string, unknown>
}

/**
 * The start-up distill, train:teacher and tune share, once their options are checked: the run
 * record (refusing a results file or models folder that cannot be written before anything
 * trains), the TF.js backend, the data and the line that describes them, then any tuned
 * settings; `args` takes those in place. Print through the record from here on.
 */
export async function startTraining (command: string, argv: readonly string[], args: StartArgs, print: (line: string) => void, o: StartOptions = {}):
Promise<{ record: RunRecord, backend: BackendName, data: LoadedData }> {
  const record = runRecord(command, argv, args, print)
  await record.ready()
  if (o.writes !== undefined) await writableDir(join(args['models-dir'], o.writes), '--models-dir')
  const backend = await selectBackend()
  const data = await loadData(required(args.data, 'data'), dataFormat(args.format), args.seed)
  record.print(`${describeData(data)}; backend ${backend}`)
  const tuned = o.tuned === undefined ? undefined : await readTunedSettings(args['models-dir'], data.fingerprint)
  if (tuned !== undefined && o.tuned !== undefined) {
    const taken = applyTuned(args, argv, o.tuned(tuned.tuned))
    if (taken.length > 0) record.print(`tuned settings from ${tuned.path}: ${taken.join(' ')}`)
  }
  return { record, backend, data }
}
