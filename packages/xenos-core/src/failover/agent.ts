/**
 * The failover agent of one host: what it does for services that must
 * outlive their host, decided by rule on every host alike, with no leader
 * and no election.
 *
 * - **Guard.** For each protected service it runs (`restart` or `resume`),
 *   the owner chooses its guardians: the first `replicas` hosts, in the
 *   service's rendezvous order, of the live hosts that match the policy's
 *   placement query. It sends them the service's guard record (the record,
 *   the policy, the generation, and for `resume` the latest checkpoint, which
 *   each guardian fetches from the owner as a content-addressed image before
 *   it answers). A `resume` service is checkpointed every
 *   `checkpointIntervalS`; a guardian that fails is replaced.
 * - **Take over.** When a service's owner has been declared failed (by the
 *   membership: several members independently failed to reach it) for
 *   `takeoverDelayMs`, each guardian orders the service's guardians that
 *   are not declared failed, itself included, by rendezvous hashing; the
 *   first acts, alone: it raises the generation, runs the service (restored
 *   from the checkpoint it holds, or new from its template) and guards it
 *   afresh. If that host is declared failed too, the next in order acts.
 *   Only a host with a quorum acts (`quorum.ts`).
 * - **Fence.** A host that has not reached a quorum of its former peers for
 *   `fenceAfterMs` (shorter than `takeoverDelayMs`: the others need at least
 *   that long after declaring it failed) pauses its protected guests, so a
 *   partitioned owner has stopped its copy before a survivor starts another.
 * - **Reconcile.** A host that starts or regains a quorum asks its live
 *   peers which generation and owner they know for each protected service it
 *   holds: a copy superseded elsewhere (a higher generation) was taken over,
 *   and is destroyed, never resumed; the others are unpaused (and guarded
 *   again) once a quorum of the members answered and so did every guardian
 *   of the copy (only a guardian can have taken it over); until then they
 *   stay as they are and the peers are asked again at each check (a host
 *   that has just started and knows no member yet waits for one). A guard
 *   record with a higher generation arriving for a service running here
 *   does the same.
 *
 * The agent is driven by its clock (`tick` every `checkIntervalMs`) and
 * reaches everything through ports, so the same code runs on real hosts
 * (the coordinator and the overlay) and on the simulator (the engine's clock
 * and hosts), deterministically there.
 */
import { InvalidArgumentError } from '../errors.js'
import { isProtected, type RestartPolicy } from './policy.js'
import { quorum, type QuorumVerdict } from './quorum.js'
import { rendezvousOrder } from './rendezvous.js'

/** A checkpoint of a service on its owner: its path in the owner's image store, size, and when it was taken (the agents' clock, ms). */
export interface CheckpointRef {
  path: string
  sizeBytes: number
  takenAtMs: number
}

/** What guardians hold of a service, as its owner announces it. */
export interface GuardRecord<R = unknown> {
  serviceId: string
  /** Raised by each takeover; the copy with the highest generation is the one that runs. */
  generation: number
  /** Host that runs the service at this generation. */
  owner: string
  policy: RestartPolicy
  /** Hosts holding this record, in the service's rendezvous order. */
  guardians: string[]
  /** `resume`: the latest checkpoint, as the owner holds it (each guardian holds a copy). */
  checkpoint?: CheckpointRef
  /** The service's record as its owner describes it (opaque to the agent). */
  record: R
}

/** A protected service that runs (or is recorded) on this host. */
export interface LocalProtected<R = unknown> {
  id: string
  policy: RestartPolicy
  generation: number
  /** Running or paused: something a survivor could duplicate. */
  active: boolean
  record: R
}

/** Another member of the overlay as the membership sees it (members that left are not listed). */
export interface FailoverMember {
  host: string
  state: 'alive' | 'suspect' | 'failed'
  /** Milliseconds since its state last changed. */
  stateAgeMs: number
}

