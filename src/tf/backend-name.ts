/** The TF.js backends the service can run on, in the order auto-selection tries them. Loads no TF.js. */
export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const
export type BackendName = typeof BACKENDS[number]
