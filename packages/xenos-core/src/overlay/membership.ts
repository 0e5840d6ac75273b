/**
 * Overlay membership: who is in the overlay, at which addresses, in which
 * groups. Each host floods a small presence record on the topic
 * `/xenos/presence/1` when it first gains a neighbour, when its groups change,
 * and every `announceIntervalMs`; a record not refreshed within
 * `expireAfterMs` is dropped. A host that joins also copies the table of the
 * neighbours it connects to (protocol `/xenos/presence-sync/1.0.0`), so it
 * knows the overlay at once instead of after a full announcement period. As
 * floodsub drops messages on connections still being set up, a joining host
 * announces and copies tables again after `resyncDelayMs` and three times
 * that; and every `syncIntervalMs` each host exchanges tables with one
 * random neighbour (anti-entropy: it sends its own record and receives the
 * table), so tables converge even when floods are lost.
 *
 * Search uses the table to know whom to expect answers from, groups use it to
 * connect members of the same group to each other.
 *
 * Cost: one announcement is flooded, about 2E messages for E connections, per
 * host per period; one table exchange per host per sync period; a join costs
 * three floods plus a few table copies.
 */
import type { Message } from '@libp2p/floodsub'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { OverlayLibp2p } from './node.js'
import { FrameReader, decodeJson, encodeJson, writeFrame } from './frames.js'
import { OverlayTimeoutError } from './errors.js'

export const PRESENCE_TOPIC = '/xenos/presence/1'
export const PRESENCE_SYNC_PROTOCOL = '/xenos/presence-sync/1.0.0'
const MAX_PRESENCE_BYTES = 64 * 1024
const MAX_TABLE_BYTES = 8 * 1024 * 1024

/** What the overlay knows of one host. */
export interface MemberInfo {
  peerId: string
  /** Dialable multiaddrs (ending in /p2p/<peer id>). */
  addrs: string[]
  /** Groups in which the host has at least one member. */
  groups: string[]
  /** Milliseconds since the record was last refreshed (at the time of the call). */
  ageMs: number
}

export interface MembershipInit {
  /** @default 10000 */
  announceIntervalMs?: number
  /** @default 3.5 * announceIntervalMs */
  expireAfterMs?: number
  /** How many neighbours a joining host copies the table from. @default 3 */
  syncFromNeighbours?: number
  /** How often a host exchanges tables with one random neighbour (anti-entropy). @default announceIntervalMs */
  syncIntervalMs?: number
  /** Delay of the second table copy after joining. @default 1000 */
  resyncDelayMs?: number
}

interface Entry {
  addrs: string[]
  groups: string[]
  seenAtMs: number
}

type ChangeListener = (peerId: string, info: MemberInfo | undefined) => void

export class Membership {
  private readonly table = new Map<string, Entry>()
  private readonly announceIntervalMs: number
  private readonly expireAfterMs: number
  private readonly syncLimit: number
  private readonly resyncDelayMs: number
  private readonly resyncTimers = new Set<ReturnType<typeof setTimeout>>()
  private readonly synced = new Set<string>()
  private localGroups: string[] = []
  private timer: ReturnType<typeof setInterval> | undefined
  private syncTimer: ReturnType<typeof setInterval> | undefined
  private readonly syncIntervalMs: number
  private joinScheduled = false
  private running = false
  private readonly listeners = new Set<ChangeListener>()