export interface FailoverClock {
  /** Milliseconds, on a clock the hosts share for checkpoint ages (the wall clock on real hosts, the engine's in a simulation). */
  now (): number
  setTimeout (fn: () => void, ms: number): unknown
  clearTimeout (handle: unknown): void
}

/** The local coordinator, as the agent uses it. */
export interface LocalServices<R = unknown> {
  protectedServices (): Array<LocalProtected<R>>
  /** Take a checkpoint of a running service (it keeps running). */
  checkpoint (id: string): Promise<CheckpointRef>
  /** Drop a checkpoint this agent took and no longer announces. */
  dropCheckpoint (id: string, checkpoint: CheckpointRef): Promise<void>
  /**
   * Run a guarded service here at `generation`: restored from `checkpoint`
   * (a copy held here) when given, else a new domain from its template.
   */
  adopt (guard: GuardRecord<R>, generation: number, checkpoint: string | undefined): Promise<void>
  pause (id: string): Promise<void>
  unpause (id: string): Promise<void>
  /** Destroy a stale copy (its service runs elsewhere at a higher generation). */
  discard (id: string, newer: Claim): Promise<void>
  /** Live hosts other than this one that match a host search query. */
  candidates (placement: string): Promise<string[]>
  /** Guardian side: fetch the guard's checkpoint from its owner; returns where it is kept here and the bytes received. */
  fetchCheckpoint (guard: GuardRecord<R>): Promise<{ path: string, bytes: number }>
  /** Guardian side: drop a copy of a checkpoint no longer needed. */
  dropCopy (path: string): Promise<void>
}

/** Generation and owner of a service as one host knows it. */
export interface Claim { serviceId: string, generation: number, owner: string }

/** Other hosts' agents, reached over the overlay. */
export interface FailoverPeers<R = unknown> {
  guard (host: string, guard: GuardRecord<R>): Promise<void>
  claims (host: string, ids: string[]): Promise<Claim[]>
}

/** A guard record held here, with where its checkpoint's copy is kept. */
export interface HeldGuard<R = unknown> {
  guard: GuardRecord<R>
  /** Path of the local copy of `guard.checkpoint`. */
  copy?: string
}

/** What the agent keeps across restarts. */
export interface FailoverState<R = unknown> {
  /** Records held for other hosts' services. */
  held: Array<HeldGuard<R>>
  /** Records of this host's own services, as last announced. */
  own: Array<GuardRecord<R>>
}

export type FailoverEvent =
  | { kind: 'fenced', reached: number, total: number }
  | { kind: 'unfenced', reached: number, total: number }
  | { kind: 'guarded', serviceId: string, generation: number, guardians: string[], checkpoint?: CheckpointRef }
  | { kind: 'takeover', serviceId: string, generation: number, from: string, checkpoint?: CheckpointRef }
  | { kind: 'taken-over', serviceId: string, generation: number, from: string, durationMs: number, resumed: boolean, workLostMs?: number }
  | { kind: 'takeover-failed', serviceId: string, generation: number, error: string }
  | { kind: 'stale-discarded', serviceId: string, generation: number, newer: Claim }
  | { kind: 'checkpoint-fetched', serviceId: string, path: string, bytes: number }

export interface FailoverInit {
  /** Time between two evaluations, in ms. @default 1000 */
  checkIntervalMs?: number
  /** How long a host must have been declared failed before its services are taken over, in ms. @default 10000 */
  takeoverDelayMs?: number
  /** How long a host goes without a quorum before it pauses its protected guests, in ms (less than `takeoverDelayMs`). @default takeoverDelayMs / 3 */
  fenceAfterMs?: number
}

export interface FailoverComponents<R = unknown> {
  self: string
  clock: FailoverClock
  /** Other members of the overlay, as the membership sees them now. */
  members: () => FailoverMember[]
  local: LocalServices<R>
  peers: FailoverPeers<R>
  store?: { load: () => Promise<FailoverState<R> | undefined>, save: (state: FailoverState<R>) => Promise<void> }
  onEvent?: (event: FailoverEvent) => void
  /** Errors with no caller (a guardian that could not be reached, a takeover that failed). */
  onError?: (err: unknown) => void
}

