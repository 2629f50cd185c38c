/**
 * The user-vector cost of each student family, as serving pays it on a cache miss: the plain-JS
 * encoder (StudentEncoder.encode) over histories of `--window` items, and explain for 10 items.
 * Random weights (cost does not depend on them); families alternate round by round so both see the
 * same machine load. Prints µs per request, median of --repeats rounds (min-max), parameters and KB,
 * then the CPU time per request of the same rounds (less distorted by other processes).
 *   npm run bench:student-encode -- [--items 1682] [--dim 16] [--window 20] [--repeats 7]
 */
import { parseArgs } from 'node:util'
import { Random } from '../src/data/random.js'
import { Student, STUDENT_FAMILIES } from '../src/models/student.js'
import type { StudentEncoder } from '../src/models/student-encoder.js'
import { selectBackend } from '../src/tf/backend.js'

const { values: args } = parseArgs({ options: { items: { type: 'string', default: '1682' }, dim: { type: 'string', default: '16' }, window: { type: 'string', default: '20' }, repeats: { type: 'string', default: '7' } } })
const [numItems, dim, window, repeats] = [args.items, args.dim, args.window, args.repeats].map(Number)
const USERS = 5000

await selectBackend()
const rng = new Random(1)
const histories = Array.from({ length: USERS }, () => Int32Array.from({ length: window }, () => rng.int(numItems)))
const targets = Int32Array.from({ length: 10 }, () => rng.int(numItems))
const families = STUDENT_FAMILIES.map((family) => {
  const student = new Student({ family, numItems, dim, window })
  const figures = { family, encoder: student.encoder(), params: student.paramCount(), encode: [] as number[], explain: [] as number[] }
  student.dispose()
  return figures
})

/** µs per history; CPU time (process.cpuUsage, user + system) is what a shared machine distorts least. */
const cpu = { encode: new Map<string, number[]>(), explain: new Map<string, number[]>() }
function usPer (run: (h: Int32Array) => unknown, into?: number[]): number {
  const started = performance.now()
  const cpuStarted = process.cpuUsage()
  for (const h of histories) run(h)
  const used = process.cpuUsage(cpuStarted)
  into?.push((used.user + used.system) / USERS)
  return (performance.now() - started) * 1000 / USERS
}

const encodeAll = (e: StudentEncoder, into?: number[]): number => usPer((h) => e.encode(h), into)
const explainAll = (e: StudentEncoder, into?: number[]): number => usPer((h) => e.explain(h, targets), into)
for (const f of families) {
  encodeAll(f.encoder)
  explainAll(f.encoder)
  cpu.encode.set(f.family, [])
  cpu.explain.set(f.family, [])
}
for (let round = 0; round < repeats; round++) {
  for (const f of families) {
    f.encode.push(encodeAll(f.encoder, cpu.encode.get(f.family)))
    f.explain.push(explainAll(f.encoder, cpu.explain.get(f.family)))
  }
}

const summary = (runs: number[]): string => {
  const s = [...runs].sort((a, b) => a - b)
  return `${s[s.length >> 1].toFixed(2)} µs (${s[0].toFixed(2)}-${s[s.length - 1].toFixed(2)})`
}
console.log(`${numItems} items, dim ${dim}, window ${window}; ${USERS} histories of ${window} items; median of ${repeats} rounds (min-max)`)
const median = (runs: number[]): string => [...runs].sort((a, b) => a - b)[runs.length >> 1].toFixed(2)
for (const f of families) {
  console.log(`${f.family.padEnd(9)}  user vector ${summary(f.encode)}  explain 10 items ${summary(f.explain)}  params ${f.params.toLocaleString('en')}  ${(f.params * 4 / 1024).toFixed(1)} KB`)
}
console.log('CPU time per history (median of the same rounds):')
for (const f of families) console.log(`${f.family.padEnd(9)}  user vector ${median(cpu.encode.get(f.family) ?? [])} µs  explain 10 items ${median(cpu.explain.get(f.family) ?? [])} µs`)