  constructor (private readonly libp2p: OverlayLibp2p, init: MembershipInit = {}) {
    this.announceIntervalMs = init.announceIntervalMs ?? 10_000
    this.expireAfterMs = init.expireAfterMs ?? this.announceIntervalMs * 3.5
    this.syncLimit = init.syncFromNeighbours ?? 3
    this.syncIntervalMs = init.syncIntervalMs ?? this.announceIntervalMs
    this.resyncDelayMs = init.resyncDelayMs ?? 1000
  }

  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    const msg = evt.detail
    if (msg.topic !== PRESENCE_TOPIC || msg.type !== 'signed') return
    const record = parsePresence(msg.data)
    if (record !== undefined) this.upsert(msg.from.toString(), record.addrs, record.groups, 0)
  }

  private readonly onSubscriptionChange = (evt: CustomEvent<{ peerId: PeerId, subscriptions: Array<{ topic: string, subscribe: boolean }> }>): void => {
    const joined = evt.detail.subscriptions.some(s => s.topic === PRESENCE_TOPIC && s.subscribe)
    if (!joined) return
    if (!this.joinScheduled) {
      // Floodsub drops messages to a neighbour whose stream is still opening,
      // which is common while a host joins: announce again a little later.
      this.joinScheduled = true
      this.announceInBackground()
      this.later(this.resyncDelayMs, () => { this.announceInBackground() })
      this.later(this.resyncDelayMs * 3, () => { this.announceInBackground() })
    }
    const peer = evt.detail.peerId.toString()
    if (this.synced.size < this.syncLimit && !this.synced.has(peer)) {
      this.synced.add(peer)
      const neighbour = evt.detail.peerId
      void this.syncFrom(neighbour)
      this.later(this.resyncDelayMs, () => void this.syncFrom(neighbour))
      this.later(this.resyncDelayMs * 3, () => void this.syncFrom(neighbour))
    }
  }

  private later (delayMs: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.resyncTimers.delete(timer)
      if (this.running) action()
    }, delayMs)
    this.resyncTimers.add(timer)
  }

  async start (): Promise<void> {
    this.running = true
    await this.libp2p.handle(PRESENCE_SYNC_PROTOCOL, (stream, connection) => this.serveSync(stream, connection))
    this.libp2p.services.pubsub.addEventListener('message', this.onMessage)
    this.libp2p.services.pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    this.libp2p.services.pubsub.subscribe(PRESENCE_TOPIC)
    this.timer = setInterval(() => {
      this.expire()
      this.announceInBackground()
    }, this.announceIntervalMs)
    this.syncTimer = setInterval(() => {
      const neighbours = this.libp2p.getConnections().map(c => c.remotePeer)
      const pick = neighbours[Math.floor(Math.random() * neighbours.length)]
      if (pick !== undefined) void this.syncFrom(pick)
    }, this.syncIntervalMs)
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    clearInterval(this.timer)
    clearInterval(this.syncTimer)
    for (const t of this.resyncTimers) clearTimeout(t)
    this.resyncTimers.clear()
    this.libp2p.services.pubsub.removeEventListener('message', this.onMessage)
    this.libp2p.services.pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    if (this.libp2p.status === 'started') {
      this.libp2p.services.pubsub.unsubscribe(PRESENCE_TOPIC)
      await this.libp2p.unhandle(PRESENCE_SYNC_PROTOCOL)
    }
  }

  /** Set the groups announced for this host and announce them now. */
  async setLocalGroups (groups: string[]): Promise<void> {
    this.localGroups = [...new Set(groups)].sort()
    await this.announce()
    // Joining a group dials its members, and floodsub drops a record sent on a
    // connection still being set up: announce once more, as a join does.
    this.later(this.resyncDelayMs, () => { this.announceInBackground() })
  }

  /** Live members other than this host. */
  members (): MemberInfo[] {
    this.expire()
    const now = performance.now()
    return [...this.table].map(([peerId, e]) => ({ peerId, addrs: e.addrs, groups: e.groups, ageMs: now - e.seenAtMs }))
  }

  get (peerId: string): MemberInfo | undefined {
    return this.members().find(m => m.peerId === peerId)
  }

  /** Called when a member appears, changes, or (with `undefined`) disappears. */
  onChange (listener: ChangeListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Resolves once at least `count` other hosts are members; rejects with an
   * `OverlayTimeoutError` naming how many are known after `timeoutMs`.
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

  /** Forget a member at once (for example after it was seen to be unreachable). */
  forget (peerId: string): void {
    if (this.table.delete(peerId)) this.emit(peerId, undefined)
  }

  /** Flood this host's presence record. */
  async announce (): Promise<void> {
    if (!this.running) return
    const record = { v: 1, addrs: this.libp2p.getMultiaddrs().map(a => a.toString()), groups: this.localGroups }
    try {
      await this.libp2p.services.pubsub.publish(PRESENCE_TOPIC, encodeJson(record))
    } catch (err) {
      // Publishing fails while libp2p stops (or was stopped under us); the next period retries otherwise.
      if (this.running && this.libp2p.status === 'started') throw err
    }
  }

  /** `announce()` from a timer or an event: a failure is logged, the next period retries. */
  private announceInBackground (): void {
    this.announce().catch((err: unknown) => {
      this.libp2p.logger.forComponent('xenos:membership').error('presence announcement failed: %e', err)
    })
  }

  private upsert (peerId: string, addrs: string[], groups: string[], ageMs: number): void {
    if (peerId === this.libp2p.peerId.toString()) return
    const old = this.table.get(peerId)
    const seenAtMs = performance.now() - ageMs
    if (old !== undefined && old.seenAtMs > seenAtMs) return
    this.table.set(peerId, { addrs, groups, seenAtMs })
    if (old === undefined || old.groups.join() !== groups.join() || old.addrs.join() !== addrs.join()) {
      this.rememberAddrs(peerId, addrs)
      this.emit(peerId, this.get(peerId))
    }
  }

  /** Put the addresses in the peer store so the peer can be dialed by id. */
  private rememberAddrs (peerId: string, addrs: string[]): void {
    let multiaddrs
    try {
      multiaddrs = addrs.map(a => multiaddr(a))
    } catch {
      return // a record with a malformed address stays usable by id; it is only a dial hint
    }
    this.libp2p.peerStore.merge(peerIdFromString(peerId), { multiaddrs }).catch((err: unknown) => {
      if (this.running) this.libp2p.logger.forComponent('xenos:membership').error('peer store merge failed: %e', err)
    })
  }

  private expire (): void {
    const now = performance.now()
    for (const [peerId, e] of this.table) {
      if (now - e.seenAtMs > this.expireAfterMs) this.forget(peerId)
    }
  }

  private emit (peerId: string, info: MemberInfo | undefined): void {
    for (const l of this.listeners) l(peerId, info)
  }

  private selfRecord (): MemberInfo {
    return { peerId: this.libp2p.peerId.toString(), addrs: this.libp2p.getMultiaddrs().map(a => a.toString()), groups: this.localGroups, ageMs: 0 }
  }

  /** A table exchange: the requester sends its own record, gets the whole table back. */
  private async serveSync (stream: Stream, connection: Connection): Promise<void> {
    try {
      const signal = AbortSignal.timeout(5000)
      const request = await new FrameReader(stream).read(MAX_PRESENCE_BYTES, signal)
      if (request !== null) {
        const record = parsePresence(request)
        // the record's peer id is the connection's, authenticated by Noise
        if (record !== undefined) this.upsert(connection.remotePeer.toString(), record.addrs, record.groups, 0)
      }
      await writeFrame(stream, encodeJson([this.selfRecord(), ...this.members()]), signal)
      await stream.close()
    } catch (err) {
      stream.abort(err as Error)
    }
  }

  private async syncFrom (peer: PeerId): Promise<void> {
    if (!this.running) return
    const signal = AbortSignal.timeout(5000)
    let stream: Stream | undefined
    try {
      stream = await this.libp2p.dialProtocol(peer, PRESENCE_SYNC_PROTOCOL, { signal })
      const self = this.selfRecord()
      await writeFrame(stream, encodeJson({ v: 1, addrs: self.addrs, groups: self.groups }), signal)
      const body = await new FrameReader(stream).read(MAX_TABLE_BYTES, signal)
      await stream.close({ signal })
      if (body === null) return
      const table = decodeJson(body, 'membership table')
      if (!Array.isArray(table)) return
      for (const item of table) {
        const m = parseMember(item)
        if (m !== undefined) this.upsert(m.peerId, m.addrs, m.groups, Math.max(0, m.ageMs))
      }
    } catch (err) {
      // A neighbour that cannot give its table is not fatal: announcements
      // fill the table within one period. Let the stream go.
      stream?.abort(err as Error)
    }
  }
}

