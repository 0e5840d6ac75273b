/**
 * Rendezvous (highest random weight) hashing: every host that knows the
 * same candidates computes the same order for a key, with no exchange. The
 * first of a service's order among the live candidates is the one host that
 * acts for it; when it is gone too, the next one does. Adding or removing a
 * candidate moves only the keys it was first for.
 */
import { createHash } from 'node:crypto'

/** The weight of `candidate` for `key`: the first 8 bytes of SHA-256(key NUL candidate), as a bigint. */
export function rendezvousWeight (key: string, candidate: string): bigint {
  return createHash('sha256').update(key).update('\0').update(candidate).digest().readBigUInt64BE(0)
}

/** `candidates` (duplicates dropped) from the highest weight for `key` to the lowest; equal weights by name. */
export function rendezvousOrder (key: string, candidates: Iterable<string>): string[] {
  const weighted = [...new Set(candidates)].map(c => ({ c, w: rendezvousWeight(key, c) }))
  weighted.sort((x, y) => x.w > y.w ? -1 : x.w < y.w ? 1 : x.c < y.c ? -1 : x.c > y.c ? 1 : 0)
  return weighted.map(x => x.c)
}