export interface FailoverStatus {
  quorum: QuorumVerdict
  fenced: boolean
  /** Services guarded here for other hosts. */
  guarded: number
}

export class FailoverAgent<R = unknown> {
  readonly checkIntervalMs: number
  readonly takeoverDelayMs: number
  readonly fenceAfterMs: number
  private readonly held = new Map<string, HeldGuard<R>>()
  private readonly own = new Map<string, GuardRecord<R>>()
  /** When each own service was last checkpointed, and the live set its guardians were chosen from. */
  private readonly lastCheckpointMs = new Map<string, number>()
  private readonly chosenFrom = new Map<string, string>()
  private readonly taking = new Set<string>()
  private timer: unknown
  private running = false
  private checking: Promise<void> | undefined
  private working: Promise<void> | undefined
  private fenced = false
  private lostSinceMs: number | undefined
  /** Set at start and when a quorum comes back: generations are compared before anything runs on. */
  private reconcilePending = true
  /** Own services whose generation is not confirmed since then: neither unpaused nor guarded until it is. */
  private readonly unsettled = new Set<string>()
  private lastQuorum: QuorumVerdict = { quorum: true, total: 1, reached: 1 }

  constructor (init: FailoverInit, private readonly c: FailoverComponents<R>) {
    this.checkIntervalMs = init.checkIntervalMs ?? 1000
    this.takeoverDelayMs = init.takeoverDelayMs ?? 10_000
    this.fenceAfterMs = init.fenceAfterMs ?? Math.floor(this.takeoverDelayMs / 3)
    for (const [k, v] of [['checkIntervalMs', this.checkIntervalMs], ['takeoverDelayMs', this.takeoverDelayMs], ['fenceAfterMs', this.fenceAfterMs]] as const) {
      if (!Number.isFinite(v) || v <= 0) throw new InvalidArgumentError(`failover.${k}`, 'a number of ms > 0', v)
    }
    if (this.fenceAfterMs >= this.takeoverDelayMs) {
      const expected = `less than takeoverDelayMs (${this.takeoverDelayMs}), so a cut-off host pauses before others take over`
      throw new InvalidArgumentError('failover.fenceAfterMs', expected, this.fenceAfterMs)
    }
  }

  async start (): Promise<void> {
    if (this.running) return
    const saved = await this.c.store?.load()
    for (const h of saved?.held ?? []) this.held.set(h.guard.serviceId, h)
    for (const g of saved?.own ?? []) this.own.set(g.serviceId, g)
    this.running = true
    this.reconcilePending = true
    this.schedule()
  }

  async stop (): Promise<void> {
    this.running = false
    if (this.timer !== undefined) this.c.clock.clearTimeout(this.timer)
    this.timer = undefined
    await this.settled()
  }

  /** Resolves once no evaluation is in flight (those running now, if any, have finished). */
  async settled (): Promise<void> {
    while (this.checking !== undefined || this.working !== undefined) {
      await this.checking
      await this.working
    }
  }

  status (): FailoverStatus {
    return { quorum: this.lastQuorum, fenced: this.fenced, guarded: this.held.size }
  }

  /** Records held here for other hosts' services. */
  guardedRecords (): Array<GuardRecord<R>> {
    return [...this.held.values()].map(h => h.guard)
  }

  /**
   * Every `checkIntervalMs`: the quorum check (and fencing) at once, then the
   * work (guarding, takeovers) unless the previous round of work still runs.
   * The work can take long (checkpoints, a guardian that does not answer
   * within its deadline), and must never delay fencing.
   */
  private schedule (): void {
    if (!this.running) return
    this.timer = this.c.clock.setTimeout(() => {
      this.checking = this.checkQuorum().catch((err: unknown) => { this.c.onError?.(err) }).finally(() => {
        this.checking = undefined
        if (this.running && this.working === undefined && this.lastQuorum.quorum) {
          this.working = this.work().catch((err: unknown) => { this.c.onError?.(err) }).finally(() => { this.working = undefined })
        }
        this.schedule()
      })
    }, this.checkIntervalMs)
  }

