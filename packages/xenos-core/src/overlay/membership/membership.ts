/**
 * Overlay membership: who is in the overlay, at which addresses, in which
 * groups, and who is suspected or known to have failed. The state machine
 * is `Swim` (swim.ts: probes, indirect probes, suspicion, gossip, push-pull,
 * redials); this class runs it over libp2p: the protocol
 * `/xenos/membership/1.0.0` (one request and one reply per stream, see
 * protocol.ts), the node's connection events as evidence (a closed
 * connection triggers a probe at once; a new connection from a peer that is
 * not a live member triggers a table exchange at once, which is how a host
 * joins and how a healed partition closes), and the peer store (members'
 * addresses, so they can be dialled by peer id).
 *
 * Search uses the table to know whom to ask and whom to name as not
 * answering; groups use it to connect members of a group to each other.
 *
 * @example
 * ```ts
 * const membership = new Membership(node.libp2p, { probeIntervalMs: 1000 })
 * await membership.start()
 * await membership.waitForMembers(3, 30_000)
 * membership.onTransition(t => console.log(t.peerId, t.from, '->', t.to, t.reason))
 * console.log(membership.members(), membership.failed())
 * ```
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { OverlayLibp2p } from '../node.js'
import { FrameReader, decodeJson, encodeJson, raceAbort, writeFrame } from '../frames.js'
import { FrameError, MemberUnreachableError, OverlayTimeoutError } from '../errors.js'
import { unreachable } from '../unreachable.js'
import { MEMBERSHIP_PROTOCOL, parseFrame, type Deadlines, type Frame, type MembershipTransport, type PeerRef } from './protocol.js'
import { Swim, type MemberInfo, type MemberTransition, type SwimInit } from './swim.js'

export type MembershipInit = SwimInit

const MAX_FRAME_BYTES = 8 * 1024 * 1024
const MAX_RECORDS = 100_000
/** Longest time a request is served (a ping-req waits for its own probe). */
const SERVE_TIMEOUT_MS = 60_000

export class Membership {
  private readonly swim: Swim
  /** Peers with an open connection (libp2p's peer:connect and peer:disconnect), asked on every gossip round. */
  private readonly connectedPeers = new Set<string>()
  /** This host's addresses as announced; read for every frame sent, refreshed when libp2p says they changed. */
  private ownAddrs: string[] | undefined
  /** Whether this membership holds the process' stall monitor. */
  private watchingStalls = false

  /** `name`: this host's name, announced in its record so that the others can name it (a coordinator's hostname). */
  constructor (private readonly libp2p: OverlayLibp2p, init: MembershipInit = {}, options: { name?: string } = {}) {
    const logger = libp2p.logger.forComponent('xenos:membership')
    this.swim = new Swim(init, {
      self: libp2p.peerId.toString(),
      ...(options.name === undefined ? {} : { name: options.name }),
      transport: libp2pTransport(libp2p, peerId => this.connectedPeers.has(peerId)),
      addrs: () => (this.ownAddrs ??= libp2p.getMultiaddrs().map(a => a.toString())),
      stalledMs: sinceMs => loopStalls.longestSince(sinceMs),
      log: (format, ...args) => { logger(format, ...args) }
    })
    this.swim.onChange((peerId, info) => {
      if (info !== undefined) this.rememberAddrs(peerId, info.addrs)
    })
    this.swim.onTransition((t) => {
      // A connection to a failed member may be half dead (a partition leaves TCP retrying for
      // minutes, and streams on it stall after the heal): drop it, so that the redial and every
      // later search or call start on a fresh one.
      if (t.to === 'failed' && libp2p.status === 'started') {
        const why = new MemberUnreachableError(t.peerId, 'unreachable', `member declared failed: ${t.reason ?? 'no reason given'}`)
        for (const c of libp2p.getConnections(peerIdFromString(t.peerId))) c.abort(why)
      }
    })
  }

