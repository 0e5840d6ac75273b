/**
 * Credentials carried by HTTP requests: `Authorization: Bearer <token>`, or
 * `Authorization: Basic base64(user:token)` for clients that cannot set
 * headers but accept credentials in the URL (Python's
 * `ServerProxy("http://alice:TOKEN@host:8080/RPC2")`).
 */
export type Credentials =
  | { scheme: 'bearer', token: string }
  | { scheme: 'basic', user: string, token: string }

/** Reads credentials from an `Authorization` header value; `undefined` when absent. Throws `TypeError` when malformed. */
export function parseAuthorization (header: string | undefined): Credentials | undefined {
  if (header === undefined || header.trim() === '') return undefined
  const m = /^\s*(\S+)\s+(.+?)\s*$/.exec(header)
  if (m === null) throw new TypeError('expected "Bearer <token>" or "Basic <base64 user:token>", found a malformed Authorization header')
  const scheme = (m[1] ?? '').toLowerCase()
  const value = m[2] ?? ''
  if ((scheme === 'bearer' || scheme === 'basic') && /\s/.test(value)) {
    throw new TypeError(`expected one ${m[1] ?? ''} credential without spaces, found several words`)
  }
  if (scheme === 'bearer') return { scheme: 'bearer', token: value }
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon <= 0) throw new TypeError('expected basic credentials "user:token", found no user or no colon')
    return { scheme: 'basic', user: decoded.slice(0, colon), token: decoded.slice(colon + 1) }
  }
  throw new TypeError(`expected the Bearer or Basic scheme, found "${m[1] ?? ''}"`)
}

/** The `Authorization` header value for credentials. */
export function formatAuthorization (credentials: Credentials): string {
  if (credentials.scheme === 'bearer') return `Bearer ${credentials.token}`
  return `Basic ${Buffer.from(`${credentials.user}:${credentials.token}`, 'utf8').toString('base64')}`
}