  /** One evaluation, as the timer runs it: the quorum check, then the work. */
  async tick (): Promise<void> {
    await this.checkQuorum()
    if (this.lastQuorum.quorum) await this.work()
  }

  /**
   * Quorum and fencing: a host cut off from most of its peers for
   * `fenceAfterMs` pauses its protected guests. A host with protected
   * guests to fence asks every member directly (a `claims` call with no
   * ids, answered within half of `fenceAfterMs`): a cut-off member's own
   * membership view changes slowly (it probes one member at a time, and
   * more slowly as its probes fail), while the others declare it failed
   * within a few probe intervals. A host with nothing to fence takes the
   * membership's view (alive members), which decides only whether it may
   * take services over.
   */
  private async checkQuorum (): Promise<void> {
    const now = this.c.clock.now()
    const members = this.c.members()
    let reachable = members.filter(m => m.state === 'alive').map(m => m.host)
    if (this.fenced || this.c.local.protectedServices().some(s => s.active)) {
      const deadlineMs = Math.max(1, Math.floor(this.fenceAfterMs / 2))
      const answered = await Promise.all(members.map(async m => await this.ping(m.host, deadlineMs)))
      reachable = members.filter((_, i) => answered[i] === true).map(m => m.host)
    }
    const q = quorum({ self: this.c.self, former: members.map(m => m.host), reachable })
    this.lastQuorum = q
    if (!q.quorum) {
      this.lostSinceMs ??= now
      if (!this.fenced && now - this.lostSinceMs >= this.fenceAfterMs) await this.fence(q)
      return
    }
    if (this.lostSinceMs !== undefined) {
      this.lostSinceMs = undefined
      this.reconcilePending = true
    }
  }

  /** True when `host` answers within `deadlineMs`. */
  private async ping (host: string, deadlineMs: number): Promise<boolean> {
    return await new Promise<boolean>((resolve) => {
      const timer = this.c.clock.setTimeout(() => { resolve(false) }, deadlineMs)
      const done = (ok: boolean): void => { this.c.clock.clearTimeout(timer); resolve(ok) }
      this.c.peers.claims(host, []).then(() => { done(true) }, () => { done(false) })
    })
  }

  /** Reconciliation, guarding, takeovers; stops as soon as the quorum is lost. */
  private async work (): Promise<void> {
    const members = this.c.members()
    const alive = new Set(members.filter(m => m.state === 'alive').map(m => m.host))
    if (this.reconcilePending || this.fenced) {
      this.reconcilePending = !await this.reconcile([...alive].sort(), this.lastQuorum)
    }
    const liveKey = [...alive].sort().join(' ')
    // first every service whose guardians are missing or out of date (cheap: records only, with the checkpoint
    // already announced), so a new service is guarded at once; then the checkpoints that are due, one by one
    for (const pass of ['guardians', 'checkpoints'] as const) {
      for (const s of this.c.local.protectedServices()) {
        if (!this.lastQuorum.quorum || !this.running) return
        if (!isProtected(s.policy) || !s.active || this.taking.has(s.id) || this.unsettled.has(s.id)) continue
        const now = this.c.clock.now()
        const g = this.own.get(s.id)
        const due = s.policy.mode === 'resume' && now - (this.lastCheckpointMs.get(s.id) ?? -Infinity) >= s.policy.checkpointIntervalS * 1000
        const stale = g === undefined || g.generation !== s.generation || g.policy.mode !== s.policy.mode || g.policy.placement !== s.policy.placement
          || g.policy.replicas !== s.policy.replicas || g.guardians.some(h => !alive.has(h))
          || (g.guardians.length < s.policy.replicas && this.chosenFrom.get(s.id) !== liveKey)
        if (pass === 'guardians' ? stale : due) await this.protect(s, pass === 'checkpoints', liveKey)
      }
    }
    for (const h of [...this.held.values()]) {
      if (!this.lastQuorum.quorum || !this.running) return
      const g = h.guard
      if (g.owner === this.c.self || this.taking.has(g.serviceId) || !this.held.has(g.serviceId)) continue
      // the membership now, not as it was when this round began: guarding may have taken a while
      const current = this.c.members()
      const owner = current.find(m => m.host === g.owner)
      if (owner === undefined || owner.state !== 'failed' || owner.stateAgeMs < this.takeoverDelayMs) continue
      // in line for a takeover: guardians not declared failed
      const failed = new Set(current.filter(m => m.state === 'failed').map(m => m.host))
      const order = rendezvousOrder(g.serviceId, g.guardians.filter(x => x === this.c.self || (!failed.has(x) && current.some(m => m.host === x))))
      if (order[0] === this.c.self) await this.takeOver(h)
    }
  }

