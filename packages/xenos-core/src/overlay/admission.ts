/**
 * The cluster's secret and admission at connection time.
 *
 * The swarm key (32 random bytes every host holds) is the Noise handshake's
 * prologue, as `SHA-256("xenos-overlay-psk-v1" NUL key)`: Noise mixes the
 * prologue into every handshake message's authentication, so a peer without
 * the key fails the handshake at its second message, before either side
 * learns the other's identity, and no protocol ever runs. (libp2p's pnet
 * would do the same with a second cipher over every byte; its XSalsa20, a
 * WebAssembly module sharing one memory, grows that memory without bound
 * under image transfers and crashes the process.)
 *
 * Admission: the handshake is
 * followed, inside the encrypted channel and before anything else runs on
 * the connection, by an exchange of admission records (each one
 * length-prefixed frame: an unsigned varint length, then the record's JSON):
 * the dialer sends its own, the listener checks it (the cluster's admission
 * key signed it, for the peer id Noise has just authenticated, and the peer
 * is not revoked) and only then sends its own, which the dialer checks the
 * same way. An unadmitted dialer gets nothing but a closed connection. A
 * peer that fails is refused before the connection is handed to libp2p: no
 * protocol (identify, pubsub, XML-RPC, ...) ever runs with it. An admitted
 * dialer may still be refused at that point, the same way, when its
 * connection would be a second one to this host while this host's own dial
 * of it opens (simultaneous-dial.ts). Negotiated as
 * `/xenos/noise-admission/1.0.0`, over the private network of the swarm key.
 */
import { noise, type NoiseComponents } from '@chainsafe/libp2p-noise'
import type { ConnectionEncrypter, SecureConnectionOptions, SecuredConnection } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { createHash } from 'node:crypto'
import { SimultaneousDialError } from './errors.js'

export const ADMISSION_ENCRYPTION_PROTOCOL = '/xenos/noise-admission/1.0.0'

/** Largest admission record accepted, in bytes. */
const MAX_RECORD_BYTES = 16 * 1024
/** Deadline of the exchange when libp2p gives none, in ms. */
const EXCHANGE_TIMEOUT_MS = 10_000

/** What the overlay needs of a cluster's trust (`HostTrust` is one). */
export interface OverlayTrust {
  /** The cluster's id. */
  readonly clusterId: string
  /** This host's peer id, as its admission names it. */
  readonly peerId: string
  /** Versions of the revocation lists held (0: none). */
  versions(): { hosts: number, users: number }
  /** The cluster's pre-shared key, 32 bytes. */
  readonly swarmKey: Uint8Array
  /** This host's admission record, as sent to peers. */
  admissionBytes(): Uint8Array
  /** Throws unless `bytes` admit `remotePeer` (and it is not revoked). */
  verifyAdmission(bytes: Uint8Array, remotePeer: string): unknown
  isHostRevoked(peerId: string): boolean
  /** The host name the admission of `peerId` binds (once verified), if it names one. */
  admittedName(peerId: string): string | undefined
  /** Told the peer ids each newer hosts' revocation list adds. */
  onHostsRevoked(listener: (peerIds: string[]) => void): () => void
  /** The revocation lists held, as signed documents. */
  revocations(): Array<{ payload: string, signature: string }>
  /** Takes a newer revocation list; throws on a forged one. */
  adopt(doc: { payload: string, signature: string }): Promise<{ kind: string, version: number, adopted: boolean }>
}

/** The Noise prologue made of a swarm key. */
export function swarmPrologue (swarmKey: Uint8Array): Uint8Array {
  return createHash('sha256').update('xenos-overlay-psk-v1\0').update(swarmKey).digest()
}

/**
 * Noise, then the admission exchange (see module comment). `onAdmitted` is told each peer that passed.
 * `refuseInbound` is asked, on an inbound connection whose dialer was just admitted, whether to close it
 * anyway, before this host's own record is sent (a second connection to the same peer: simultaneous-dial.ts).
 */
export function admittedNoise (
  trust: OverlayTrust,
  onAdmitted: (peerId: string) => void = () => {},
  refuseInbound?: (remotePeer: string, connection: object) => Promise<boolean>
): (components: NoiseComponents) => ConnectionEncrypter {
  return (components) => {
    const inner = noise({ prologueBytes: swarmPrologue(trust.swarmKey) })(components)
    /** The dialer speaks first; each side sends its record only to a peer it has admitted or is about to be checked by. */
    const exchange = async <T>(
      secured: SecuredConnection<T>, raw: object, outbound: boolean, options?: SecureConnectionOptions
    ): Promise<SecuredConnection<T>> => {
      const remote = secured.remotePeer.toString()
      // libp2p's signal bounds the whole upgrade (the node's handshake timeout); a second, shorter one
      // here would fail a handshake that a loaded machine completes in time
      const signal = options?.signal ?? AbortSignal.timeout(EXCHANGE_TIMEOUT_MS)
      try {
        if (trust.isHostRevoked(remote)) trust.verifyAdmission(new Uint8Array(0), remote)
        const lp = lpStream(secured.connection, { maxDataLength: MAX_RECORD_BYTES })
        if (outbound) await lp.write(trust.admissionBytes(), { signal })
        trust.verifyAdmission((await lp.read({ signal })).subarray(), remote)
        if (!outbound && refuseInbound !== undefined && await refuseInbound(remote, raw)) {
          throw new SimultaneousDialError(
            `inbound connection from ${remote}: expected none while this host's own dial of it opens, found one`
          )
        }
        if (!outbound) await lp.write(trust.admissionBytes(), { signal })
        onAdmitted(remote)
        return { ...secured, connection: lp.unwrap() }
      } catch (err) {
        secured.connection.abort(err as Error)
        throw err
      }
    }
    return {
      protocol: ADMISSION_ENCRYPTION_PROTOCOL,
      secureInbound: async (connection, options) => await exchange(await inner.secureInbound(connection, options), connection, false, options),
      secureOutbound: async (connection, options) => await exchange(await inner.secureOutbound(connection, options), connection, true, options)
    } as ConnectionEncrypter
  }
}
