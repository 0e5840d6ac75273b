/**
 * Identifiers that never collide across the overlay, MAC addresses in Xen's
 * OUI, and guest host names.
 *
 * A service id is `<kind>-<ulid>-<peer tag>`, for example
 * `svc-01jd3v6x8q9w2k4m5n6p7r8s9t-b7kq2xzd`:
 * - the ULID part is 48 bits of milliseconds then 80 bits of randomness in
 *   Crockford base32; within one generator it is strictly increasing (the
 *   random part is incremented when the clock has not moved), so one host
 *   never repeats itself;
 * - the peer tag is 40 bits of SHA-256 of the host's libp2p peer id, so two
 *   hosts differ there as well: a clash needs equal tags (2^-40) and equal
 *   128-bit ULIDs at once.
 * Time and randomness are injected, so simulations stay reproducible.
 *
 * @example
 * ```ts
 * const ids = idGenerator({ peerId: '12D3KooW...', nowMs: () => clock.nowS() * 1000, random: seeded })
 * ids.serviceId()           // 'svc-01jd3v6x8q9w2k4m5n6p7r8s9t-b7kq2xzd'
 * ids.mac()                 // '00:16:3e:5a:01:c4'
 * ids.hostname('Web Server') // 'web-server-7r8s9t'
 * ```
 */
import { createHash, randomBytes } from 'node:crypto'
import { NoCapacityError } from './coordinator/errors.js'
import { InvalidArgumentError } from './errors.js'

/** Returns `sizeBytes` random bytes. */
export type RandomSource = (sizeBytes: number) => Uint8Array

export interface IdGeneratorInit {
  /** This host's libp2p peer id (any stable string unique to the host). */
  peerId: string
  /** Milliseconds since the Unix epoch. @default Date.now (real time; inject the engine's clock in simulations) */
  nowMs?: () => number
  /** @default node:crypto randomBytes */
  random?: RandomSource
  /**
   * `xen`: Xen's OUI 00:16:3e plus 24 random bits (what `xl` does; the
   * birthday bound is about 50% at 4,800 interfaces on one segment, so the
   * generator never repeats a MAC it issued and skips those `inUse` reports).
   * `local`: a locally administered unicast address with 46 random bits.
   * @default 'xen'
   */
  macScheme?: 'xen' | 'local'
  /** MACs already taken on this host's networks; the generator draws again while this says true. */
  inUse?: (mac: string) => boolean
}

export interface IdGenerator {
  /** A new service id. */
  serviceId (): string
  /** A new id of another kind (`tpl`, `op`, `evt`...): lowercase letters, 1-8. */
  id (kind: string): string
  /** A new MAC address `xx:xx:xx:xx:xx:xx`. */
  mac (): string
  /** A guest host name (RFC 1123 label) made from a service name and a fresh suffix. */
  hostname (name: string): string
  /** The 8-character tag of this host's peer id. */
  readonly peerTag: string
}

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz'
const MAX_TIME_MS = 2 ** 48 - 1
const RANDOM_MAX = (1n << 80n) - 1n

/** Crockford base32 (lowercase) of `value`, left-padded to `length` characters. */
export function encodeBase32 (value: bigint, length: number): string {
  let out = ''
  let v = value
  for (let i = 0; i < length; i++) {
    out = CROCKFORD[Number(v & 31n)] + out
    v >>= 5n
  }
  return out
}

function bytesToBigInt (bytes: Uint8Array): bigint {
  let v = 0n
  for (const b of bytes) v = (v << 8n) | BigInt(b)
  return v
}

/** The 8-character (40-bit) tag of a peer id. */
export function peerTagOf (peerId: string): string {
  if (peerId.length === 0) throw new InvalidArgumentError('peerId', 'a non-empty peer id', peerId)
  return encodeBase32(bytesToBigInt(createHash('sha256').update(peerId).digest().subarray(0, 5)), 8)
}

const ID_RE = /^([a-z]{1,8})-([0-9a-hjkmnp-tv-z]{26})-([0-9a-hjkmnp-tv-z]{8})$/

/** Parses an id into its kind, time and peer tag; throws `InvalidArgumentError` when malformed. */
export function parseId (id: string): { kind: string, timeMs: number, peerTag: string } {
  const m = ID_RE.exec(id)
  if (m === null) throw new InvalidArgumentError('id', '"<kind>-<26 base32>-<8 base32>"', id)
  const ulid = m[2] ?? ''
  let t = 0
  for (const c of ulid.slice(0, 10)) t = t * 32 + CROCKFORD.indexOf(c)
  return { kind: m[1] ?? '', timeMs: t, peerTag: m[3] ?? '' }
}

export function isValidId (id: unknown): id is string {
  return typeof id === 'string' && ID_RE.test(id)
}

/** Lowercase RFC 1123 label from free text: letters, digits and hyphens, at most `maxLength`. */
export function toHostLabel (name: string, maxLength = 63): string {
  const label = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-+/, '').slice(0, maxLength).replace(/-+$/, '')
  return label === '' ? 'host' : label
}

export function idGenerator (init: IdGeneratorInit): IdGenerator {
  const nowMs = init.nowMs ?? (() => Date.now())
  const random: RandomSource = init.random ?? (n => randomBytes(n))
  const peerTag = peerTagOf(init.peerId)
  const scheme = init.macScheme ?? 'xen'
  const issuedMacs = new Set<string>()
  let lastMs = -1
  let lastRandom = 0n

  function draw (sizeBytes: number): Uint8Array {
    const bytes = random(sizeBytes)
    if (bytes.length !== sizeBytes) throw new InvalidArgumentError('random', `${sizeBytes} bytes`, bytes.length)
    return bytes
  }

  function ulid (): string {
    let t = Math.floor(nowMs())
    if (!Number.isFinite(t) || t < 0 || t > MAX_TIME_MS) throw new InvalidArgumentError('nowMs()', 'milliseconds from 0 to 2^48', t)
    if (t <= lastMs) {
      // The clock did not move (or went back): stay on the last time, count up.
      t = lastMs
      if (lastRandom === RANDOM_MAX) { t = lastMs + 1; lastRandom = bytesToBigInt(draw(10)) } else lastRandom += 1n
    } else {
      lastRandom = bytesToBigInt(draw(10))
    }
    lastMs = t
    return encodeBase32(BigInt(t), 10) + encodeBase32(lastRandom, 16)
  }

  function id (kind: string): string {
    if (!/^[a-z]{1,8}$/.test(kind)) throw new InvalidArgumentError('kind', '1-8 lowercase letters', kind)
    return `${kind}-${ulid()}-${peerTag}`
  }

  function mac (): string {
    for (let attempt = 0; attempt < 1000; attempt++) {
      let bytes: number[]
      if (scheme === 'xen') {
        bytes = [0x00, 0x16, 0x3e, ...draw(3)]
      } else {
        bytes = [...draw(6)]
        bytes[0] = ((bytes[0] ?? 0) & 0xfc) | 0x02 // locally administered, unicast
      }
      const text = bytes.map(b => b.toString(16).padStart(2, '0')).join(':')
      if (issuedMacs.has(text) || init.inUse?.(text) === true) continue
      issuedMacs.add(text)
      return text
    }
    throw new NoCapacityError('a free MAC address', 'none in 1000 draws (address space exhausted or a broken random source)')
  }

  return {
    peerTag,
    serviceId: () => id('svc'),
    id,
    mac,
    hostname (name: string) {
      const suffix = encodeBase32(bytesToBigInt(draw(4)), 6)
      return `${toHostLabel(name, 56)}-${suffix}`
    }
  }
}
