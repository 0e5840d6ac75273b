/**
 * The member table and its failure detector, after SWIM (Das et al., 2002)
 * with memberlist's push-pull anti-entropy and Lifeguard's refinements
 * (Dadgar et al., 2018), independent of the transport, the clock and the
 * random source (all injected, so the state machine is tested
 * deterministically).
 *
 * - **Probes.** Every `probeIntervalMs` a member pings the next member of a
 *   shuffled round-robin list. Without an answer within `probeTimeoutMs`, it
 *   asks `indirectProbes` other members to ping the target (`ping-req`). If
 *   nobody reached it, the target becomes `suspect`.
 * - **Evidence at once.** A connection that closes or a send that fails
 *   (reported by the overlay) triggers a probe of that member at once. A
 *   probe refused at every address (nothing listens: the process is gone),
 *   confirmed as refused by every indirect prober, declares the member
 *   `failed` at once: a killed host is detected in milliseconds, a
 *   partitioned one after its suspicion times out.
 * - **Suspicion.** A suspect is declared `failed` when its suspicion times
 *   out: `suspicionMaxMult * min` with no other suspector, falling to `min`
 *   (`suspicionMult * max(1, log10 n) * probeIntervalMs`) as independent
 *   suspicions from other members confirm it. A member that hears it is
 *   suspected or declared failed refutes by raising its incarnation.
 * - **Declarations spread** by gossip: every change is queued and sent, on
 *   the next tick and every `gossipIntervalMs` after, to `gossipFanout`
 *   random live members, and piggybacked on probes, up to
 *   `retransmitMult * ceil(log10(n + 1))` times. A failure declared by
 *   another member is applied at once if this member suspects the target
 *   too; if it still holds the target alive, it suspects it instead and its
 *   own probes decide (so a stale declaration, such as one a healed host
 *   still carries, cannot fail a live member).
 * - **Anti-entropy.** Every `pushPullIntervalMs` (scaled up beyond 32
 *   members) a member exchanges its whole table with one random live member;
 *   also at once with any peer that connects and is not a live member (a
 *   join, a heal). A lost update is so repaired within a few periods.
 * - **Failed members stay** in the table, and are redialled (a table
 *   exchange attempt) every `redialIntervalMs` at most, so a healed partition
 *   closes within seconds on both sides. They leave the table when they leave
 *   gracefully (`leave()` sends a `left` record) or an administrator removes
 *   them (`remove()`).
 * - **Local health** (Lifeguard): a member whose own probes go unanswered
 *   even by the members it asks for help, whose timers fire late, or that is
 *   itself suspected, lengthens its probe interval and timeout (up to
 *   `maxAwareness + 1` times), so an overloaded member suspects others less.
 *   A probe that missed its deadline while this member's process stood still
 *   (its event loop blocked for half the probe timeout or more) suspects
 *   nobody: the answer may be waiting to be read.
 */
import { InvalidArgumentError } from '../../errors.js'
import { MemberUnreachableError } from '../errors.js'
import { BroadcastQueue, retransmitLimit } from './broadcasts.js'
import type { Deadlines, Frame, FrameType, MembershipTransport, PeerRef, UnreachableKind } from './protocol.js'
import { isLive, supersedes, type MemberRecord, type MemberState } from './records.js'
import { suspicionMinMs, suspicionTimeoutMs } from './suspicion.js'

export interface SwimInit {
  /** Time between two probes of this member. @default 1000 */
  probeIntervalMs?: number
  /** How long a direct probe waits for its answer (an indirect one waits twice that). @default 1000 */
  probeTimeoutMs?: number
  /** Deadline of exchanges that are not probes (gossip, table exchanges, redials), once connected. @default 10000 */
  exchangeTimeoutMs?: number
  /**
   * How long opening a connection to a member may take. Probe deadlines
   * (`probeTimeoutMs`) count from an open connection: a handshake slowed by a
   * busy machine is not a missed answer, while a refused one fails at once.
   * @default 5000
   */
  connectTimeoutMs?: number
  /** Members asked to probe a target that did not answer. @default 3 */
  indirectProbes?: number
  /** Shortest suspicion, in probe intervals, times max(1, log10 n). @default 4 */
  suspicionMult?: number
  /** Longest suspicion (no confirmation), as a multiple of the shortest. @default 3 */
  suspicionMaxMult?: number
  /** Period of gossip retransmissions. @default 200 */
  gossipIntervalMs?: number
  /** Members each gossip round goes to; 0 leaves spreading to piggybacking and anti-entropy. @default 3 */
  gossipFanout?: number
  /** Each update is sent `retransmitMult * ceil(log10(n + 1))` times. @default 4 */
  retransmitMult?: number
  /** Period of the full table exchange with one random member, up to 32 members (then scaled by log2(n / 32) + 1). @default 5000 */
  pushPullIntervalMs?: number
  /** Longest wait between two redials of a failed member (the first comes after 250 ms, then doubling). @default 2000 */
  redialIntervalMs?: number
  /** How long `leave()` waits for its `left` record to be delivered. @default 1000 */
  leaveTimeoutMs?: number
  /** Members told directly of a graceful leave (they spread it further). @default 8 */
  leaveFanout?: number
  /** Largest local-health score (probe interval and timeout are multiplied by score + 1). @default 8 */
  maxAwareness?: number
}

