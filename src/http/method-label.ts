/**
 * The methods RFC 9110 defines plus PATCH keep their own label value, and so does `unknown`, the
 * label of a connection rejected before a request (and its method) existed.
 */
const KNOWN = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT', 'unknown'])

/**
 * The `method` label of the request metrics. Node's parser accepts some 30 more methods (PROPFIND,
 * MKCOL, ...); each would add a series per route and status, so a scan could grow every scrape.
 * They share one value.
 */
export function methodLabel (method: string): string {
  return KNOWN.has(method) ? method : 'OTHER'
}
