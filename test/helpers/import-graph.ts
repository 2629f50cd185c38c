import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

/** One static import or re-export of a module under the root: `from` and `to` relative to it. */
export interface ImportEdge {
  from: string
  /** A path relative to the root for a relative import, else the package specifier. */
  to: string
  typeOnly: boolean
}

const IMPORT = /^(?:import|export)\s+(type\s+)?(?:[^'"]*?\sfrom\s+)?'([^']+)'/gm

/** Every import of every .ts file under `root` (a src/ folder), type-only ones marked. */
export function importEdges (root: string): ImportEdge[] {
  const edges: ImportEdge[] = []
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (name.endsWith('.ts')) {
        for (const [, typeOnly, specifier] of readFileSync(path, 'utf8').matchAll(IMPORT)) {
          const to = specifier.startsWith('.') ? relative(root, resolve(dirname(path), specifier.replace(/\.js$/, '.ts'))) : specifier
          edges.push({ from: relative(root, path), to, typeOnly: typeOnly !== undefined })
        }
      }
    }
  }
  walk(root)
  return edges
}

/** The import cycles among files, each as the files in order (the first repeated at the end). */
export function cycles (edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>()
  for (const { from, to } of edges) if (!to.startsWith('@') && to.endsWith('.ts')) next.set(from, [...(next.get(from) ?? []), to])
  const found: string[][] = []
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (file: string): void => {
    state.set(file, 'open')
    stack.push(file)
    for (const to of next.get(file) ?? []) {
      if (state.get(to) === 'open') found.push([...stack.slice(stack.indexOf(to)), to])
      else if (state.get(to) === undefined) visit(to)
    }
    stack.pop()
    state.set(file, 'done')
  }
  for (const file of next.keys()) if (!state.has(file)) visit(file)
  return found
}

/**
 * The files and packages `start` reaches through its imports, itself included: value imports only,
 * unless `typeImports` (then every import counts, as a stricter check).
 */
export function reach (edges: readonly ImportEdge[], start: string, { typeImports = false } = {}): Set<string> {
  const reached = new Set([start])
  const queue = [start]
  while (queue.length > 0) {
    const file = queue.pop()!
    for (const edge of edges) {
      if (edge.from === file && (typeImports || !edge.typeOnly) && !reached.has(edge.to)) {
        reached.add(edge.to)
        if (edge.to.endsWith('.ts')) queue.push(edge.to)
      }
    }
  }
  return reached
}
