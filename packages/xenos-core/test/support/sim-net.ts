/**
 * Members of `Swim` on a simulated network with a manual clock (tests and
 * benchmarks), so that suspicion, failure, refutation and healing are
 * checked as state changes in a fixed order, independent of how busy the
 * machine is. A member can be killed (its requests are refused), links can
 * be cut (their requests time out) and frames of a kind can be dropped.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { MemberUnreachableError } from '../../src/overlay/errors.js'
import type { Deadlines, Frame, FrameType, MembershipTransport, PeerRef } from '../../src/overlay/membership/protocol.js'
import { Swim, type MemberTransition, type SwimInit } from '../../src/overlay/membership/swim.js'
import { ManualClock } from './manual-clock.js'

/** How often a message on a cut link is sent again. */
const RETRANSMIT_MS = 250

/** The key of a connection between two members ("a b", the peer ids sorted). */
function pair (a: string, b: string): string {
  return a < b ? `${a} ${b}` : `${b} ${a}`
}

export interface SimMember {
  peerId: string
  swim: Swim
  transitions: MemberTransition[]
}

export interface SimNetInit {
  /**
   * How long opening a connection between two members takes (a handshake on a
   * busy machine). When given, members track which pairs are connected, and a
   * first request between two members waits this long before it is sent.
   * @default connections are free and every pair counts as connected
   */
  handshakeMs?: number
  /**
   * With `handshakeMs`: a handshake is that much CPU time on each of its two
   * members, and a member does one handshake at a time (a host with one core
   * for them), so a member many others connect to at once makes them queue.
   * @default false: handshakes take `handshakeMs` however many run at once
   */
  handshakeCpu?: boolean
  /** One-way delay of every message. @default 1 */
  latencyMs?: number
}

/**
 * Members on a simulated network: `latencyMs` per hop, links cut (a message
 * sent across gets through if the link is restored before its deadline) or
 * whole members killed on demand.
 */
export class SimNet {
  readonly clock = new ManualClock()
  readonly members: SimMember[] = []
  private readonly byId = new Map<string, SimMember>()
  private readonly dead = new Set<string>()
  private readonly cut = new Set<string>()
  /** Frame kinds silently lost (their requests time out). */
  readonly dropped = new Set<FrameType>()
  /** Counts of requests by frame kind. */
  readonly sent: Record<string, number> = {}
  private seed = 7
  /** Connected pairs ("a b", the peer ids sorted), when handshakes are modelled. */
  private readonly links = new Set<string>()
  /** Connections opened (when handshakes are modelled). */
  handshakes = 0
  /** Handshakes under way, by pair, so that concurrent requests between two members share one (as libp2p's dialer does). */
  private readonly opening = new Map<string, Promise<void>>()
  /** With `handshakeCpu`: until when each member's CPU is taken by handshakes. */
  private readonly busyUntil = new Map<string, number>()

  constructor (private readonly init: SimNetInit = {}) {}

  /** `stalledMs`: how long the member's process stood still since a time (its event loop blocked); never by default. */
  async add (init: SwimInit = {}, options: { name?: string, stalledMs?: (sinceMs: number) => number } = {}): Promise<SimMember> {
    const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const transitions: MemberTransition[] = []
    const swim = new Swim(init, {
      self: peerId,
      ...(options.name === undefined ? {} : { name: options.name }),
      ...(options.stalledMs === undefined ? {} : { stalledMs: options.stalledMs }),
      transport: this.transport(peerId),
      addrs: () => [`/memory/${peerId}`],
      clock: this.clock,
      random: () => this.random(),
      initialIncarnation: 1
    })
    swim.onTransition(t => transitions.push(t))
    const member = { peerId, swim, transitions }
    this.members.push(member)
    this.byId.set(peerId, member)
    return member
  }

  /**
   * Start `member` and let it join through `via`, as a connection to a
   * bootstrap peer does: the member exchanges tables with `via`. When
   * handshakes are modelled, once the connection is open (a bootstrap dial
   * has no membership deadline), and `via` exchanges tables back, as both
   * ends of a new libp2p connection do.
   */
  join (member: SimMember, via?: SimMember): void {
    member.swim.start()
    if (via === undefined) return
    if (this.init.handshakeMs === undefined) {
      member.swim.contact({ peerId: via.peerId, addrs: [] })
      return
    }
    void this.connect(member.peerId, via.peerId, this.init.handshakeMs).then(() => {
      if (!this.links.has(pair(member.peerId, via.peerId))) return
      member.swim.contact({ peerId: via.peerId, addrs: [] })
      via.swim.contact({ peerId: member.peerId, addrs: [] })
    })
  }

  /** The process of `member` is gone: requests to it are refused at once (kill -9). */
  kill (member: SimMember): void {
    this.dead.add(member.peerId)
    member.swim.halt()
    for (const l of this.links) if (l.split(' ').includes(member.peerId)) this.links.delete(l)
  }

