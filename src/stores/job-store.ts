import type { Job } from './job.js'

/**
 * Re-distillation jobs, shared by the API replicas (which create and cancel them) and the worker
 * (which runs them and writes their progress). Only the creator and then the running worker
 * write a job; a cancellation is a flag of its own, so it cannot be lost to a progress write.
 */
export interface JobStore {
  /** Creates or replaces the job's record. */
  put (job: Job): Promise<void>
  get (id: string): Promise<Job | null>
  /** The most recent jobs, newest first. */
  list (limit: number): Promise<Job[]>
  /** Appends a job id for a worker to run; the queue keeps the newest JOBS_KEPT, dropping older ids. */
  enqueue (id: string): Promise<void>
  /** The oldest queued id, removed from the queue; null when empty. */
  dequeue (): Promise<string | null>
  requestCancel (id: string): Promise<void>
  cancelRequested (id: string): Promise<boolean>
  close (): Promise<void>
}

/** Jobs kept for GET /admin/jobs, and ids kept in the queue; older ones are forgotten. */
export const JOBS_KEPT = 100