export interface SwimClock {
  now (): number
  setTimeout (fn: () => void, ms: number): unknown
  clearTimeout (handle: unknown): void
}

export interface SwimComponents {
  /** This member's peer id. */
  self: string
  /** This member's host name, announced in its record. */
  name?: string
  transport: MembershipTransport
  /** This member's dialable addresses now. */
  addrs: () => string[]
  /** @default performance.now and the global timers */
  clock?: SwimClock
  /** @default Math.random */
  random?: () => number
  /**
   * The longest time this member's process could not run (its event loop
   * was blocked) since `sinceMs` on `clock`. A probe that missed its deadline
   * during such a stall proves nothing about its target: Lifeguard's local
   * health then counts it against this member instead.
   * @default never stalled (a simulated clock)
   */
  stalledMs?: (sinceMs: number) => number
  /** First incarnation. @default the wall-clock time in ms (so a restart supersedes the previous run) */
  initialIncarnation?: number
  log?: (format: string, ...args: unknown[]) => void
}

/** What this member knows of another. */
export interface MemberInfo {
  peerId: string
  /** Its host name, when it announces one. */
  name?: string
  addrs: string[]
  groups: string[]
  state: Exclude<MemberState, 'left'>
  incarnation: number
  /** Milliseconds since this member last heard from it (a message from it, or a probe answered), or learnt of it. */
  ageMs: number
  /** Milliseconds since its state last changed. */
  stateAgeMs: number
  /** For `suspect` and `failed`: why. */
  reason?: string
}

/** A member changed state (`from` is undefined when it was unknown). */
export interface MemberTransition {
  peerId: string
  /** Its host name, when it announces one. */
  name?: string
  from: MemberState | undefined
  to: MemberState
  incarnation: number
  reason?: string
}

interface Entry {
  record: MemberRecord
  lastHeardMs: number
  changedMs: number
  suspicion?: { incarnation: number, startMs: number, by: Set<string>, timer: unknown }
  redial?: { timer: unknown, backoffMs: number }
}

type ChangeListener = (peerId: string, info: MemberInfo | undefined) => void
type TransitionListener = (t: MemberTransition) => void

const MAX_PIGGYBACK = 16
const MAX_GOSSIP = 64
const FIRST_REDIAL_MS = 250

export class Swim {
  private readonly table = new Map<string, Entry>()
  private readonly queue: BroadcastQueue
  private readonly probing = new Set<string>()
  private readonly timers = new Set<unknown>()
  private readonly changeListeners = new Set<ChangeListener>()
  private readonly transitionListeners = new Set<TransitionListener>()
  private readonly clock: SwimClock
  private readonly random: () => number
  private readonly o: Required<SwimInit>
  private probeOrder: string[] = []
  private incarnation: number
  private groups: string[] = []
  private awareness = 0
  private running = false
  private flushScheduled = false
  private sentCount = 0
  /** Members learnt for the first time, to forward once to every connected neighbour but the one they came from. */
  private fresh: Array<{ record: MemberRecord, from: string }> = []
  /** Records waiting to be flooded to a neighbour that has a flood message in flight, by neighbour. */
  private readonly floodOut = new Map<string, Map<string, MemberRecord>>()

  private readonly c: SwimComponents

  constructor (init: SwimInit, components: SwimComponents) {
    const c = components
    this.o = {
      probeIntervalMs: positive(init.probeIntervalMs, 1000, 'probeIntervalMs'),
      probeTimeoutMs: positive(init.probeTimeoutMs, 1000, 'probeTimeoutMs'),
      exchangeTimeoutMs: positive(init.exchangeTimeoutMs, 10_000, 'exchangeTimeoutMs'),
      connectTimeoutMs: positive(init.connectTimeoutMs, 5000, 'connectTimeoutMs'),
      indirectProbes: count(init.indirectProbes, 3, 'indirectProbes'),
      suspicionMult: positive(init.suspicionMult, 4, 'suspicionMult'),
      suspicionMaxMult: Math.max(1, positive(init.suspicionMaxMult, 3, 'suspicionMaxMult')),
      gossipIntervalMs: positive(init.gossipIntervalMs, 200, 'gossipIntervalMs'),
      gossipFanout: count(init.gossipFanout, 3, 'gossipFanout'),
      retransmitMult: positive(init.retransmitMult, 4, 'retransmitMult'),
      pushPullIntervalMs: positive(init.pushPullIntervalMs, 5000, 'pushPullIntervalMs'),
      redialIntervalMs: positive(init.redialIntervalMs, 2000, 'redialIntervalMs'),
      leaveTimeoutMs: positive(init.leaveTimeoutMs, 1000, 'leaveTimeoutMs'),
      leaveFanout: count(init.leaveFanout, 8, 'leaveFanout'),
      maxAwareness: count(init.maxAwareness, 8, 'maxAwareness')
    }
    this.clock = c.clock ?? {
      now: () => performance.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => { clearTimeout(h as ReturnType<typeof setTimeout>) }
    }
    this.random = c.random ?? Math.random
    this.incarnation = c.initialIncarnation ?? Date.now()
    this.queue = new BroadcastQueue(() => retransmitLimit(this.o.retransmitMult, this.liveCount()))
    const transport = c.transport
    this.c = {
      ...c,
      transport: {
        connected: peerId => transport.connected(peerId),
        request: async (peer, frame, deadlines) => {
          this.sentCount++
          return await transport.request(peer, frame, deadlines)
        }
      }
    }
  }

