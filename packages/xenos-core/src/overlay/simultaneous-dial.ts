/**
 * One connection per pair of hosts when both dial each other at once.
 *
 * Two hosts that need each other at the same moment (two searches crossing,
 * the members of a new group) both dial, and libp2p would keep both
 * connections, each with its own handshake, muxer, identify and pubsub
 * streams. Both ends keep the one dialled by the host whose peer id is the
 * smaller (in code unit order), and the other never opens:
 * - the smaller host refuses an inbound connection from the larger during the
 *   admission exchange (admission.ts), once the dialer's record is verified and
 *   before its own is sent, so the dialer's handshake fails and no muxer,
 *   identify or stream ever runs on it, when its own dial of that peer was in
 *   flight and opened a connection, or when one of its dials opened a
 *   connection to that peer since the inbound one was accepted. While its dial
 *   is in flight the inbound connection waits for it; if the dial fails, the
 *   inbound connection is accepted. A connection it only believes open (one a
 *   partition left half-open) never makes it refuse: only a dial of the moment
 *   counts;
 * - every dial of the node (`libp2p.dial` and `libp2p.dialProtocol`, replaced
 *   here, so every part of the overlay and the bootstrap dialer go through it)
 *   ends with the first connection to the peer that opens, the peer's own
 *   included: the larger host's caller gets the smaller host's connection, and
 *   its streams open on that one. The smaller host knows its own connection
 *   opened only once the larger sent its record on it, after which the larger
 *   opens it without waiting for the network, so the larger holds it before it
 *   learns of the refusal. The larger host then abandons its own dial wherever
 *   it is (often before its handshake is done).
 * Nothing is accepted here that the swarm key or the admission exchange would
 * refuse: a refusal only closes a connection they passed. On an open overlay
 * (no admission exchange) nothing is refused: both connections are kept.
 *
 * @example
 * ```ts
 * const dials = new SimultaneousDials(selfPeerId, 30_000)
 * const libp2p = await createLibp2p({
 *   connectionEncrypters: [admittedNoise(trust, undefined, dials.refuseInbound)],
 *   connectionGater: { denyInboundConnection: dials.noteInbound }
 * })
 * dials.install(libp2p)
 * ```
 */