  private readonly onConnect = (evt: CustomEvent<PeerId>): void => {
    this.connectedPeers.add(evt.detail.toString())
  }

  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    this.connectedPeers.delete(evt.detail.toString())
    this.swim.evidence(evt.detail.toString())
  }

  private readonly onIdentify = (evt: CustomEvent<{ peerId: PeerId, protocols: string[] }>): void => {
    if (evt.detail.protocols.includes(MEMBERSHIP_PROTOCOL)) this.swim.contact({ peerId: evt.detail.peerId.toString(), addrs: [] })
  }

  private lastAddrs = ''
  private readonly onSelfUpdate = (): void => {
    const list = this.libp2p.getMultiaddrs().map(a => a.toString())
    const addrs = list.join()
    if (addrs === this.lastAddrs) return
    this.lastAddrs = addrs
    this.ownAddrs = list
    if (this.swim.isRunning) this.swim.refreshSelf()
  }

  async start (): Promise<void> {
    await this.libp2p.handle(MEMBERSHIP_PROTOCOL, (stream, connection) => this.serve(stream, connection), { maxInboundStreams: 128 })
    this.ownAddrs = this.libp2p.getMultiaddrs().map(a => a.toString())
    this.lastAddrs = this.ownAddrs.join()
    this.libp2p.addEventListener('peer:connect', this.onConnect)
    this.libp2p.addEventListener('peer:disconnect', this.onDisconnect)
    for (const c of this.libp2p.getConnections()) this.connectedPeers.add(c.remotePeer.toString())
    this.libp2p.addEventListener('peer:identify', this.onIdentify)
    this.libp2p.addEventListener('self:peer:update', this.onSelfUpdate)
    if (!this.watchingStalls) loopStalls.acquire()
    this.watchingStalls = true
    this.swim.start()
    // peers that connected before this started (bootstrap dials begin with the node)
    for (const peer of new Set(this.libp2p.getConnections().map(c => c.remotePeer.toString()))) this.swim.contact({ peerId: peer, addrs: [] })
  }

  /**
   * Stop without leaving: the others see the connections close, find the
   * port refused and declare this host failed (and keep naming it) until it
   * comes back, leaves, or is removed. What a coordinator does on shutdown:
   * its guests keep running, so the others must not forget it.
   */
  async stop (): Promise<void> {
    this.removeListeners()
    if (this.watchingStalls) loopStalls.release()
    this.watchingStalls = false
    if (!this.swim.isRunning) return
    this.swim.halt()
    if (this.libp2p.status === 'started') await this.libp2p.unhandle(MEMBERSHIP_PROTOCOL)
  }

  /** Leave gracefully: the others forget this host instead of declaring it failed. Then stop. */
  async leave (): Promise<void> {
    this.removeListeners()
    if (this.swim.isRunning && this.libp2p.status === 'started') await this.swim.leave()
    await this.stop()
  }

  private removeListeners (): void {
    this.libp2p.removeEventListener('peer:connect', this.onConnect)
    this.libp2p.removeEventListener('peer:disconnect', this.onDisconnect)
    this.libp2p.removeEventListener('peer:identify', this.onIdentify)
    this.libp2p.removeEventListener('self:peer:update', this.onSelfUpdate)
  }

  /** Set the groups announced for this host; the change spreads at once. */
  async setLocalGroups (groups: string[]): Promise<void> {
    this.swim.setGroups(groups)
  }

  /** Live members (alive or suspect) other than this host. */
  members (): MemberInfo[] {
    return this.swim.members()
  }

  /** Members declared failed (until they come back, leave, or are removed). */
  failed (): MemberInfo[] {
    return this.swim.failed()
  }

  /** What is known of one host, failed included; undefined if unknown, left or removed. */
  get (peerId: string): MemberInfo | undefined {
    return this.swim.get(peerId)
  }

  /** Called when a member joins the live set, changes, or (with `undefined`) leaves it. */
  onChange (listener: (peerId: string, info: MemberInfo | undefined) => void): () => void {
    return this.swim.onChange(listener)
  }

  /** Called on every change of a member's state (joined, suspected, failed, back, left). */
  onTransition (listener: (t: MemberTransition) => void): () => void {
    return this.swim.onTransition(listener)
  }

  /** Membership requests this host has sent (probes, gossip, table exchanges), for measurements. */
  get requestsSent (): number {
    return this.swim.requestsSent
  }

  /** Another part of the overlay could not reach `peerId` (a send failed): probe it now. */
  reportUnreachable (peerId: string): void {
    this.swim.evidence(peerId)
  }

  /** Remove a member from every member's table (an administrator's act); false if it was not known. */
  remove (peerId: string): boolean {
    return this.swim.remove(peerId)
  }

  /**
   * Resolves once at least `count` other hosts are live members; rejects with
   * an `OverlayTimeoutError` naming how many are known after `timeoutMs`.
   */
  async waitForMembers (count: number, timeoutMs = 30_000): Promise<void> {
    if (this.members().length >= count) return
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        off()
        reject(new OverlayTimeoutError(`expected ${count} other members within ${timeoutMs} ms, found ${this.members().length}`))
      }, timeoutMs)
      const off = this.onChange(() => {
        if (this.members().length < count) return
        clearTimeout(timer)
        off()
        resolve()
      })
    })
  }

  private async serve (stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.timeout(SERVE_TIMEOUT_MS)
    try {
      const body = await new FrameReader(stream).read(MAX_FRAME_BYTES, signal)
      if (body === null) throw new FrameError('expected a membership request frame, found end of stream')
      const reply = await this.swim.handle(connection.remotePeer.toString(), parseFrame(decodeJson(body, 'membership request'), MAX_RECORDS))
      await writeFrame(stream, encodeJson(reply), signal)
      await stream.close({ signal })
    } catch (err) {
      stream.abort(err as Error) // the requester sees the reset as an unreachable member; this host keeps serving
    }
  }

  /** Put the addresses in the peer store so the member can be dialled by id. */
  private rememberAddrs (peerId: string, addrs: string[]): void {
    const multiaddrs = parseAddrs(peerId, addrs)
    if (multiaddrs.length === 0 || this.libp2p.status !== 'started') return
    this.libp2p.peerStore.merge(peerIdFromString(peerId), { multiaddrs }).catch((err: unknown) => {
      this.libp2p.logger.forComponent('xenos:membership').error('peer store merge failed: %e', err)
    })
  }
}