  get isRunning (): boolean {
    return this.running
  }

  /** Requests this member has sent (probes, indirect probes, gossip, table exchanges), for measurements. */
  get requestsSent (): number {
    return this.sentCount
  }

  /** Start probing, gossiping and exchanging tables. */
  start (): void {
    if (this.running) return
    this.running = true
    this.queue.add(this.selfRecord())
    this.every(() => this.o.probeIntervalMs * (1 + this.awareness), async (lateMs) => {
      // a timer that fires late says this host is overloaded: it judges others more slowly
      if (lateMs > this.o.probeTimeoutMs / 2) this.awareness = Math.min(this.o.maxAwareness, this.awareness + 1)
      const target = this.nextProbeTarget()
      if (target !== undefined) await this.probe(target)
    })
    this.every(() => this.o.gossipIntervalMs, async () => { await this.flush() })
    this.every(() => this.pushPullPeriodMs(), async () => {
      const [target] = this.pickLive(1, [])
      if (target !== undefined) await this.sync(target)
    })
  }

  /**
   * Leave gracefully: a `left` record goes to up to `leaveFanout` live
   * members (within `leaveTimeoutMs`), who spread it; then everything stops.
   */
  async leave (): Promise<void> {
    if (!this.running) return
    this.stopTimers()
    this.incarnation++
    const left: MemberRecord = { ...this.selfRecord(), state: 'left', reason: 'left' }
    const frame: Frame = { t: 'gossip', from: left, updates: [left] }
    this.running = false // answer no more requests: a reply would carry the alive record again
    const targets = this.pickLive(this.o.leaveFanout, [])
    const deadlines = { connectMs: this.o.leaveTimeoutMs, answerMs: this.o.leaveTimeoutMs }
    await Promise.allSettled(targets.map(async t => await this.c.transport.request(t, frame, deadlines)))
  }

  /** Stop without telling anyone (what a crash looks like to the others). */
  halt (): void {
    this.stopTimers()
    this.running = false
  }

  /** Change the groups this member announces (spreads at once). */
  setGroups (groups: string[]): void {
    const sorted = [...new Set(groups)].sort()
    if (sorted.join('\n') === this.groups.join('\n')) return
    this.groups = sorted
    this.refreshSelf()
  }

  /** This member's addresses changed: announce them. */
  refreshSelf (): void {
    this.incarnation++
    this.enqueue(this.selfRecord())
  }

  selfRecord (): MemberRecord {
    const name = this.c.name
    return {
      peerId: this.c.self, ...(name === undefined ? {} : { name }), addrs: this.c.addrs(), groups: this.groups, incarnation: this.incarnation, state: 'alive'
    }
  }

  /** Live members (alive and suspect), this one excluded. */
  members (): MemberInfo[] {
    return this.infos(isLive)
  }

  /** Members declared failed and not removed. */
  failed (): MemberInfo[] {
    return this.infos(s => s === 'failed')
  }

  /** What is known of one member (undefined if unknown, left or removed). */
  get (peerId: string): MemberInfo | undefined {
    const e = this.table.get(peerId)
    return e === undefined || e.record.state === 'left' ? undefined : this.info(e)
  }

  /** Called when a member joins the live set, changes, or (with `undefined`) leaves it (failed, left, removed). */
  onChange (listener: ChangeListener): () => void {
    this.changeListeners.add(listener)
    return () => this.changeListeners.delete(listener)
  }

  /** Called on every change of a member's state. */
  onTransition (listener: TransitionListener): () => void {
    this.transitionListeners.add(listener)
    return () => this.transitionListeners.delete(listener)
  }

  /**
   * Evidence that a member may be gone (its connection closed, a send to it
   * failed): probe it now instead of at its turn.
   */
  evidence (peerId: string): void {
    const e = this.table.get(peerId)
    if (!this.running || e === undefined || !isLive(e.record.state)) return
    this.probe(peerId).catch((err: unknown) => { this.ownFailure('probe', err) })
  }

  /** A peer running membership connected: exchange tables unless it is already a live member. */
  contact (peer: PeerRef): void {
    if (!this.running || peer.peerId === this.c.self) return
    const e = this.table.get(peer.peerId)
    if (e !== undefined && isLive(e.record.state)) return
    this.sync(peer).catch((err: unknown) => { this.ownFailure('table exchange', err) })
  }

  /**
   * Remove a failed (or any) member, as an administrator does: a `left`
   * record at its incarnation spreads to every member. A member that is in
   * fact alive refutes it and comes back.
   */
  remove (peerId: string, reason = 'removed by an administrator'): boolean {
    const e = this.table.get(peerId)
    if (e === undefined || e.record.state === 'left') return false
    this.apply(e, { ...e.record, state: 'left', by: this.c.self, reason })
    return true
  }