import { InvalidParametersError, isPeerId, type Connection, type Libp2p, type MultiaddrConnection, type PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { SimultaneousDialError } from './errors.js'

type DialTarget = PeerId | Multiaddr | Multiaddr[]
type Dial = Libp2p['dial']

/** The peer id a dial target names, if it names one (a multiaddr list names one peer, libp2p checks that). */
export function dialedPeer (target: DialTarget): string | undefined {
  if (isPeerId(target)) return target.toString()
  const addr = Array.isArray(target) ? target[0] : target
  return addr?.getComponents().findLast(c => c.name === 'p2p')?.value
}

export class SimultaneousDials {
  private libp2p: Libp2p | undefined
  /** Dials of this node in flight that will open a new connection, by remote peer id. */
  private readonly dialing = new Map<string, Set<Promise<Connection>>>()
  /** Dials waiting for any connection to a peer to open, by remote peer id. */
  private readonly waiting = new Map<string, Set<(connection: Connection) => void>>()
  /** When each inbound connection was accepted, and each connection opened (`performance.now()`, ms). */
  private readonly acceptedMs = new WeakMap<object, number>()
  private readonly openedMs = new WeakMap<Connection, number>()

  /** `self`: this node's peer id; `dialTimeoutMs`: the bound of a dial given no signal (libp2p's `dialTimeout`). */
  constructor (private readonly self: string, private readonly dialTimeoutMs: number) {}

  /** Route every dial of `libp2p` through the tie-break (see module comment); before this, nothing is refused. */
  install (libp2p: Libp2p): void {
    this.libp2p = libp2p
    const dial: Dial = libp2p.dial.bind(libp2p)
    libp2p.addEventListener('connection:open', (evt) => {
      const connection = evt.detail
      this.openedMs.set(connection, performance.now())
      const waiters = this.waiting.get(connection.remotePeer.toString())
      if (waiters === undefined || !usable(connection)) return
      for (const resolve of [...waiters]) resolve(connection)
    })
    libp2p.dial = async (target, options = {}) => await this.dial(dial, target, options)
    libp2p.dialProtocol = async (target, protocols, options = {}) => {
      const list = Array.isArray(protocols) ? protocols : [protocols]
      if (list.length === 0) throw new InvalidParametersError('no protocols were provided to open a stream')
      const connection = await libp2p.dial(target, options)
      return await connection.newStream(list, options)
    }
  }

  /** The connection gater's `denyInboundConnection`: notes when an inbound connection was accepted, refuses none. */
  readonly noteInbound = (maConn: MultiaddrConnection): boolean => {
    this.acceptedMs.set(maConn, performance.now())
    return false
  }

  /**
   * Asked by the admission exchange once the dialer of an inbound connection
   * (`connection`, the one the gater noted) is admitted: true when this node
   * is the smaller and its own dial of `remote` opened, or opens, the
   * connection both keep (see module comment).
   */
  readonly refuseInbound = async (remote: string, connection: object): Promise<boolean> => {
    const libp2p = this.libp2p
    if (libp2p === undefined || !(this.self < remote)) return false
    const acceptedMs = this.acceptedMs.get(connection) ?? Number.POSITIVE_INFINITY
    const opened = (c: Connection): boolean => c.direction === 'outbound' && c.status === 'open' && c.remotePeer.toString() === remote
    const inFlight = this.dialing.get(remote)
    if (inFlight !== undefined) {
      const outcomes = await Promise.allSettled([...inFlight])
      if (outcomes.some(o => o.status === 'fulfilled' && opened(o.value))) return true
    }
    return libp2p.getConnections().some(c => opened(c) && (this.openedMs.get(c) ?? Number.NEGATIVE_INFINITY) >= acceptedMs)
  }

  private async dial (dial: Dial, target: DialTarget, options: Parameters<Dial>[1] & {}): Promise<Connection> {
    const peer = dialedPeer(target)
    const libp2p = this.libp2p!
    if (peer === undefined || options.force === true || libp2p.getConnections().some(c => usable(c) && c.remotePeer.toString() === peer)) {
      return await dial(target, options)
    }
    // libp2p bounds a dial given no signal by its dial timeout: kept when this one is added
    const abandon = new AbortController()
    const signal = AbortSignal.any([options.signal ?? AbortSignal.timeout(this.dialTimeoutMs), abandon.signal])
    const attempt = dial(target, { ...options, signal })
    this.track(peer, attempt)
    return await new Promise<Connection>((resolve, reject) => {
      const opened = (connection: Connection): void => {
        this.unwait(peer, opened)
        // the smaller peer's own connection opened first: both keep that one, so this dial is not needed any more
        if (connection.direction === 'inbound' && peer < this.self) {
          abandon.abort(new SimultaneousDialError(`dial of ${peer}: expected no connection from it while dialling, found one (abandoned)`))
        }
        resolve(connection)
      }
      this.wait(peer, opened)
      attempt.then(opened, (err: unknown) => {
        this.unwait(peer, opened)
        // the peer's own connection may have opened as this dial was refused
        const open = libp2p.getConnections().find(c => usable(c) && c.remotePeer.toString() === peer)
        if (open !== undefined) resolve(open)
        else reject(err as Error)
      })
    })
  }

  private track (peer: string, attempt: Promise<Connection>): void {
    let set = this.dialing.get(peer)
    if (set === undefined) this.dialing.set(peer, set = new Set())
    set.add(attempt)
    const forget = (): void => {
      set.delete(attempt)
      if (set.size === 0 && this.dialing.get(peer) === set) this.dialing.delete(peer)
    }
    attempt.then(forget, forget)
  }

  private wait (peer: string, resolve: (connection: Connection) => void): void {
    let set = this.waiting.get(peer)
    if (set === undefined) this.waiting.set(peer, set = new Set())
    set.add(resolve)
  }

  private unwait (peer: string, resolve: (connection: Connection) => void): void {
    const set = this.waiting.get(peer)
    if (set === undefined) return
    set.delete(resolve)
    if (set.size === 0) this.waiting.delete(peer)
  }
}

/** An open connection streams may use without limits (libp2p's own choice of an existing connection). */
function usable (connection: Connection): boolean {
  return connection.status === 'open' && connection.limits == null
}
