/**
 * Key-value cache for recommendations and embeddings. Keys carry the model version
 * (`rec:v42:u:17`), so a model swap needs no flush: old keys simply stop being read and expire.
 */
export interface Cache {
  // get and set reject with StoreUnavailableError (store-error.ts) when the cache knows it cannot
  // answer now and did not try; any other rejection is a failure worth reporting
  get (key: string): Promise<Buffer | null>
  set (key: string, value: Buffer, ttlMs: number): Promise<void>
  close (): Promise<void>
}
