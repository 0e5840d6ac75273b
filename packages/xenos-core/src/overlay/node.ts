/**
 * The libp2p node of a coordinator: TCP transport, Noise encryption, Yamux
 * multiplexing, identify, ping and floodsub (used by search and groups).
 *
 * - Identity: a persistent Ed25519 key in `dataDir/peer-key` (see identity.ts).
 * - Bootstrap: the hosts of `bootstrap` are dialed and redialed with backoff
 *   (see bootstrap.ts); no rendezvous server is needed.
 * - Closed by default: with `trust` (a cluster's credentials, see
 *   `src/trust/`), a host without the cluster's swarm key cannot finish a
 *   Noise handshake (the key is the handshake's prologue), and
 *   each side must present an admission record for its peer id signed by the
 *   cluster's admission key before the connection is used (admission.ts);
 *   revoked hosts are refused, and every protocol handler registered through
 *   `libp2p.handle` refuses a peer revoked while its connection was open.
 *   Without `trust`, `insecureOpenOverlay: true` must be given: anyone who
 *   reaches the port can then join; a warning says so on every start.
 * - One connection per pair of hosts: two hosts that dial each other at once
 *   both keep the one dialled by the smaller peer id (simultaneous-dial.ts).
 * - Logging: libp2p's loggers only when the `DEBUG` environment variable asks
 *   for some (quiet-logger.ts).
 * - mDNS is not included (the package is not a dependency); LAN hosts list each
 *   other as bootstrap peers instead.
 *
 * @example
 * ```ts
 * const node = await createOverlayNode({ dataDir: '/var/lib/xenos', listen: ['/ip4/0.0.0.0/tcp/4001'], trust })
 * console.log(node.peerId, node.multiaddrs())
 * await node.stop()
 * ```
 */
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, type Identify } from '@libp2p/identify'
import { ping, type Ping } from '@libp2p/ping'
import { floodsub, type FloodSub } from '@libp2p/floodsub'
import type { StreamHandler } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { loadOrCreateIdentity } from './identity.js'
import { BootstrapDialer, parseBootstrapAddr } from './bootstrap.js'
import { InvalidArgumentError } from '../errors.js'
import { admittedNoise, type OverlayTrust } from './admission.js'
import { MissingClusterCredentialsError } from '../trust/errors.js'
import { quietLogger } from './quiet-logger.js'
import { SimultaneousDials } from './simultaneous-dial.js'

export interface OverlayServices extends Record<string, unknown> {
  identify: Identify
  ping: Ping
  pubsub: FloodSub
}

export type OverlayLibp2p = Libp2p<OverlayServices>

export interface OverlayNodeInit {
  /** Directory holding the peer identity (created if missing). */
  dataDir: string
  /** Listen multiaddrs. @default ['/ip4/127.0.0.1/tcp/0'] */
  listen?: string[]
  /** Bootstrap peers: multiaddrs ending in `/p2p/<peer id>`. @default [] */
  bootstrap?: string[]
  /** The cluster's credentials: only admitted hosts holding the swarm key can connect. Required unless `insecureOpenOverlay`. */
  trust?: OverlayTrust
  /** Run an open overlay, with no swarm key and no admission: anyone who reaches the port can join. For experiments only; warns on every start. */
  insecureOpenOverlay?: boolean
  /** Where the warning of an open overlay goes. @default console.warn */
  warn?: (message: string) => void
  /** First redial delay of a bootstrap peer. @default 250 */
  bootstrapInitialBackoffMs?: number
  /** Largest redial delay of a bootstrap peer. @default 2000 */
  bootstrapMaxBackoffMs?: number
  /**
   * How long opening a connection may take, each way: TCP, the Noise handshake, the
   * admission exchange and the muxer (libp2p's `dialTimeout`, `addressDialTimeout`
   * and `inboundUpgradeTimeout`). libp2p's defaults (6 s per address, 10 s inbound)
   * are missed on a loaded machine: a dialer that gives up mid-handshake wastes the
   * listener's work, and its retries, all at once, miss the deadline the same way.
   * A refused or reset connection still fails at once. @default 30000
   */
  handshakeTimeoutMs?: number
  /** Most connections kept open. @default 300 */
  maxConnections?: number
  /**
   * Inbound connections accepted per second from one address. libp2p's default
   * (5) is for the open Internet; hosts of one cluster, or many coordinators on
   * one machine, connect faster than that. @default 1000
   */
  inboundConnectionThreshold?: number
  /**
   * Yamux flow-control window per stream, and the largest Yamux message. A
   * larger window lets one stream carry more bytes per round trip, which is
   * what an image transfer needs. @default { initialStreamWindowBytes: 4194304,
   * maxStreamWindowBytes: 16777216, maxMessageBytes: 65536 }
   */
  muxer?: { initialStreamWindowBytes?: number, maxStreamWindowBytes?: number, maxMessageBytes?: number }
}

