import { parentPort, workerData } from 'node:worker_threads'

// a thread module for start-thread.test.ts: answers with what it was given, proving it ran as TypeScript
const doubled: number = (workerData as { value: number }).value * 2
parentPort?.postMessage({ doubled })