/**
 * Stalls of this process' event loop (a timer every `TICK_MS` notes how late
 * it fired), kept for a minute; one monitor for the process, shared by every
 * membership in it, running while one is.
 */
class LoopStalls {
  private static readonly TICK_MS = 50
  /** Shorter delays are ordinary timer jitter. */
  private static readonly NOTED_MS = 100
  private static readonly KEPT_MS = 60_000
  private readonly stalls: Array<{ endMs: number, ms: number }> = []
  private timer: ReturnType<typeof setInterval> | undefined
  private users = 0
  private lastTickMs = 0

  acquire (): void {
    if (this.users++ > 0) return
    this.lastTickMs = performance.now()
    this.timer = setInterval(() => { this.tick() }, LoopStalls.TICK_MS)
    this.timer.unref()
  }

  release (): void {
    if (this.users === 0 || --this.users > 0) return
    clearInterval(this.timer)
    this.stalls.length = 0
  }

  /** The longest stall since `sinceMs` (performance.now() time), the part before it left out; a stall not yet noted included. */
  longestSince (sinceMs: number): number {
    const nowMs = performance.now()
    let longest = this.users === 0 ? 0 : Math.min(nowMs - this.lastTickMs - LoopStalls.TICK_MS, nowMs - sinceMs)
    for (let i = this.stalls.length - 1; i >= 0; i--) {
      const s = this.stalls[i]!
      if (s.endMs <= sinceMs) break
      longest = Math.max(longest, Math.min(s.ms, s.endMs - sinceMs))
    }
    return Math.max(0, longest)
  }

  private tick (): void {
    const nowMs = performance.now()
    const lateMs = nowMs - this.lastTickMs - LoopStalls.TICK_MS
    this.lastTickMs = nowMs
    if (lateMs < LoopStalls.NOTED_MS) return
    this.stalls.push({ endMs: nowMs, ms: lateMs })
    while (this.stalls.length > 0 && this.stalls[0]!.endMs < nowMs - LoopStalls.KEPT_MS) this.stalls.shift()
  }
}

const loopStalls = new LoopStalls()

/** The membership protocol over libp2p streams; `connected` says whether a connection to a peer is open. */
function libp2pTransport (libp2p: OverlayLibp2p, connected: (peerId: string) => boolean): MembershipTransport {
  return {
    connected,
    async request (peer: PeerRef, frame: Frame, deadlines: Deadlines): Promise<Frame> {
      let stream: Stream | undefined
      let phase: { what: 'connect' | 'answer', ms: number } = { what: 'connect', ms: deadlines.connectMs }
      try {
        const id = peerIdFromString(peer.peerId)
        if (libp2p.getConnections(id).length === 0) {
          const addrs = parseAddrs(peer.peerId, peer.addrs)
          const dialSignal = AbortSignal.timeout(deadlines.connectMs)
          await raceAbort(libp2p.dial(addrs.length === 0 ? id : addrs, { signal: dialSignal }), dialSignal)
        }
        phase = { what: 'answer', ms: deadlines.answerMs }
        deadlines.onConnected?.()
        const signal = AbortSignal.timeout(deadlines.answerMs)
        stream = await raceAbort(libp2p.dialProtocol(id, MEMBERSHIP_PROTOCOL, { signal }), signal)
        await writeFrame(stream, encodeJson(frame), signal)
        const body = await new FrameReader(stream).read(MAX_FRAME_BYTES, signal)
        if (body === null) throw new FrameError(`expected a membership reply from ${peer.peerId}, found end of stream`)
        await raceAbort(stream.close({ signal }), signal)
        return parseFrame(decodeJson(body, 'membership reply'), MAX_RECORDS)
      } catch (err) {
        stream?.abort(err as Error)
        throw unreachable(peer.peerId, err, phase.ms, phase.what)
      }
    }
  }
}

function parseAddrs (peerId: string, addrs: string[]): Multiaddr[] {
  const out: Multiaddr[] = []
  for (const a of addrs) {
    if (!a.endsWith(`/p2p/${peerId}`)) continue
    try {
      out.push(multiaddr(a))
    } catch {
      // a malformed address in a record is skipped; the others (or the peer id) still serve
    }
  }
  return out
}