function isPeerId (text: string): boolean {
  try {
    peerIdFromString(text)
    return true
  } catch {
    return false // the answer is the boolean; the parse error itself carries nothing more
  }
}

function isStringArray (v: unknown): v is string[] {
  return Array.isArray(v) && v.every(x => typeof x === 'string')
}

function parsePresence (data: Uint8Array): { addrs: string[], groups: string[] } | undefined {
  if (data.byteLength > MAX_PRESENCE_BYTES) return undefined
  let v: unknown
  try {
    v = JSON.parse(new TextDecoder().decode(data))
  } catch {
    return undefined // a malformed record from a buggy peer is ignored, not fatal
  }
  if (typeof v !== 'object' || v === null) return undefined
  const r = v as Record<string, unknown>
  if (!isStringArray(r['addrs']) || !isStringArray(r['groups'])) return undefined
  return { addrs: r['addrs'], groups: r['groups'] }
}

function parseMember (v: unknown): MemberInfo | undefined {
  if (typeof v !== 'object' || v === null) return undefined
  const r = v as Record<string, unknown>
  if (typeof r['peerId'] !== 'string' || !isPeerId(r['peerId']) || typeof r['ageMs'] !== 'number') return undefined
  if (!isStringArray(r['addrs']) || !isStringArray(r['groups'])) return undefined
  return { peerId: r['peerId'], addrs: r['addrs'], groups: r['groups'], ageMs: r['ageMs'] }
}
