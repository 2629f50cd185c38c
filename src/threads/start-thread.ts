import { Worker } from 'node:worker_threads'

/**
 * Starts a worker thread on a module of this project, given as `./name` relative to `base` (the
 * caller's import.meta.url). The build runs the compiled .js; from sources (tsx) the thread
 * registers tsx before loading the .ts, as a worker does not inherit the parent's loader hooks on
 * Node 20.
 */
export function startThread (base: string, name: string, workerData: unknown): Worker {
  const fromSource = base.endsWith('.ts')
  const url = new URL(`${name}${fromSource ? '.ts' : '.js'}`, base)
  if (!fromSource) return new Worker(url, { workerData })
  const tsx = import.meta.resolve('tsx/esm/api')
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}) })`
  return new Worker(boot, { eval: true, workerData })
}
