/**
 * TEST ONLY: members of `Swim` on a simulated network with a manual clock,
 * so that suspicion, failure, refutation and healing are checked as state
 * changes in a fixed order, independent of how busy the machine is. A
 * member can be killed (its requests are refused), links can be cut (their
 * requests time out) and frames of a kind can be dropped. Not exported from
 * the package.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { MemberUnreachableError } from '../errors.js'
import type { Deadlines, Frame, FrameType, MembershipTransport, PeerRef } from './protocol.js'
import { Swim, type MemberTransition, type SwimClock, type SwimInit } from './swim.js'

/** A clock whose time moves only when told; timers run in time order. */
export class ManualClock implements SwimClock {
  private nowMs = 0
  private seq = 0
  private readonly timers = new Map<number, { atMs: number, seq: number, fn: () => void }>()

  now (): number {
    return this.nowMs
  }

  setTimeout (fn: () => void, ms: number): unknown {
    const id = ++this.seq
    this.timers.set(id, { atMs: this.nowMs + Math.max(0, ms), seq: id, fn })
    return id
  }

  clearTimeout (handle: unknown): void {
    this.timers.delete(handle as number)
  }

  /** Move time forward by `ms`, running every timer due on the way (and the promise chains they start). */
  async advance (ms: number): Promise<void> {
    const endMs = this.nowMs + ms
    for (;;) {
      await drain()
      let next: { id: number, atMs: number, seq: number, fn: () => void } | undefined
      for (const [id, t] of this.timers) {
        if (t.atMs <= endMs && (next === undefined || t.atMs < next.atMs || (t.atMs === next.atMs && t.seq < next.seq))) next = { id, ...t }
      }
      if (next === undefined) break
      this.timers.delete(next.id)
      this.nowMs = next.atMs
      next.fn()
    }
    this.nowMs = endMs
    await drain()
  }

  /** Advance in steps of `stepMs` until `check()` holds; throws after `limitMs` of simulated time. */
  async until (check: () => boolean, limitMs: number, what: string, stepMs = 50): Promise<number> {
    const startMs = this.nowMs
    while (!check()) {
      if (this.nowMs - startMs > limitMs) throw new Error(`expected ${what} within ${limitMs} simulated ms, found it still false`)
      await this.advance(stepMs)
    }
    return this.nowMs - startMs
  }
}

async function drain (): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise(resolve => setImmediate(resolve))
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
}

/** Members on a simulated network: 1 ms per hop, links cut or whole members killed on demand. */
export class SimNet {
  readonly clock = new ManualClock()
  readonly members: SimMember[] = []
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

  constructor (private readonly init: SimNetInit = {}) {}

  async add (init: SwimInit = {}, options: { name?: string } = {}): Promise<SimMember> {
    const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const transitions: MemberTransition[] = []
    const swim = new Swim(init, {
      self: peerId,
      ...(options.name === undefined ? {} : { name: options.name }),
      transport: this.transport(peerId),
      addrs: () => [`/memory/${peerId}`],
      clock: this.clock,
      random: () => this.random(),
      initialIncarnation: 1
    })
    swim.onTransition(t => transitions.push(t))
    const member = { peerId, swim, transitions }
    this.members.push(member)
    return member
  }

  /** Start `member` and let it join through `via` (as a connection to a bootstrap peer does). */
  join (member: SimMember, via?: SimMember): void {
    member.swim.start()
    if (via !== undefined) member.swim.contact({ peerId: via.peerId, addrs: [] })
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
    const link = (peerId: string): string => [from, peerId].sort().join(' ')
    return {
      connected: peerId => handshakeMs === undefined || this.links.has(link(peerId)),
      request: async (peer: PeerRef, frame: Frame, deadlines: Deadlines): Promise<Frame> => {
        this.sent[frame.t] = (this.sent[frame.t] ?? 0) + 1
        const target = this.members.find(m => m.peerId === peer.peerId)
        await this.sleep(1)
        if (target === undefined || this.dead.has(peer.peerId) || this.dead.has(from)) {
          throw new MemberUnreachableError(peer.peerId, 'refused', `connection to ${peer.peerId} refused`)
        }
        if (handshakeMs !== undefined && !this.links.has(link(peer.peerId))) {
          if (this.cut.has(`${from}>${peer.peerId}`) || handshakeMs > deadlines.connectMs) {
            await this.sleep(deadlines.connectMs)
            throw new MemberUnreachableError(peer.peerId, 'timeout', `no connection to ${peer.peerId} within ${deadlines.connectMs} ms`)
          }
          await this.sleep(handshakeMs)
          if (!this.links.has(link(peer.peerId))) this.handshakes++
          this.links.add(link(peer.peerId))
        }
        deadlines.onConnected?.()
        if (this.cut.has(`${from}>${peer.peerId}`) || this.dropped.has(frame.t)) {
          await this.sleep(deadlines.answerMs)
          throw new MemberUnreachableError(peer.peerId, 'timeout', `no answer from ${peer.peerId} within ${deadlines.answerMs} ms`)
        }
        const reply = await target.swim.handle(from, structuredClone(frame))
        await this.sleep(1)
        if (this.cut.has(`${peer.peerId}>${from}`)) {
          await this.sleep(deadlines.answerMs)
          throw new MemberUnreachableError(peer.peerId, 'timeout', `no answer from ${peer.peerId} within ${deadlines.answerMs} ms`)
        }
        return structuredClone(reply)
      }
    }
  }

  private async sleep (ms: number): Promise<void> {
    await new Promise<void>(resolve => this.clock.setTimeout(resolve, ms))
  }
}
