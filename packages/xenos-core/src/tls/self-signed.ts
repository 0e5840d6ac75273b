/**
 * A self-signed X.509 certificate for the API's HTTPS, made with
 * `node:crypto` alone: an ECDSA P-256 key, and a version 3 certificate
 * (signed with ecdsa-with-SHA256) whose subject alternative names are the
 * host names and addresses clients may use. It is its own issuer and a CA
 * (basicConstraints CA:TRUE, keyUsage digitalSignature and keyCertSign), as
 * `openssl req -x509` makes them, so a client can trust it as a CA file as
 * well as pin its SHA-256 fingerprint.
 */
import { X509Certificate, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import { isIP } from 'node:net'

export interface SelfSignedInit {
  /** Subject common name. @default 'xenos' */
  commonName?: string
  /** DNS names and IP addresses (v4 or v6) the certificate is valid for. */
  names: string[]
  /** Validity, in days from `notBefore`. @default 3650 */
  days?: number
  /** Start of validity. @default one hour ago (clocks differ) */
  notBefore?: Date
}

export interface Certificate {
  /** PEM of the certificate. */
  cert: string
  /** PEM (PKCS#8) of its private key. */
  key: string
  /** SHA-256 fingerprint, as `AB:CD:...` (what `openssl x509 -fingerprint -sha256` prints). */
  fingerprint256: string
}

function der (tag: number, content: Buffer): Buffer {
  const n = content.length
  const length = n < 0x80
    ? Buffer.from([n])
    : n < 0x100 ? Buffer.from([0x81, n]) : n < 0x10000 ? Buffer.from([0x82, n >> 8, n & 0xff]) : Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff])
  return Buffer.concat([Buffer.from([tag]), length, content])
}
const seq = (...items: Buffer[]): Buffer => der(0x30, Buffer.concat(items))
const set = (...items: Buffer[]): Buffer => der(0x31, Buffer.concat(items))
const integer = (bytes: Buffer): Buffer => der(0x02, (bytes[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes)
const boolTrue = der(0x01, Buffer.from([0xff]))
const octets = (bytes: Buffer): Buffer => der(0x04, bytes)
const bits = (bytes: Buffer, unusedBits = 0): Buffer => der(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]))
const explicit = (n: number, content: Buffer): Buffer => der(0xa0 + n, content)

function oid (dotted: string): Buffer {
  const parts = dotted.split('.').map(Number)
  const out = [parts[0]! * 40 + parts[1]!]
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f]
    for (let v = p >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80)
    out.push(...chunk)
  }
  return der(0x06, Buffer.from(out))
}

function time (d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14)
  // UTCTime until 2049, GeneralizedTime after (RFC 5280, 4.1.2.5)
  return d.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(`${iso.slice(2)}Z`)) : der(0x18, Buffer.from(`${iso}Z`))
}

function ipBytes (ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number))
  const [head = '', tail = ''] = ip.split('::')
  const h = head === '' ? [] : head.split(':')
  const t = tail === '' ? [] : tail.split(':')
  const groups = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h
  return Buffer.concat(groups.map((g) => { const b = Buffer.alloc(2); b.writeUInt16BE(parseInt(g, 16)); return b }))
}

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'))

function pem (label: string, bytes: Buffer): string {
  const lines = bytes.toString('base64').match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

/** Makes a new key and a self-signed certificate for `init.names`. */
export function selfSignedCertificate (init: SelfSignedInit): Certificate {
  if (init.names.length === 0) throw new RangeError('names: expected at least one host name or address, found none')
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' }) as { privateKey: KeyObject, publicKey: KeyObject }
  const name = seq(set(seq(oid('2.5.4.3'), der(0x0c, Buffer.from(init.commonName ?? 'xenos', 'utf8')))))
  const notBefore = init.notBefore ?? new Date(Date.now() - 3600_000)
  const notAfter = new Date(notBefore.getTime() + (init.days ?? 3650) * 86400_000)
  const serial = randomBytes(16)
  serial[0] = serial[0]! & 0x7f
  const sans = init.names.map(n => isIP(n) !== 0 ? der(0x87, ipBytes(n)) : der(0x82, Buffer.from(n, 'ascii')))
  const extensions = seq(
    seq(oid('2.5.29.19'), boolTrue, octets(seq(boolTrue))), // basicConstraints: CA
    seq(oid('2.5.29.15'), boolTrue, octets(bits(Buffer.from([0x84]), 2))), // keyUsage: digitalSignature, keyCertSign
    seq(oid('2.5.29.17'), octets(seq(...sans))) // subjectAltName
  )
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))), // version 3
    integer(serial),
    ECDSA_SHA256,
    name,
    seq(time(notBefore), time(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, extensions)
  )
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' })
  const cert = pem('CERTIFICATE', seq(tbs, ECDSA_SHA256, bits(signature)))
  return { cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), fingerprint256: new X509Certificate(cert).fingerprint256 }
}

/** `AB:CD:...` from a fingerprint written with or without colons, in either case (and an optional `sha256:` prefix). */
export function normalizeFingerprint (text: string): string {
  const hex = text.trim().replace(/^sha-?256[:=/ ]?/i, '').replace(/:/g, '').toUpperCase()
  if (!/^[0-9A-F]{64}$/.test(hex)) throw new RangeError(`expected a SHA-256 fingerprint (64 hexadecimal digits, colons allowed), found "${text}"`)
  return hex.match(/../g)!.join(':')
}
