/**
 * Which methods a path has, over every registered route pattern: `/metrics` by name,
 * `/admin/jobs/:id` and `/docs/static/*` by pattern. A path that two patterns match has the
 * methods of both, as the router would serve them. Built at registration; a look-up is one map
 * probe, plus a regular expression per parametric pattern for paths no static route has.
 */
export class RouteMethods {
  readonly #exact = new Map<string, Set<string>>()
  readonly #patterns = new Map<string, { match: RegExp, methods: Set<string> }>()

  add (url: string, method: string | string[]): void {
    const methods = this.#methodsOf(url)
    for (const m of [method].flat()) methods.add(m.toUpperCase())
  }

  /** The methods `path` has, in registration order; undefined for a path no route has. */
  allowed (path: string): string[] | undefined {
    const found = new Set(this.#exact.get(path))
    for (const { match, methods } of this.#patterns.values()) {
      if (match.test(path)) for (const m of methods) found.add(m)
    }
    return found.size === 0 ? undefined : [...found]
  }

  #methodsOf (url: string): Set<string> {
    if (!/[:*]/.test(url)) {
      const methods = this.#exact.get(url) ?? new Set<string>()
      this.#exact.set(url, methods)
      return methods
    }
    const pattern = this.#patterns.get(url) ?? { match: patternOf(url), methods: new Set<string>() }
    this.#patterns.set(url, pattern)
    return pattern.methods
  }
}

/** `:name` is one non-empty segment, `*` the rest of the path (find-my-way's syntax). */
function patternOf (url: string): RegExp {
  const source = url.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/]+').replace(/\*/g, '.*')
  return new RegExp(`^${source}$`)
}
