import * as tf from '@tensorflow/tfjs'

import { BACKENDS, type BackendName } from './backend-name.js'

export { BACKENDS, type BackendName }

/**
 * Chooses the TF.js backend once per process: native libtensorflow (tfjs-node) when it loads,
 * else wasm, else the pure-JS cpu backend (about 30x slower at matrix products than wasm).
 * `preferred` (TFJS_BACKEND) forces one and fails when it cannot be had.
 */
export async function selectBackend (preferred?: BackendName): Promise<BackendName> {
  const order: readonly BackendName[] = preferred ? [preferred] : BACKENDS
  const failures: string[] = []
  for (const name of order) {
    try {
      await register(name)
      if (await tf.setBackend(name)) {
        await tf.ready()
        return name
      }
      failures.push(`${name}: setBackend returned false`)
    } catch (err) {
      failures.push(`${name}: ${(err as Error).message.split('\n')[0]}`)
    }
  }
  throw new Error(`no TF.js backend could be started (${failures.join('; ')})`)
}

async function register (name: BackendName): Promise<void> {
  if (name === 'tensorflow') {
    // optionalDependency: absent where its install script could not download libtensorflow
    const moduleName = '@tensorflow/tfjs-node'
    await import(moduleName)
  } else if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm')
  }
}
