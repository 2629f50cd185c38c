/**
 * bench:train-profile over a list of catalogue sizes: each size and model runs in a child process
 * of its own (`--json`), killed past its time box, so one size that does not fit (memory, time)
 * neither takes the others down nor inflates their RSS. Peak RSS is the child's own figure, or,
 * for a child killed or crashed, the high-water mark last read from /proc.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import type { ProgressReporter } from '../src/distill/training/progress.js'

export interface SizesOptions {
  sizes: number[]
  timeBoxSeconds: number
  /** Rounds over every size and model, alternated so that load on a shared machine falls on every size alike. */
  repeats: number
  /** This script's own arguments, passed on to every child with --items replaced. */
  argv: string[]
}

interface ChildResult { model: string, items: number, positions: number, runUs: number[], stepUs: number[], maxRssMb: number }

export async function profileSizes (o: SizesOptions): Promise<void> {
  const models = o.argv.includes('--model') ? [o.argv[o.argv.indexOf('--model') + 1]] : ['teacher', 'student']
  const rest = withoutOptions(o.argv, ['--items', '--model', '--time-box', '--repeats'])
  console.log(`bench:train-profile, sizes ${o.sizes.join(', ')}, ${o.repeats} round(s), time box ${o.timeBoxSeconds} s per size and model; ${rest.join(' ') || 'default options'}`)
  console.log('| round | model | items | steps alone: us/position (3 runs; median) | whole run: us/position (median) | peak RSS MB | note |\n|---|---|---:|---|---:|---:|---|')
  const medians = new Map<string, number[]>()
  for (let round = 1; round <= o.repeats; round++) {
    for (const items of o.sizes) {
      for (const model of models) {
        const started = performance.now()
        const { result, peakMb, note } = await runChild([...rest, '--model', model, '--items', String(items), '--json'], o.timeBoxSeconds)
        const seconds = ((performance.now() - started) / 1000).toFixed(0)
        if (result === undefined) {
          console.log(`| ${round} | ${model} | ${items} | - | - | ${peakMb.toFixed(0)} | ${note} after ${seconds} s |`)
          continue
        }
        const key = `${model} ${items}`
        medians.set(key, [...medians.get(key) ?? [], result.stepUs[1]])
        console.log(`| ${round} | ${model} | ${items} | ${result.stepUs.map(u => u.toFixed(0)).join(', ')} (${result.stepUs[1].toFixed(0)}) | ` +
          `${result.runUs[1].toFixed(0)} | ${result.maxRssMb.toFixed(0)} | ${seconds} s |`)
      }
    }
  }
  console.log('\n| model | items | steps alone: median over rounds (min-max) | ratio to the first size |\n|---|---:|---:|---:|')
  for (const model of models) {
    const first = median(medians.get(`${model} ${o.sizes[0]}`) ?? [])
    for (const items of o.sizes) {
      const all = medians.get(`${model} ${items}`) ?? []
      if (all.length === 0) continue
      console.log(`| ${model} | ${items} | ${median(all).toFixed(0)} (${Math.min(...all).toFixed(0)}-${Math.max(...all).toFixed(0)}) | ${(median(all) / first).toFixed(2)}x |`)
    }
  }
}

function median (values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b)
  const mid = sorted.length / 2
  return sorted.length === 0 ? NaN : sorted.length % 2 === 1 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2
}

async function runChild (args: string[], timeBoxSeconds: number): Promise<{ result?: ChildResult, peakMb: number, note: string }> {
  const script = new URL('./train-profile.ts', import.meta.url).pathname
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  let peakMb = 0
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
  const poll = setInterval(() => { peakMb = Math.max(peakMb, highWaterMb(child.pid)) }, 500)
  let timedOut = false
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL') }, timeBoxSeconds * 1000)
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
  clearInterval(poll)
  clearTimeout(timer)
  const line = out.split('\n').find(l => l.startsWith('{'))
  if (line !== undefined) return { result: JSON.parse(line) as ChildResult, peakMb, note: '' }
  return { peakMb, note: timedOut ? `killed at the time box (${timeBoxSeconds} s)` : `child exited with code ${code}` }
}

/** VmHWM (peak resident set) of a live process, in MB; 0 once it is gone. */
function highWaterMb (pid: number | undefined): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m === null ? 0 : Number(m[1]) / 1024
  } catch {
    return 0
  }
}

function withoutOptions (argv: string[], names: string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    if (names.includes(argv[i])) i++
    else out.push(argv[i])
  }
  return out
}

/**
 * A progress reporter that times the steps of a run: from the end of its first step to the end
 * of its last, so per-run set-up (negative sampler, tables, optimizer state) is left out.
 */
export function stepTimer (): { progress: ProgressReporter, reset: () => void, usPerPosition: (positions: number) => number } {
  let first = 0
  let last = 0
  let steps = 0
  return {
    progress: {
      step: ({ step, steps: total }) => {
        const now = performance.now()
        if (step === 1) first = now
        last = now
        steps = total
      },
      epoch: () => {},
      done: () => {}
    },
    reset: () => { first = 0; last = 0; steps = 0 },
    // steps 2..n: (steps - 1) / steps of the run's positions
    usPerPosition: (positions) => steps < 2 ? NaN : (last - first) * 1000 / (positions * (steps - 1) / steps)
  }
}
