import type { ArmStats, Attribution, EventToAttribute, Impression, ImpressionLog } from './impression-log.js'
import type { Circuit } from './redis-circuit.js'

/** The impression log behind the client's breaker: while it is open, calls fail at once. Owns the inner log. */
export class CircuitImpressionLog implements ImpressionLog {
  constructor (private readonly inner: ImpressionLog, private readonly circuit: Circuit) {}

  async record (impression: Impression): Promise<Attribution[]> {
    return await this.circuit.call(async () => await this.inner.record(impression))
  }

  async attribute (event: EventToAttribute): Promise<Attribution> {
    return await this.circuit.call(async () => await this.inner.attribute(event))
  }

  async attributeLatest (userId: string, itemId: string, key: string, since: number, shadow: boolean): Promise<Attribution | null> {
    return await this.circuit.call(async () => await this.inner.attributeLatest(userId, itemId, key, since, shadow))
  }

  async stats (group: string): Promise<ArmStats> {
    return await this.circuit.call(async () => await this.inner.stats(group))
  }

  async recent (count: number): Promise<Impression[]> {
    return await this.circuit.call(async () => await this.inner.recent(count))
  }

  async close (): Promise<void> {
    await this.inner.close()
  }
}
