/**
 * API tokens: 256 random bits, stored only as a SHA-256 hash.
 *
 * Why SHA-256 and not scrypt: a token is not a password. With 256 bits of
 * entropy there is nothing to brute-force, so a slow hash would only make
 * each call slower (scrypt costs tens of milliseconds; the API must answer
 * in about one). A fast hash still means a stolen users file yields no token.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** Returns `sizeBytes` random bytes (inject for reproducible tests). */
export type TokenRandom = (sizeBytes: number) => Uint8Array

export const TOKEN_PREFIX = 'xenos_'
const TOKEN_RE = /^xenos_[A-Za-z0-9_-]{43}$/
const HASH_RE = /^sha256:[0-9a-f]{64}$/

/** A new token: `xenos_` then 32 random bytes in base64url. */
export function generateToken (random: TokenRandom = n => randomBytes(n)): string {
  const bytes = random(32)
  if (bytes.length !== 32) throw new RangeError(`random: expected 32 bytes, found ${bytes.length}`)
  return TOKEN_PREFIX + Buffer.from(bytes).toString('base64url')
}

export function isWellFormedToken (token: string): boolean {
  return TOKEN_RE.test(token)
}

export function isTokenHash (hash: string): boolean {
  return HASH_RE.test(hash)
}

/** `sha256:<hex>` of a token. */
export function hashToken (token: string): string {
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex')}`
}

/** Constant-time check of a token against a stored hash. */
export function verifyToken (token: string, hash: string): boolean {
  if (!isTokenHash(hash)) return false
  const a = Buffer.from(hashToken(token))
  const b = Buffer.from(hash)
  return a.length === b.length && timingSafeEqual(a, b)
}
