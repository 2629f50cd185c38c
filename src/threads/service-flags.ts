/**
 * Node flags the API service runs with (`npm start`, `npm run start:prod`, the image's CMD, the
 * Kubernetes deployments and the benches that start it; test/deploy/service-flags.test.ts keeps
 * them in step).
 *
 * `--v8-pool-size=1`: V8's background threads (one pool per process, at the process's priority)
 * do the garbage collection of every isolate in it, a loading thread's included; with Node's
 * default pool of 4 on this 2-core machine, a 1,000,000-item loading thread's collections (a heap
 * of a million id strings) ran on them at serving's priority however nice the loading thread was,
 * and doubled /recommend's p99 while a version loaded, swap or not (`bench:swap -- --items 1000000`,
 * loading only: p99 73-80 ms against 36-38 idle; with one pool thread 46 against 39, 2026-12-06;
 * with the flag on the service alone, swaps at 1.23-1.44x idle p99 against 1.65-1.68x without).
 * The serving thread's own collections keep one helper.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--v8-pool-size=1']