  /**
   * Exchange whole tables with `peer` (push-pull). Resolves false when it
   * could not be reached. A redial connects within `connectTimeoutMs`
   * whatever this member's health, so that it is tried again soon after a
   * heal.
   */
  async sync (peer: PeerRef, redial = false): Promise<boolean> {
    if (!this.running) return false
    const deadlines = redial ? { connectMs: this.o.connectTimeoutMs, answerMs: this.o.exchangeTimeoutMs } : this.exchange()
    let reply: Frame
    try {
      reply = await this.c.transport.request(peer, { t: 'sync', from: this.selfRecord(), updates: [], members: this.snapshot() }, deadlines)
    } catch (err) {
      this.log('table exchange with %s failed: %s', peer.peerId, (err as Error).message)
      return false
    }
    // Outside the try: a failure of this member's own handling of the reply is not the peer's.
    this.receive(peer.peerId, reply)
    return true
  }

  /** Answer a request from `sender` (its peer id as the transport authenticated it). */
  async handle (sender: string, frame: Frame): Promise<Frame> {
    if (!this.running) throw new MemberUnreachableError(this.c.self, 'unreachable', 'expected a running member, found it stopped')
    this.receive(sender, frame)
    switch (frame.t) {
      case 'ping':
      case 'gossip':
        return this.frame('ack', sender)
      case 'sync':
        return { t: 'sync', from: this.selfRecord(), updates: [], members: this.snapshot() }
      case 'ping-req':
        return await this.probeFor(sender, frame.target!, frame.addrs!, frame.timeoutMs!)
      default:
        throw new MemberUnreachableError(sender, 'unreachable', `expected a request (ping, ping-req, gossip or sync), found "${frame.t}"`)
    }
  }

  // ── receiving ──────────────────────────────────────────────────────────

  private receive (sender: string, frame: Frame): void {
    if (frame.from.peerId === sender) {
      this.merge(frame.from, 'self', sender)
      const e = this.table.get(sender)
      if (e !== undefined) e.lastHeardMs = this.clock.now()
    }
    for (const r of frame.updates) this.merge(r, 'gossip', sender)
    for (const r of frame.members ?? []) this.merge(r, 'sync', sender)
  }

  /** Apply what `sender` says of a member (itself, in gossip, or in its table). */
  private merge (r: MemberRecord, source: 'self' | 'gossip' | 'sync', sender: string): void {
    if (r.peerId === this.c.self) {
      this.aboutMe(r)
      return
    }
    if (source === 'self' && r.state !== 'alive' && r.state !== 'left') return // a member says only that it lives or leaves
    const e = this.table.get(r.peerId)
    if (e === undefined) {
      const now = this.clock.now()
      const entry: Entry = { record: r, lastHeardMs: now, changedMs: now }
      this.table.set(r.peerId, entry)
      this.settle(entry, undefined, sender)
      return
    }
    const old = e.record
    if (!supersedes(r, old)) {
      if (r.state === 'suspect' && old.state === 'suspect' && r.incarnation === old.incarnation && r.by !== undefined) this.confirm(e, r.by)
      return
    }
    let next = r
    if (r.state === 'failed' && (old.state === 'alive' || (old.state === 'suspect' && source === 'sync'))) {
      // Someone else's declaration: suspect, confirm, and let this member's own probes decide.
      next = { ...r, state: 'suspect', by: r.by ?? sender, reason: `declared failed by ${r.by ?? sender}${r.reason === undefined ? '' : ` (${r.reason})`}` }
      if (!supersedes(next, old)) {
        if (old.state === 'suspect' && next.incarnation === old.incarnation) this.confirm(e, next.by!)
        return
      }
      this.apply(e, next)
      this.probe(r.peerId).catch((err: unknown) => { this.ownFailure('probe', err) })
      return
    }
    this.apply(e, next)
  }

  /** A record about this member: refute anything but alive at an older incarnation. */
  private aboutMe (r: MemberRecord): void {
    if (r.incarnation < this.incarnation) return
    if (r.state === 'alive' && r.incarnation === this.incarnation) return
    this.incarnation = r.incarnation + 1
    if (r.state !== 'alive') {
      this.awareness = Math.min(this.o.maxAwareness, this.awareness + 1)
      this.log('refuting "%s" about this member (%s) with incarnation %d', r.state, r.reason ?? 'no reason given', this.incarnation)
    }
    this.enqueue(this.selfRecord())
  }

  private apply (e: Entry, next: MemberRecord): void {
    const prev = e.record
    e.record = next
    e.changedMs = this.clock.now()
    if (next.state === 'alive') e.lastHeardMs = this.clock.now()
    this.settle(e, prev)
  }

