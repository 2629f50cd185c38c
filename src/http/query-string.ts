/** Set on a parsed query string whose percent-encoding is not valid UTF-8; admission answers 400. */
const MALFORMED_QUERY = Symbol('malformed query string')

/**
 * A parsed query: no prototype to inherit a `__proto__` or `constructor` from, like
 * Object.create(null), but made by a constructor so V8 keeps its properties in fast mode (as
 * fast-querystring does): the validator and the route read them on every request.
 */
const Params = function (this: Record<string, string | string[]>) {} as unknown as new () => Record<string, string | string[]>
Params.prototype = Object.create(null)

/**
 * Parses `a=1&b=x%20y&a=2` into `{ a: ['1', '2'], b: 'x y' }` on an object without a prototype.
 * Unlike the default parser, which keeps an undecodable component raw (`%ED%A0%80` would become
 * a user id as typed), an invalid escape marks the whole query as malformed. It never throws:
 * it runs inside the router, before any error handling exists.
 */
export function parseQueryString (query: string): Record<string, unknown> {
  const params = new Params()
  // one pass over the text, no array of pairs: it runs on every request
  for (let start = 0; start < query.length;) {
    let end = query.indexOf('&', start)
    if (end === -1) end = query.length
    if (end > start) {
      const eq = query.indexOf('=', start)
      const split = eq !== -1 && eq < end
      const name = decode(query.slice(start, split ? eq : end))
      const value = split ? decode(query.slice(eq + 1, end)) : ''
      if (name === undefined || value === undefined) return Object.assign(new Params(), { [MALFORMED_QUERY]: true })
      const earlier = params[name]
      params[name] = earlier === undefined ? value : [earlier, value].flat()
    }
    start = end + 1
  }
  return params
}

export function isMalformedQuery (query: unknown): boolean {
  return typeof query === 'object' && query !== null && MALFORMED_QUERY in query
}

function decode (text: string): string | undefined {
  if (!text.includes('%') && !text.includes('+')) return text
  try {
    return decodeURIComponent(text.replaceAll('+', ' '))
  } catch {
    return undefined
  }
}