  /** Cut (or restore) every link between the two sides: requests across time out. */
  partition (side: SimMember[], others: SimMember[], cut = true): void {
    for (const a of side) {
      for (const b of others) {
        for (const key of [`${a.peerId}>${b.peerId}`, `${b.peerId}>${a.peerId}`]) {
          if (cut) this.cut.add(key)
          else this.cut.delete(key)
        }
      }
    }
  }

  /** What `observer` thinks of `target`. */
  stateOf (observer: SimMember, target: SimMember): string {
    return observer.swim.get(target.peerId)?.state ?? 'unknown'
  }

  private random (): number {
    this.seed = (this.seed * 1103515245 + 12345) % 2147483648
    return this.seed / 2147483648
  }

  private transport (from: string): MembershipTransport {
    const handshakeMs = this.init.handshakeMs
    const latencyMs = this.init.latencyMs ?? 1
    const link = (peerId: string): string => pair(from, peerId)
    return {
      connected: peerId => handshakeMs === undefined || this.links.has(link(peerId)),
      request: async (peer: PeerRef, frame: Frame, deadlines: Deadlines): Promise<Frame> => {
        this.sent[frame.t] = (this.sent[frame.t] ?? 0) + 1
        const target = this.byId.get(peer.peerId)
        await this.sleep(latencyMs)
        if (target === undefined || this.dead.has(peer.peerId) || this.dead.has(from)) {
          throw new MemberUnreachableError(peer.peerId, 'refused', `connection to ${peer.peerId} refused`)
        }
        if (handshakeMs !== undefined && !this.links.has(link(peer.peerId))) {
          if (!(await this.reaches(`${from}>${peer.peerId}`, deadlines.connectMs))) {
            throw new MemberUnreachableError(peer.peerId, 'timeout', `no connection to ${peer.peerId} within ${deadlines.connectMs} ms`)
          }
          const key = link(peer.peerId)
          const opening = this.connect(from, peer.peerId, handshakeMs)
          const timedOut = await Promise.race([opening.then(() => false), this.sleep(deadlines.connectMs).then(() => true)])
          if (timedOut || !this.links.has(key)) {
            throw new MemberUnreachableError(peer.peerId, 'timeout', `no connection to ${peer.peerId} within ${deadlines.connectMs} ms`)
          }
        }
        deadlines.onConnected?.()
        const sentMs = this.clock.now()
        if (this.dropped.has(frame.t)) {
          await this.sleep(deadlines.answerMs)
          throw new MemberUnreachableError(peer.peerId, 'timeout', `no answer from ${peer.peerId} within ${deadlines.answerMs} ms`)
        }
        if (!(await this.reaches(`${from}>${peer.peerId}`, deadlines.answerMs))) {
          throw new MemberUnreachableError(peer.peerId, 'timeout', `no answer from ${peer.peerId} within ${deadlines.answerMs} ms`)
        }
        const reply = await target.swim.handle(from, structuredClone(frame))
        await this.sleep(latencyMs)
        if (!(await this.reaches(`${peer.peerId}>${from}`, Math.max(0, sentMs + deadlines.answerMs - this.clock.now())))) {
          throw new MemberUnreachableError(peer.peerId, 'timeout', `no answer from ${peer.peerId} within ${deadlines.answerMs} ms`)
        }
        return structuredClone(reply)
      }
    }
  }

  /**
   * Whether a message on the directed link `key` gets through within
   * `withinMs`: at once if the link is not cut, else if it is restored in
   * time (retransmitted every `RETRANSMIT_MS`, as TCP does); after `withinMs`
   * otherwise.
   */
  private async reaches (key: string, withinMs: number): Promise<boolean> {
    const endMs = this.clock.now() + withinMs
    while (this.cut.has(key)) {
      const leftMs = endMs - this.clock.now()
      if (leftMs <= 0) return false
      await this.sleep(Math.min(RETRANSMIT_MS, leftMs))
    }
    return true
  }

  /** Open a connection between `a` and `b` (or join the handshake under way); resolves when it is open or failed. */
  private async connect (a: string, b: string, handshakeMs: number): Promise<void> {
    const key = pair(a, b)
    if (this.links.has(key)) return
    let opening = this.opening.get(key)
    if (opening === undefined) {
      opening = this.sleep(this.handshakeDelay(a, b, handshakeMs)).then(() => {
        this.opening.delete(key)
        if (this.dead.has(a) || this.dead.has(b)) return
        this.handshakes++
        this.links.add(key)
      })
      this.opening.set(key, opening)
    }
    await opening
  }

  /** How long from now a new connection between `a` and `b` takes to open (queued behind each one's other handshakes with `handshakeCpu`). */
  private handshakeDelay (a: string, b: string, handshakeMs: number): number {
    if (this.init.handshakeCpu !== true) return handshakeMs
    const now = this.clock.now()
    let doneMs = now
    for (const m of [a, b]) {
      const end = Math.max(now, this.busyUntil.get(m) ?? 0) + handshakeMs
      this.busyUntil.set(m, end)
      doneMs = Math.max(doneMs, end)
    }
    return doneMs - now
  }

  private async sleep (ms: number): Promise<void> {
    await new Promise<void>(resolve => this.clock.setTimeout(resolve, ms))
  }
}