  /** Timers, broadcast and listeners after an entry took a new record (`prev` undefined for a new member, learnt `from` a member). */
  private settle (e: Entry, prev: MemberRecord | undefined, from = this.c.self): void {
    const r = e.record
    if (r.state !== 'suspect' && e.suspicion !== undefined) {
      this.cancel(e.suspicion.timer)
      delete e.suspicion
    }
    if (r.state !== 'failed' && e.redial !== undefined) {
      this.cancel(e.redial.timer)
      delete e.redial
    }
    if (r.state === 'suspect') this.startSuspicion(e)
    if (r.state === 'failed') this.startRedial(e)
    if (prev === undefined && r.state === 'alive' && this.o.gossipFanout > 0) {
      // flooded to every neighbour (flood()): gossiping it to the same neighbours again would only add messages
      this.fresh.push({ record: r, from })
      this.scheduleFlush()
    } else {
      this.enqueue(r)
    }
    if (prev?.state !== r.state && !(prev === undefined && r.state === 'left')) {
      const t: MemberTransition = {
        peerId: r.peerId, ...(r.name === undefined ? {} : { name: r.name }), from: prev?.state, to: r.state, incarnation: r.incarnation,
        ...(r.reason === undefined ? {} : { reason: r.reason })
      }
      for (const l of this.transitionListeners) l(t)
    }
    const wasLive = prev !== undefined && isLive(prev.state)
    if (isLive(r.state)) {
      const changed = !wasLive || prev.addrs.join() !== r.addrs.join() || prev.groups.join() !== r.groups.join() || prev.state !== r.state
        || prev.name !== r.name
      if (changed) this.emitChange(r.peerId, this.info(e))
    } else if (wasLive) {
      this.emitChange(r.peerId, undefined)
    }
  }

  // ── probing ────────────────────────────────────────────────────────────

  private nextProbeTarget (): string | undefined {
    for (;;) {
      if (this.probeOrder.length === 0) {
        this.probeOrder = this.shuffle([...this.table.values()].filter(e => isLive(e.record.state)).map(e => e.record.peerId))
        if (this.probeOrder.length === 0) return undefined
      }
      const next = this.probeOrder.pop()!
      const e = this.table.get(next)
      if (e !== undefined && isLive(e.record.state)) return next
    }
  }

  private async probe (peerId: string): Promise<void> {
    const e = this.table.get(peerId)
    if (!this.running || e === undefined || !isLive(e.record.state) || this.probing.has(peerId)) return
    this.probing.add(peerId)
    try {
      await this.probeOnce(e)
    } finally {
      this.probing.delete(peerId)
    }
  }

  /**
   * One probe: a direct ping; if no answer within the timeout, indirect pings
   * through other members while still listening for the direct answer (a
   * late answer is an answer).
   */
  private async probeOnce (e: Entry): Promise<void> {
    const target = e.record.peerId
    const incarnation = e.record.incarnation
    const timeoutMs = this.o.probeTimeoutMs * (1 + this.awareness)
    const probeStartMs = this.clock.now()
    let connected = (): void => {}
    const open = new Promise<'open'>((resolve) => { connected = () => { resolve('open') } })
    const deadlines = { ...this.probeDeadlines(timeoutMs * 3), onConnected: () => { connected() } }
    const direct = this.c.transport.request(refOf(e.record), this.frame('ping', target), deadlines).then((reply) => {
      this.receive(target, reply)
      return 'ack' as const
    }, (err: unknown) => kindOf(err))
    // The deadline counts from an open connection: a handshake slowed by a busy machine is not a missed answer,
    // and asking others then would only start more handshakes; a refused connection fails at once.
    const opened = await Promise.race([direct, open])
    const startMs = this.clock.now()
    const first = opened === 'open' ? await Promise.race([direct, this.sleep(timeoutMs).then(() => 'pending' as const)]) : opened
    if (first === 'ack') {
      this.awareness = Math.max(0, this.awareness - 1)
      return
    }
    if (!this.running) return
    if (first === 'pending' && (this.clock.now() - startMs > 2 * timeoutMs || this.stalledSince(startMs) > timeoutMs / 2)) {
      // The deadline fired far too late, or this member's process stood still for a good part of it: this member is
      // overloaded, and its silence proves nothing about the target.
      this.awareness = Math.min(this.o.maxAwareness, this.awareness + 1)
      return
    }
    const helpers = this.pickHelpers(this.o.indirectProbes, target)
    const indirect = helpers.map(async h => await this.askToProbe(h, e.record, timeoutMs))
    const answers = await firstAck([direct, ...indirect])
    if (answers === 'ack') {
      const now = this.table.get(target)
      if (now !== undefined) now.lastHeardMs = this.clock.now()
      return
    }
    const [directKind, ...helped] = answers
    if (helped.filter(a => a !== 'none').length < helpers.length) this.awareness = Math.min(this.o.maxAwareness, this.awareness + 1)
    const current = this.table.get(target)
    if (!this.running || current === undefined || !isLive(current.record.state) || current.record.incarnation !== incarnation) return
    if (directKind !== 'refused' && this.stalledSince(probeStartMs) > timeoutMs / 2) {
      // answers missed while this member's process stood still (they may be waiting to be read): no suspicion
      this.awareness = Math.min(this.o.maxAwareness, this.awareness + 1)
      return
    }
    const refusedToo = helped.filter(a => a === 'refused').length
    const through = helpers.length === 0 ? 'no other member to ask' : `${refusedToo} of ${helpers.length} members asked were refused too`
    if (directKind === 'refused' && helped.every(a => a === 'refused')) {
      this.apply(current, { ...current.record, state: 'failed', by: this.c.self, reason: `connection refused (${through})` })
      return
    }
    const why = directKind === 'timeout' ? `no answer within ${timeoutMs * 3} ms` : directKind === 'refused' ? 'connection refused' : 'unreachable'
    const reason = `${why}; ${helpers.length === 0 ? 'no other member to ask' : `no answer through ${helpers.length} other member(s)`}`
    if (current.record.state === 'suspect') this.confirm(current, this.c.self)
    else this.apply(current, { ...current.record, state: 'suspect', by: this.c.self, reason })
  }

