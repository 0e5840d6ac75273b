/**
 * Ed25519 keys and signed documents.
 *
 * A signed document is JSON `{"payload": B, "signature": S}`: B is the
 * base64url of a JSON body, S the base64url Ed25519 signature of
 * `context NUL B-bytes`. The context names the kind of document
 * (`xenos-admission-v1`, `xenos-hosts-revocation-v1`, ...), so a signature
 * made for one kind is never valid as another. A user token is the same
 * thing written compactly: `xenos1.B.S` (context `xenos-user-token-v1`).
 *
 * Public keys travel as the base64url of their 32 raw bytes; private keys
 * are PKCS#8 PEM files (what `openssl pkey` reads).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto'
import { SignedDocumentError } from './errors.js'

export interface SignedDocument {
  /** base64url of the JSON body. */
  payload: string
  /** base64url of the Ed25519 signature over the context and the payload bytes. */
  signature: string
}

export interface Ed25519KeyPair { privateKey: KeyObject, publicKey: KeyObject }

export function generateEd25519 (): Ed25519KeyPair {
  return generateKeyPairSync('ed25519')
}

/** The base64url of a public key's 32 raw bytes. */
export function publicKeyText (key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' })
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') {
    throw new TypeError(`expected an Ed25519 key, found ${jwk.kty ?? '?'} ${jwk.crv ?? ''}`)
  }
  return jwk.x
}

/** A public key from `publicKeyText`; throws `SignedDocumentError` on anything else. */
export function publicKeyFromText (text: string, what: string): KeyObject {
  if (!/^[A-Za-z0-9_-]{43}$/.test(text)) {
    throw new SignedDocumentError(what, 'an Ed25519 public key (43 base64url characters)', JSON.stringify(text.slice(0, 60)))
  }
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: text }, format: 'jwk' })
}

export function privateKeyPem (key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString()
}

/** A private key from PKCS#8 PEM text; the key itself never appears in an error. */
export function privateKeyFromPem (pem: string, what: string): KeyObject {
  let key: KeyObject
  try {
    key = createPrivateKey({ key: pem, format: 'pem' })
  } catch {
    throw new SignedDocumentError(what, 'an Ed25519 private key in PKCS#8 PEM', 'text that is not one')
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new SignedDocumentError(what, 'an Ed25519 private key', `a ${key.asymmetricKeyType ?? 'unknown'} key`)
  return key
}

function signedBytes (context: string, payload: string): Buffer {
  return Buffer.concat([Buffer.from(`${context}\0`, 'utf8'), Buffer.from(payload, 'utf8')])
}

/** Signs `body` (any JSON value) for `context`. */
export function signDocument (context: string, body: unknown, key: KeyObject): SignedDocument {
  const payload = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url')
  return { payload, signature: sign(null, signedBytes(context, payload), key).toString('base64url') }
}

/**
 * Checks a signed document's shape and signature for `context` and returns
 * its parsed body; throws `SignedDocumentError` saying which check failed.
 */
export function openDocument (context: string, doc: unknown, key: KeyObject, what: string): unknown {
  if (typeof doc !== 'object' || doc === null || typeof (doc as SignedDocument).payload !== 'string' || typeof (doc as SignedDocument).signature !== 'string') {
    throw new SignedDocumentError(what, 'a signed document {payload, signature}', typeof doc === 'object' ? 'another object' : typeof doc)
  }
  const { payload, signature } = doc as SignedDocument
  if (!/^[A-Za-z0-9_-]*$/.test(payload) || !/^[A-Za-z0-9_-]{86}$/.test(signature)) {
    throw new SignedDocumentError(what, 'base64url payload and a 64-byte signature', 'other text')
  }
  if (!verify(null, signedBytes(context, payload), key, Buffer.from(signature, 'base64url'))) {
    throw new SignedDocumentError(what, `a signature by the cluster's key for ${context}`, 'a signature that does not verify')
  }
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown
  } catch {
    throw new SignedDocumentError(what, 'a JSON payload', 'undecodable bytes')
  }
}

/** Parses signed-document JSON text (a file or a frame) without checking it. */
export function parseSignedDocument (text: string, what: string): SignedDocument {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    throw new SignedDocumentError(what, 'JSON {payload, signature}', 'text that is not JSON')
  }
  if (typeof doc !== 'object' || doc === null || typeof (doc as SignedDocument).payload !== 'string' || typeof (doc as SignedDocument).signature !== 'string') {
    throw new SignedDocumentError(what, 'JSON {payload, signature}', 'another JSON value')
  }
  return { payload: (doc as SignedDocument).payload, signature: (doc as SignedDocument).signature }
}
