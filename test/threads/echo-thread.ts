import { getPriority } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'

// read before this module's code runs anything else: startThread's `nice` is set before any module loads
const priority = getPriority()

// a thread module for start-thread.test.ts: answers with what it was given, proving it ran as TypeScript
const doubled: number = (workerData as { value: number }).value * 2
parentPort?.postMessage({ doubled, priority })