export interface OverlayNode {
  readonly libp2p: OverlayLibp2p
  /** This host's peer id (base58 text). */
  readonly peerId: string
  /** Addresses other hosts can dial, each ending in `/p2p/<peer id>`. */
  multiaddrs(): string[]
  /** Peer ids of the hosts currently connected. */
  connectedPeers(): string[]
  /** The cluster's credentials, when the overlay is closed. */
  readonly trust: OverlayTrust | undefined
  /** True when `peerId` may use this host's protocols (always, on an open overlay). */
  admits(peerId: string): boolean
  /** Stop bootstrap redials and libp2p; idempotent. */
  stop(): Promise<void>
}

/** Create and start a libp2p node (see module comment). */
export async function createOverlayNode (init: OverlayNodeInit): Promise<OverlayNode> {
  if (typeof init.dataDir !== 'string' || init.dataDir.length === 0) {
    throw new InvalidArgumentError('dataDir', 'a directory path', init.dataDir)
  }
  const bootstrap = init.bootstrap ?? []
  bootstrap.forEach(parseBootstrapAddr) // validate before starting anything
  const trust = init.trust
  if (trust === undefined && init.insecureOpenOverlay !== true) throw new MissingClusterCredentialsError('createOverlayNode')
  if (trust === undefined) {
    const warn = init.warn ?? console.warn
    warn('WARNING: insecure open overlay: no swarm key and no admission; '
      + 'anyone who can reach this host\'s libp2p port can join the overlay and call its peer methods')
  }
  const handshakeTimeoutMs = init.handshakeTimeoutMs ?? 30_000
  if (!Number.isFinite(handshakeTimeoutMs) || handshakeTimeoutMs <= 0) {
    throw new InvalidArgumentError('handshakeTimeoutMs', 'a positive number of milliseconds', handshakeTimeoutMs)
  }
  const privateKey = await loadOrCreateIdentity(init.dataDir)
  const admitted = new Set<string>()
  const dials = new SimultaneousDials(peerIdFromPrivateKey(privateKey).toString(), handshakeTimeoutMs)

  const logger = quietLogger(process.env)
  const libp2p = await createLibp2p({
    ...(logger === undefined ? {} : { logger }),
    privateKey,
    addresses: { listen: init.listen ?? ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [trust === undefined ? noise() : admittedNoise(trust, (peer) => { admitted.add(peer) }, dials.refuseInbound)],
    streamMuxers: [
      yamux({
        ...(init.muxer?.maxMessageBytes !== undefined ? { maxMessageSize: init.muxer.maxMessageBytes } : {}),
        streamOptions: {
          initialStreamWindowSize: init.muxer?.initialStreamWindowBytes ?? 4 * 1024 * 1024,
          maxStreamWindowSize: init.muxer?.maxStreamWindowBytes ?? 16 * 1024 * 1024
        }
      })
    ],
    connectionGater: {
      ...(trust !== undefined ? { denyDialPeer: peer => trust.isHostRevoked(peer.toString()) } : {}),
      denyInboundConnection: dials.noteInbound
    },
    // Membership probes every member (overlay/membership); libp2p's own monitor
    // would ping every connection again and abort those whose ping is slow,
    // which a busy host's are.
    connectionMonitor: { enabled: false },
    connectionManager: {
      maxConnections: init.maxConnections ?? 300,
      inboundConnectionThreshold: init.inboundConnectionThreshold ?? 1000,
      maxIncomingPendingConnections: 200,
      dialTimeout: handshakeTimeoutMs,
      addressDialTimeout: handshakeTimeoutMs,
      inboundUpgradeTimeout: handshakeTimeoutMs
    },
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: floodsub()
    }
  })
  const admits = (peerId: string): boolean => trust === undefined || (admitted.has(peerId) && !trust.isHostRevoked(peerId))
  // Every handler registered through libp2p.handle (the XML-RPC tunnel, search,
  // image chunks, membership sync, trust sync) refuses a peer that is not, or
  // no longer, admitted.
  const handle = libp2p.handle.bind(libp2p)
  libp2p.handle = async (protocols, handler, options) => {
    const guarded: StreamHandler = async (stream, connection) => {
      if (!admits(connection.remotePeer.toString())) {
        stream.abort(new Error(`peer ${connection.remotePeer.toString()} is not admitted to this cluster`))
        return
      }
      await handler(stream, connection)
    }
    await handle(protocols, guarded, options)
  }
  dials.install(libp2p)
  const dialer = new BootstrapDialer(libp2p, {
    peers: bootstrap,
    ...(init.bootstrapInitialBackoffMs !== undefined ? { initialBackoffMs: init.bootstrapInitialBackoffMs } : {}),
    ...(init.bootstrapMaxBackoffMs !== undefined ? { maxBackoffMs: init.bootstrapMaxBackoffMs } : {})
  })
  dialer.start()
  let stopped = false
  return {
    libp2p,
    peerId: libp2p.peerId.toString(),
    multiaddrs: () => libp2p.getMultiaddrs().map(a => a.toString()),
    connectedPeers: () => [...new Set(libp2p.getConnections().map(c => c.remotePeer.toString()))],
    trust,
    admits,
    async stop () {
      if (stopped) return
      stopped = true
      dialer.stop()
      await libp2p.stop()
    }
  }
}
