import type { Logger } from 'pino'
import type { VersionChannel } from '../stores/version-channel.js'

/**
 * Tells every replica that experiment `id` changed in the store, once the store has the change.
 * Never throws: the change is made whether or not the announcement goes out, and a replica that
 * does not hear it reads the store at its next poll (EXPERIMENT_POLL_MS) or channel reconnection.
 */
export async function announceExperiment (channel: Pick<VersionChannel, 'announceExperiment'>, id: number, log: Logger): Promise<void> {
  try {
    await channel.announceExperiment(id)
  } catch (err) {
    log.warn({ experiment: id, err: (err as Error).message }, 'experiment change not announced: other replicas follow it at their next poll')
  }
}