  /** Ask `helper` to probe `target` for us. */
  private async askToProbe (helper: PeerRef, target: MemberRecord, timeoutMs: number): Promise<'ack' | 'refused' | 'nack' | 'none'> {
    const frame: Frame = { ...this.frame('ping-req', helper.peerId), target: target.peerId, addrs: target.addrs, timeoutMs }
    let reply: Frame
    try {
      reply = await this.c.transport.request(helper, frame, this.probeDeadlines(timeoutMs * 2))
    } catch {
      return 'none' // the helper itself did not answer: counted against this member's own health
    }
    this.receive(helper.peerId, reply)
    if (reply.t === 'ack') return 'ack'
    return reply.reason === 'refused' ? 'refused' : 'nack'
  }

  /** Probe `target` on behalf of `sender` (a ping-req). */
  private async probeFor (sender: string, target: string, addrs: string[], timeoutMs: number): Promise<Frame> {
    if (target === this.c.self) return this.frame('ack', sender)
    let reply: Frame
    try {
      reply = await this.c.transport.request({ peerId: target, addrs }, this.frame('ping', target), this.probeDeadlines(timeoutMs))
    } catch (err) {
      return { ...this.frame('nack', sender), reason: kindOf(err) }
    }
    this.receive(target, reply)
    return this.frame('ack', sender)
  }

  // ── suspicion ──────────────────────────────────────────────────────────

  private startSuspicion (e: Entry): void {
    const r = e.record
    if (e.suspicion !== undefined && e.suspicion.incarnation === r.incarnation) {
      if (r.by !== undefined) this.confirm(e, r.by)
      return
    }
    if (e.suspicion !== undefined) this.cancel(e.suspicion.timer)
    e.suspicion = { incarnation: r.incarnation, startMs: this.clock.now(), by: new Set(r.by === undefined ? [] : [r.by]), timer: undefined }
    this.armSuspicion(e)
  }

  private confirm (e: Entry, by: string): void {
    const s = e.suspicion
    if (s === undefined || s.by.has(by)) return
    s.by.add(by)
    this.armSuspicion(e)
    this.enqueue({ ...e.record, by })
  }

  private armSuspicion (e: Entry): void {
    const s = e.suspicion!
    const n = this.liveCount()
    const minMs = suspicionMinMs(this.o.suspicionMult, n, this.o.probeIntervalMs)
    const expected = Math.min(this.o.indirectProbes, n - 2)
    const timeoutMs = suspicionTimeoutMs(minMs, minMs * this.o.suspicionMaxMult, expected, Math.max(0, s.by.size - 1))
    this.cancel(s.timer)
    s.timer = this.after(Math.max(0, s.startMs + timeoutMs - this.clock.now()), () => {
      const now = this.table.get(e.record.peerId)
      if (now === undefined || now.record.state !== 'suspect' || now.suspicion !== s) return
      const reason = `suspected by ${s.by.size} member(s), no refutation within ${timeoutMs} ms (${now.record.reason ?? 'no reason given'})`
      this.apply(now, { ...now.record, state: 'failed', by: this.c.self, reason })
    })
  }

  // ── failed members: redial ─────────────────────────────────────────────

  private startRedial (e: Entry): void {
    if (e.redial !== undefined) return
    const redial = { timer: undefined as unknown, backoffMs: Math.min(FIRST_REDIAL_MS, this.o.redialIntervalMs) }
    e.redial = redial
    const attempt = (): void => {
      redial.timer = this.after(redial.backoffMs, () => {
        redial.backoffMs = Math.min(redial.backoffMs * 2, this.o.redialIntervalMs)
        this.sync(refOf(e.record), true).catch((err: unknown) => { this.ownFailure('redial', err) }).finally(() => {
          if (this.running && e.redial === redial) attempt()
        })
      })
    }
    attempt()
  }

  // ── gossip ─────────────────────────────────────────────────────────────

  private enqueue (r: MemberRecord): void {
    this.queue.add(r)
    this.scheduleFlush()
  }

  private scheduleFlush (): void {
    if (!this.running || this.flushScheduled) return
    this.flushScheduled = true
    this.after(0, () => {
      this.flushScheduled = false
      this.flush().catch((err: unknown) => { this.ownFailure('gossip', err) })
    })
  }