  /** Peer side: a guard record from an owner (or a new owner after a takeover). Resolves once the checkpoint is held here. */
  async receiveGuard (g: GuardRecord<R>): Promise<void> {
    const mine = this.c.local.protectedServices().find(s => s.id === g.serviceId)
    if (mine !== undefined && g.owner !== this.c.self && supersedes(g, { serviceId: g.serviceId, generation: mine.generation, owner: this.c.self })) {
      await this.discard(mine, { serviceId: g.serviceId, generation: g.generation, owner: g.owner })
    }
    const cur = this.held.get(g.serviceId)
    if (cur !== undefined && !supersedes(g, cur.guard) && !sameClaim(g, cur.guard)) return
    if (!g.guardians.includes(this.c.self)) {
      if (cur !== undefined) await this.forget(cur)
      return
    }
    let copy = cur?.copy
    if (g.checkpoint !== undefined && (g.checkpoint.path !== cur?.guard.checkpoint?.path || cur.guard.owner !== g.owner || copy === undefined)) {
      const fetched = await this.c.local.fetchCheckpoint(g)
      this.c.onEvent?.({ kind: 'checkpoint-fetched', serviceId: g.serviceId, path: fetched.path, bytes: fetched.bytes })
      if (copy !== undefined && copy !== fetched.path) await this.c.local.dropCopy(copy)
      copy = fetched.path
    }
    this.held.set(g.serviceId, { guard: g, ...(copy === undefined ? {} : { copy }) })
    await this.persist()
  }

  /** Peer side: the generation and owner of each service this host knows of (as owner or guardian). */
  claimsFor (ids: string[]): Claim[] {
    const out: Claim[] = []
    const local = new Map(this.c.local.protectedServices().map(s => [s.id, s]))
    for (const id of ids) {
      const known: Claim[] = []
      const s = local.get(id)
      if (s !== undefined) known.push({ serviceId: id, generation: s.generation, owner: this.c.self })
      const h = this.held.get(id)
      if (h !== undefined) known.push({ serviceId: id, generation: h.guard.generation, owner: h.guard.owner })
      const best = known.reduce<Claim | undefined>((a, b) => a === undefined || supersedes(b, a) ? b : a, undefined)
      if (best !== undefined) out.push(best)
    }
    return out
  }

