/**
 * How a client trusts an HTTPS API: a CA file (standard verification,
 * host name included), or a pinned SHA-256 fingerprint of the server's
 * certificate (what a coordinator prints for the certificate it generated).
 * With a pin, each new connection is checked once its TLS handshake is done
 * and before any request (and so any token) is written to it.
 */
import { Agent as HttpsAgent, type AgentOptions, type RequestOptions } from 'node:https'
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls'
import type { Duplex } from 'node:stream'
import { normalizeFingerprint } from '../tls/self-signed.js'
import { XmlRpcTransportError } from './fault.js'

export interface ClientTls {
  /** PEM of the certificate authorities (or the self-signed certificate) to trust. */
  ca?: string | Buffer
  /** The server certificate's SHA-256 fingerprint (`AB:CD:...`, colons optional). */
  fingerprint256?: string
}

/** Thrown (as a transport error) when a server's certificate does not match the pinned fingerprint. */
export class CertificatePinError extends XmlRpcTransportError {
  constructor (readonly host: string, readonly expected: string, readonly found: string) {
    super(`expected ${host} to present the certificate with SHA-256 fingerprint ${expected}, found ${found}`)
  }
}

class PinnedAgent extends HttpsAgent {
  constructor (options: AgentOptions, private readonly pin: string) {
    super({ ...options, rejectUnauthorized: false })
  }

  // The socket is handed over (callback) only once its certificate matched the pin.
  override createConnection (options: RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | undefined {
    const socket: TLSSocket = connect({ ...(options as ConnectionOptions), rejectUnauthorized: false })
    const done = callback ?? (() => {})
    socket.once('error', (err) => { done(err, socket) })
    socket.once('secureConnect', () => {
      const found = socket.getPeerCertificate().fingerprint256 ?? 'no certificate'
      if (found !== this.pin) {
        const err = new CertificatePinError(`${options.host ?? ''}:${options.port ?? ''}`, this.pin, found)
        socket.destroy(err)
        return
      }
      done(null, socket)
    })
    return undefined
  }
}

/** A keep-alive HTTPS agent that trusts what `tls` says (the system's CAs without it). */
export function httpsAgent (tls: ClientTls | undefined, options: AgentOptions): HttpsAgent {
  if (tls?.fingerprint256 !== undefined) return new PinnedAgent(options, normalizeFingerprint(tls.fingerprint256))
  return new HttpsAgent({ ...options, ...(tls?.ca === undefined ? {} : { ca: tls.ca }) })
}