  private async flush (): Promise<void> {
    if (!this.running) return
    // not awaited: a flood to a slow neighbour must not hold up the gossip rounds
    this.flood().catch((err: unknown) => { this.log('flood failed: %s', (err as Error).message) })
    if (this.queue.size === 0 || this.o.gossipFanout === 0) return
    // Neighbours only (any member when none is connected): an epidemic over the connected overlay
    // costs no handshakes, and probes connect every pair of members in time anyway.
    const connected = this.pickLive(this.o.gossipFanout, [], p => this.c.transport.connected(p))
    const targets = connected.length > 0 ? connected : this.pickLive(this.o.gossipFanout, [])
    await Promise.all(targets.map(async (t) => {
      const updates = this.queue.take(MAX_GOSSIP)
      if (updates.length === 0) return
      let reply: Frame
      try {
        reply = await this.c.transport.request(t, { t: 'gossip', from: this.selfRecord(), updates }, this.exchange())
      } catch (err) {
        // a late answer may still have delivered the updates; an unreachable member may not have
        if (kindOf(err) === 'timeout') return
        this.queue.giveBack(updates)
        this.evidence(t.peerId)
        return
      }
      this.receive(t.peerId, reply)
    }))
  }

  /**
   * Joins are what everyone waits for: a member learnt for the first time is
   * sent at once to every connected live member but the one it came from,
   * each of which does the same when it is new to it too (a flood over
   * existing connections: at most two messages per connection per join, no
   * handshake). Such a record is not gossiped again (its neighbours have it);
   * a record whose flood could not reach a neighbour, or that found no
   * neighbour, is gossiped instead, and table exchanges repair whatever is
   * still missed.
   */
  private async flood (): Promise<void> {
    if (this.fresh.length === 0) return
    const updates = this.fresh.splice(0)
    const targets = [...this.table.values()].filter(e => isLive(e.record.state) && this.c.transport.connected(e.record.peerId))
    if (targets.length === 0) {
      for (const u of updates) this.regossip(u.record)
      return
    }
    await Promise.all(targets.map(async (e) => {
      // neither back to the member it came from nor to the member it is about
      const mine = updates.filter(u => u.record.peerId !== e.record.peerId && u.from !== e.record.peerId).map(u => u.record)
      if (mine.length > 0) await this.floodTo(e.record, mine)
    }))
  }

  /**
   * Send flooded records to one neighbour, one message at a time: records for
   * a neighbour that has a message in flight wait, and go together in the
   * next one. On a busy host, whose answers are slow, joins so travel in
   * batches instead of one message per join per connection.
   */
  private async floodTo (neighbour: MemberRecord, records: MemberRecord[]): Promise<void> {
    const waiting = this.floodOut.get(neighbour.peerId)
    if (waiting !== undefined) {
      for (const r of records) waiting.set(r.peerId, r)
      return
    }
    const queued = new Map<string, MemberRecord>()
    this.floodOut.set(neighbour.peerId, queued)
    for (const r of records) queued.set(r.peerId, r)
    try {
      while (queued.size > 0 && this.running) {
        const batch = [...queued.values()].slice(0, MAX_GOSSIP)
        for (const r of batch) queued.delete(r.peerId)
        let reply: Frame
        try {
          reply = await this.c.transport.request(refOf(neighbour), { t: 'gossip', from: this.selfRecord(), updates: batch }, this.exchange())
        } catch {
          // gossip carries what the flood could not deliver
          for (const r of [...batch, ...queued.values()]) this.regossip(r)
          return
        }
        this.receive(neighbour.peerId, reply)
      }
    } finally {
      if (this.floodOut.get(neighbour.peerId) === queued) this.floodOut.delete(neighbour.peerId)
    }
  }

  /** Queue a record for gossip, unless a newer one about its member replaced it meanwhile. */
  private regossip (r: MemberRecord): void {
    if (this.running && this.table.get(r.peerId)?.record === r) this.enqueue(r)
  }

  /** A frame to `recipient`: this member's record, what it must hear about itself, and piggybacked updates. */
  private frame (t: FrameType, recipient: string): Frame {
    const updates = this.queue.take(MAX_PIGGYBACK).filter(u => u.peerId !== recipient)
    const own = this.table.get(recipient)?.record
    if (own !== undefined && own.state !== 'alive') updates.unshift(own)
    return { t, from: this.selfRecord(), updates }
  }

  // ── helpers ────────────────────────────────────────────────────────────

  private snapshot (): MemberRecord[] {
    return [this.selfRecord(), ...[...this.table.values()].map(e => e.record)]
  }

  private liveCount (): number {
    let n = 1
    for (const e of this.table.values()) if (isLive(e.record.state)) n++
    return n
  }

  private pushPullPeriodMs (): number {
    const n = this.liveCount()
    return n <= 32 ? this.o.pushPullIntervalMs : Math.round(this.o.pushPullIntervalMs * (Math.log2(n / 32) + 1))
  }

  /** Up to `k` live members chosen at random, except `exclude` (and those `keep` rejects). */
  private pickLive (k: number, exclude: string[], keep: (peerId: string) => boolean = () => true): PeerRef[] {
    if (k <= 0) return []
    const pool = [...this.table.values()].filter(e => isLive(e.record.state) && !exclude.includes(e.record.peerId) && keep(e.record.peerId))
    return this.shuffle(pool).slice(0, k).map(e => refOf(e.record))
  }