  private async protect (s: LocalProtected<R>, checkpointNow: boolean, liveKey: string): Promise<void> {
    const previous = this.own.get(s.id)
    let checkpoint = previous?.generation === s.generation ? previous.checkpoint : undefined
    let taken: CheckpointRef | undefined
    if (s.policy.mode === 'resume' && checkpointNow) {
      taken = await this.c.local.checkpoint(s.id)
      checkpoint = taken
      this.lastCheckpointMs.set(s.id, this.c.clock.now())
    }
    const candidates = await this.c.local.candidates(s.policy.placement)
    const chosen = rendezvousOrder(s.id, candidates.filter(h => h !== this.c.self)).slice(0, s.policy.replicas)
    const base = {
      serviceId: s.id, generation: s.generation, owner: this.c.self, policy: s.policy, record: s.record,
      ...(s.policy.mode === 'resume' && checkpoint !== undefined ? { checkpoint } : {})
    }
    // A guardian that does not answer holds nothing: the record names only those that took it, so none of
    // them waits for a host that cannot act. Former guardians hear of the change, so they drop what they hold.
    let guardians = chosen
    for (let round = 0; round < 2; round++) {
      const g: GuardRecord<R> = { ...base, guardians }
      // (a host that took the service over was one of its guardians: it tells the others, not itself)
      const told = new Set((round === 0 ? [...guardians, ...(previous?.guardians ?? [])] : chosen).filter(h => h !== this.c.self))
      const acked = new Set<string>()
      await Promise.all([...told].map(async (h) => {
        try {
          await this.c.peers.guard(h, g)
          acked.add(h)
        } catch (err) {
          this.c.onError?.(err)
        }
      }))
      const took = guardians.filter(h => acked.has(h))
      if (took.length === guardians.length) break
      guardians = took
    }
    const g: GuardRecord<R> = { ...base, guardians }
    this.own.set(s.id, g)
    this.chosenFrom.set(s.id, liveKey)
    await this.persist()
    if (taken !== undefined && previous?.checkpoint !== undefined && previous.checkpoint.path !== taken.path) {
      await this.c.local.dropCheckpoint(s.id, previous.checkpoint)
    }
    this.c.onEvent?.({
      kind: 'guarded', serviceId: s.id, generation: s.generation, guardians, ...(g.checkpoint === undefined ? {} : { checkpoint: g.checkpoint })
    })
  }

  private async takeOver (h: HeldGuard<R>): Promise<void> {
    const g = h.guard
    const generation = g.generation + 1
    const startMs = this.c.clock.now()
    this.taking.add(g.serviceId)
    this.c.onEvent?.({
      kind: 'takeover', serviceId: g.serviceId, generation, from: g.owner, ...(g.checkpoint === undefined ? {} : { checkpoint: g.checkpoint })
    })
    try {
      let resume = g.policy.mode === 'resume' && h.copy !== undefined
      try {
        await this.c.local.adopt(g, generation, resume ? h.copy : undefined)
      } catch (err) {
        if (!resume) throw err
        // a checkpoint that cannot be restored here: the service starts afresh rather than not at all
        this.c.onError?.(err)
        resume = false
        await this.c.local.adopt(g, generation, undefined)
      }
      const now = this.c.clock.now()
      this.held.delete(g.serviceId)
      // the checkpoint it came from is this host's first announced one: new guardians fetch it from here
      const first = resume && g.checkpoint !== undefined ? { ...g.checkpoint, path: h.copy as string } : undefined
      this.own.set(g.serviceId, { ...g, generation, owner: this.c.self, ...(first === undefined ? {} : { checkpoint: first }) })
      this.lastCheckpointMs.set(g.serviceId, now)
      await this.persist()
      this.c.onEvent?.({
        kind: 'taken-over', serviceId: g.serviceId, generation, from: g.owner, durationMs: now - startMs, resumed: resume,
        ...(resume && g.checkpoint !== undefined ? { workLostMs: startMs - g.checkpoint.takenAtMs } : {})
      })
    } catch (err) {
      this.c.onEvent?.({ kind: 'takeover-failed', serviceId: g.serviceId, generation, error: (err as Error).message })
      this.c.onError?.(err)
    } finally {
      this.taking.delete(g.serviceId)
    }
  }

  private async fence (q: QuorumVerdict): Promise<void> {
    this.fenced = true
    this.c.onEvent?.({ kind: 'fenced', reached: q.reached, total: q.total })
    for (const s of this.c.local.protectedServices()) {
      if (!s.active) continue
      try {
        await this.c.local.pause(s.id)
      } catch (err) {
        this.c.onError?.(err)
      }
    }
  }

