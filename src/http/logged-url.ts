/** Query parameters whose values are secrets wherever they appear (compared lower-cased). */
const SECRET_PARAMS = new Set(['token', 'access_token', 'id_token', 'refresh_token', 'admin_token', 'admintoken', 'api_key', 'apikey',
  'key', 'password', 'passwd', 'secret', 'client_secret', 'auth', 'authorization', 'bearer', 'sig', 'signature', 'session'])

/**
 * The URL as the request log may show it. An admin route's query string is never logged (nothing
 * there is meant to be sent, and anything sent there may be the token); elsewhere the values of
 * secret-looking parameters are replaced. The path is kept as sent.
 */
export function loggedUrl (url: string): string {
  const at = url.indexOf('?')
  if (at === -1) return url
  const path = url.slice(0, at)
  if (path === '/admin' || path.startsWith('/admin/')) return `${path}?[redacted]`
  const query = url.slice(at + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=')
    const name = eq === -1 ? pair : pair.slice(0, eq)
    return SECRET_PARAMS.has(decodedName(name).toLowerCase()) ? `${name}=[redacted]` : pair
  })
  return `${path}?${query.join('&')}`
}

function decodedName (name: string): string {
  try {
    return decodeURIComponent(name.replaceAll('+', ' '))
  } catch {
    return name
  }
}
