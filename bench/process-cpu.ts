import { readFileSync } from 'node:fs'

/**
 * CPU time (user + system, ms) a process has used so far, from /proc (Linux); undefined elsewhere.
 * On a machine shared with the load generator and other work, CPU per request is steadier than
 * requests per second, which also move with whatever else holds the cores.
 */
export function processCpuMs (pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    // utime and stime, fields 14 and 15 of stat(5), in clock ticks of 10 ms on Linux
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return undefined
  }
}

/** Microseconds of CPU per request between two readings, or undefined without /proc. */
export function cpuPerRequestUs (before: number | undefined, after: number | undefined, requests: number): number | undefined {
  return before === undefined || after === undefined || requests === 0 ? undefined : (after - before) * 1000 / requests
}