  /**
   * Compare generations with the live peers: superseded copies are destroyed
   * at once. A copy runs on (is unpaused, and guarded again) only once it is
   * settled: a quorum of the members answered, and so did every guardian its
   * last guard record names that is still a member, since only a guardian
   * can have taken it over (and the new owner's guardians hold the news from
   * then on). A host that knows no member yet (it has just started) waits
   * for one. Returns false while a copy is unsettled: asked again at the
   * next check.
   */
  private async reconcile (alive: string[], q: QuorumVerdict): Promise<boolean> {
    const mine = this.c.local.protectedServices()
    const ids = mine.map(s => s.id)
    const newest = new Map<string, Claim>()
    const answered: string[] = []
    if (ids.length > 0) {
      await Promise.all(alive.map(async (h) => {
        let claims: Claim[]
        try {
          claims = await this.c.peers.claims(h, ids)
        } catch (err) {
          this.c.onError?.(err)
          return
        }
        answered.push(h)
        for (const cl of claims) {
          const cur = newest.get(cl.serviceId)
          if (ids.includes(cl.serviceId) && (cur === undefined || supersedes(cl, cur))) newest.set(cl.serviceId, cl)
        }
      }))
    }
    const members = this.c.members().map(m => m.host)
    const heard = members.length > 0 && quorum({ self: this.c.self, former: members, reachable: answered }).quorum
    let settled = true
    for (const s of mine) {
      const n = newest.get(s.id)
      if (n !== undefined && n.owner !== this.c.self && supersedes(n, { serviceId: s.id, generation: s.generation, owner: this.c.self })) {
        await this.discard(s, n)
        this.unsettled.delete(s.id)
        continue
      }
      const guardians = (this.own.get(s.id)?.guardians ?? []).filter(h => h !== this.c.self && members.includes(h))
      if (!heard || !guardians.every(h => answered.includes(h))) {
        this.unsettled.add(s.id)
        settled = false
        continue
      }
      this.unsettled.delete(s.id)
      if (this.fenced && s.active) {
        try {
          await this.c.local.unpause(s.id)
        } catch (err) {
          this.c.onError?.(err)
        }
      }
    }
    if (settled && this.fenced) {
      this.fenced = false
      this.c.onEvent?.({ kind: 'unfenced', reached: q.reached, total: q.total })
    }
    return settled
  }

  private async discard (s: LocalProtected<R>, newer: Claim): Promise<void> {
    await this.c.local.discard(s.id, newer)
    this.unsettled.delete(s.id)
    this.own.delete(s.id)
    this.lastCheckpointMs.delete(s.id)
    this.chosenFrom.delete(s.id)
    await this.persist()
    this.c.onEvent?.({ kind: 'stale-discarded', serviceId: s.id, generation: s.generation, newer })
  }

  private async forget (h: HeldGuard<R>): Promise<void> {
    this.held.delete(h.guard.serviceId)
    if (h.copy !== undefined) await this.c.local.dropCopy(h.copy)
    await this.persist()
  }

  private async persist (): Promise<void> {
    await this.c.store?.save({ held: [...this.held.values()], own: [...this.own.values()] })
  }
}

/**
 * True when claim `a` wins over `b`: a higher generation, or the same
 * generation with an owner earlier in the service's rendezvous order (two
 * hosts that took the same service over at once: the later in order gives
 * way).
 */
export function supersedes (a: Claim, b: Claim): boolean {
  if (a.generation !== b.generation) return a.generation > b.generation
  if (a.owner === b.owner) return false
  return rendezvousOrder(a.serviceId, [a.owner, b.owner])[0] === a.owner
}

function sameClaim (a: Claim, b: Claim): boolean {
  return a.generation === b.generation && a.owner === b.owner
}