  /**
   * Members to ask for an indirect probe: connected ones first (asking them
   * costs no handshake), then others at random to make up `k`.
   */
  private pickHelpers (k: number, target: string): PeerRef[] {
    const connected = this.pickLive(k, [target], p => this.c.transport.connected(p))
    if (connected.length >= k) return connected
    return [...connected, ...this.pickLive(k - connected.length, [target, ...connected.map(c => c.peerId)])]
  }

  /** The longest stall of this member's process since `sinceMs` (0 when the clock is simulated). */
  private stalledSince (sinceMs: number): number {
    return this.c.stalledMs?.(sinceMs) ?? 0
  }

  private probeDeadlines (answerMs: number): Deadlines {
    return { connectMs: this.o.connectTimeoutMs * (1 + this.awareness), answerMs }
  }

  private exchange (): Deadlines {
    return { connectMs: this.o.connectTimeoutMs * (1 + this.awareness), answerMs: this.o.exchangeTimeoutMs }
  }

  private shuffle<T> (items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1))
      const tmp = items[i]!
      items[i] = items[j]!
      items[j] = tmp
    }
    return items
  }

  private infos (keep: (s: MemberState) => boolean): MemberInfo[] {
    return [...this.table.values()].filter(e => keep(e.record.state)).map(e => this.info(e))
  }

  private info (e: Entry): MemberInfo {
    const r = e.record
    const now = this.clock.now()
    return {
      peerId: r.peerId, ...(r.name === undefined ? {} : { name: r.name }), addrs: r.addrs, groups: r.groups, state: r.state as MemberInfo['state'],
      incarnation: r.incarnation,
      ageMs: now - e.lastHeardMs, stateAgeMs: now - e.changedMs, ...(r.reason === undefined || r.state === 'alive' ? {} : { reason: r.reason })
    }
  }

  private emitChange (peerId: string, info: MemberInfo | undefined): void {
    for (const l of this.changeListeners) l(peerId, info)
  }

  /** Run `task` every `periodMs()` (after the previous run ended) while running; it is told how late its timer fired. */
  private every (periodMs: () => number, task: (lateMs: number) => Promise<void>): void {
    const loop = (): void => {
      const delayMs = periodMs()
      const dueMs = this.clock.now() + delayMs
      this.after(delayMs, () => {
        task(Math.max(0, this.clock.now() - dueMs)).catch((err: unknown) => {
          this.log('periodic membership task failed: %s', (err as Error).message)
        }).finally(() => {
          if (this.running) loop()
        })
      })
    }
    loop()
  }

  /** Resolves after `ms` (or at once when stopped), never rejects. */
  private async sleep (ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const handle = this.clock.setTimeout(() => {
        this.timers.delete(handle)
        resolve()
      }, ms)
      this.timers.add(handle)
    })
  }

  private after (ms: number, fn: () => void): unknown {
    const handle = this.clock.setTimeout(() => {
      this.timers.delete(handle)
      if (this.running) fn()
    }, ms)
    this.timers.add(handle)
    return handle
  }

  private cancel (handle: unknown): void {
    if (handle === undefined) return
    this.clock.clearTimeout(handle)
    this.timers.delete(handle)
  }

  private stopTimers (): void {
    for (const t of this.timers) this.clock.clearTimeout(t)
    this.timers.clear()
    for (const e of this.table.values()) {
      delete e.suspicion
      delete e.redial
    }
    this.queue.clear()
    this.fresh = []
    this.floodOut.clear()
  }

  /**
   * A failure of this member's own handling of an answer (a listener that threw), in work nobody
   * awaits: reported as this member's, never counted against the peer that answered.
   */
  private ownFailure (what: string, err: unknown): void {
    this.log('%s: this member failed handling an answer: %s', what, err instanceof Error ? err.stack ?? err.message : String(err))
  }

  private log (format: string, ...args: unknown[]): void {
    this.c.log?.(format, ...args)
  }
}

type Outcome = 'ack' | 'refused' | 'nack' | 'none' | UnreachableKind

/** 'ack' as soon as one outcome is an ack, else every outcome once all settled. */
async function firstAck (outcomes: Array<Promise<Outcome>>): Promise<'ack' | Outcome[]> {
  return await new Promise((resolve) => {
    let left = outcomes.length
    const all: Outcome[] = []
    outcomes.forEach((p, i) => {
      void p.then((o) => {
        all[i] = o
        if (o === 'ack') resolve('ack')
        else if (--left === 0) resolve(all)
      })
    })
  })
}

function refOf (r: MemberRecord): PeerRef {
  return { peerId: r.peerId, addrs: r.addrs }
}

function kindOf (err: unknown): UnreachableKind {
  return err instanceof MemberUnreachableError ? err.kind : 'unreachable'
}

function positive (v: number | undefined, fallback: number, field: string): number {
  if (v === undefined) return fallback
  if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new InvalidArgumentError(field, 'a positive number', v)
  return v
}

function count (v: number | undefined, fallback: number, field: string): number {
  if (v === undefined) return fallback
  if (!(Number.isInteger(v) && v >= 0)) throw new InvalidArgumentError(field, 'an integer >= 0', v)
  return v
}
