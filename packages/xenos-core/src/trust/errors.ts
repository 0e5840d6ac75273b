/**
 * Typed errors of cluster trust (keys, admission, tokens, revocation lists).
 * Each has `name` set and a message that says what was expected and what was
 * found; none ever carries a secret.
 */
import { XenosError } from '../errors.js'

/** A key, cluster or admission file is missing, unreadable or invalid. */
export class TrustFileError extends XenosError {
  constructor (readonly file: string, readonly detail: string, options?: ErrorOptions) {
    super(`${file}: ${detail}`, options)
  }
}

/** A signed document (admission record, revocation list) is malformed, forged or of another cluster. */
export class SignedDocumentError extends XenosError {
  constructor (readonly what: string, readonly expected: string, readonly found: string) {
    super(`${what}: expected ${expected}, found ${found}`)
  }
}

/** A peer presented no valid admission for its peer id, or was revoked. */
export class AdmissionError extends XenosError {
  constructor (readonly peerId: string, readonly expected: string, readonly found: string) {
    super(`peer ${peerId} is not admitted to this cluster: expected ${expected}, found ${found}`)
  }
}

/** Neither cluster credentials nor an explicit insecure open overlay were configured. */
export class MissingClusterCredentialsError extends XenosError {
  constructor (readonly where: string) {
    super(`${where}: expected cluster credentials (a cluster directory from \`xenos cluster init\` and this host's admission), found none; `
      + 'an open overlay, which anyone who reaches its port can join, needs the explicit insecureOpenOverlay option (--insecure-open-overlay)')
  }
}
