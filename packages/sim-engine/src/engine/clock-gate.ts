/**
 * Holding simulated time while real work runs: the one clock gate of the
 * simulator, used by the simulated driver's control plane (every driver
 * call) and by testbeds that run real coordinators on simulated hosts
 * (every API call).
 *
 * THE RULE. While real-time work is in flight (a driver call's bookkeeping,
 * a coordinator's API call talking to its peers over a real network), the
 * engine's clock does not advance, except while that work awaits simulated
 * work (a boot, a copy, a transfer). So real work takes no simulated time
 * however slow the machine is, simulated work advances the clock only by
 * what the model says it costs, and concurrent operations overlap in
 * simulated time exactly as they do in real time. Awaiting simulated work
 * with the clock held would deadlock, which is why real work marks those
 * waits: `work.sim(promise)` inside `run`, or `gate.sim(promise)` for code
 * that cannot reach its `GatedWork` (the far side of an API call).
 *
 * Holds are owned, never counted: each work holds the clock while it runs
 * outside its own simulated waits and no far-side wait stands in for it, and
 * the gate holds the engine while any work does. A `gate.sim` wait stands in
 * for at most one work, one that was in flight when the wait began and held
 * the clock then (so a wait outside every call, such as a coordinator's own
 * driver call, or a wait that outlives its call, never lets another call's
 * real work run with the clock free), and gives it back once, when it ends.
 * Concurrent waits of one work count once (it is waiting as long as any of
 * them is): a far-side wait that ends passes the work it stood in for to a
 * wait still in progress that began while that work was in flight and
 * stands in for nobody, since the far side of one call may wait on two
 * hosts at once. What the gate cannot tell is which call a far-side wait
 * belongs to: two concurrent far-side waits of one call stand in for two
 * calls when a second call holds the clock at that moment.
 *
 * With a wall clock injected, each call's own time is recorded: the wall
 * time during which the simulated clock stood still while the call was in
 * flight (its real work, and other real work it waited behind). These are
 * measurements of the real software, never inputs to the model.
 *
 * @example
 * ```ts
 * const gate = new ClockGate(engine, { wallClockMs: () => performance.now() })
 * const answer = await gate.run('api:search', async work => {
 *   const found = await overlaySearch()                 // real time: the clock is held
 *   await work.sim(engine.sleep(0.5).wait())           // simulated time: the clock runs
 *   return found
 * })
 * console.log(gate.stats('api:'))                       // { kind: 'api:', calls: 1, totalS, meanS, maxS, slowest }
 * ```
 */

/** What the gate needs from the engine. */
export interface Holdable {
  /** Hold simulated time; returns the release function. */
  hold (reason: string): () => void
}

/** Wall-clock statistics of timed calls, in seconds. */
export interface CallStats {
  /** What the figures cover: a call kind, or the label prefix asked for. */
  kind: string
  calls: number
  /** Sum over the calls of each call's own time. */
  totalS: number
  meanS: number
  maxS: number
  /** The label of the slowest call ('' when there is none). */
  slowest: string
}

/** Call times as they are recorded, and their statistics. */
export class CallTimer {
  private readonly calls: Array<{ label: string, kind: string, s: number }> = []

  /** One call of `seconds` (its own time); `kind` groups calls for `byKind`. */
  record (label: string, seconds: number, kind = label): void {
    this.calls.push({ label, kind, s: Math.max(0, seconds) })
  }

  /** Time `fn` on `nowS` (a wall clock, for real hardware) and record it. */
  async time<T> (label: string, nowS: () => number, fn: () => Promise<T>): Promise<T> {
    const t0 = nowS()
    try {
      return await fn()
    } finally {
      this.record(label, nowS() - t0)
    }
  }

  /** The calls whose label starts with `prefix` (all by default). */
  stats (prefix = ''): CallStats {
    return summarize(prefix, this.calls.filter(c => c.label.startsWith(prefix)))
  }

  /** One line per kind, sorted by kind. */
  byKind (): CallStats[] {
    const kinds = [...new Set(this.calls.map(c => c.kind))].sort()
    return kinds.map(k => summarize(k, this.calls.filter(c => c.kind === k)))
  }
}

function summarize (kind: string, calls: ReadonlyArray<{ label: string, s: number }>): CallStats {
  let totalS = 0
  let slowest: { label: string, s: number } | undefined
  for (const c of calls) {
    totalS += c.s
    if (slowest === undefined || c.s > slowest.s) slowest = c
  }
  return { kind, calls: calls.length, totalS, meanS: calls.length === 0 ? 0 : totalS / calls.length, maxS: slowest?.s ?? 0, slowest: slowest?.label ?? '' }
}

export interface ClockGateInit {
  /** A real-time clock (for example `() => performance.now()`) to time calls with; without it nothing is timed. */
  wallClockMs?: () => number
}

/** One piece of real-time work under the gate. */
export class GatedWork {
  private waits = 0
  private running = true
  /** @internal the far-side wait standing in for this work, if any */
  standIn: FarSideWait | undefined

  /** `seq`: when the work began, in the gate's order of works and far-side waits. */
  constructor (private readonly gate: ClockGate, readonly label: string, /** @internal */ readonly seq: number) {}

  /** @internal true while the work runs outside its own simulated waits. */
  get active (): boolean { return this.running && this.waits === 0 }

  /** Await simulated work: this work lets the clock go meanwhile. */
  async sim<T> (work: Promise<T>): Promise<T> {
    if (!this.running) return await work
    this.waits++
    this.gate.update(this)
    try {
      return await work
    } finally {
      this.waits--
      this.gate.update(this)
    }
  }

  /** @internal the work ended (idempotent): its hold goes, and a far-side wait standing in for it stands in for nobody. */
  end (): void {
    if (!this.running) return
    this.running = false
    if (this.standIn !== undefined) this.standIn.for = undefined
    this.standIn = undefined
    this.gate.update(this)
  }
}

/** A `gate.sim` wait in progress: the work it stands in for, if any. */
export interface FarSideWait {
  /** When the wait began, in the gate's order of works and far-side waits. */
  readonly seq: number
  for: GatedWork | undefined
}

export class ClockGate {
  /** The call times recorded so far (with a wall clock). */
  readonly times = new CallTimer()
  /** Works that hold the clock now (running outside their waits, no far-side wait standing in for them). */
  private readonly holding = new Set<GatedWork>()
  /** Far-side waits in progress. */
  private readonly farWaits = new Set<FarSideWait>()
  /** Order of works and far-side waits by when they began. */
  private seq = 0
  private release: (() => void) | undefined
  private readonly wallClockMs: (() => number) | undefined
  /** Wall time the clock has been free (up to `freeSinceMs`) and held, in ms. */
  private freeMs = 0
  private heldMs = 0
  private changedAtMs: number

  constructor (private readonly engine: Holdable, init: ClockGateInit = {}) {
    this.wallClockMs = init.wallClockMs
    this.changedAtMs = this.wallClockMs?.() ?? 0
  }

  /** True while the gate holds the clock. */
  get held (): boolean { return this.release !== undefined }

  /**
   * Real-time work: the clock is held while `body` runs, except while it
   * awaits `work.sim(...)`. With a wall clock its own time is recorded
   * under `label` (and `kind`, for `times.byKind()`).
   */
  async run<T> (label: string, body: (work: GatedWork) => Promise<T>, kind = label): Promise<T> {
    const t0 = this.wallClockMs?.()
    const freeBefore = t0 === undefined ? 0 : this.freeSoFarMs(t0)
    const work = new GatedWork(this, label, this.seq++)
    this.update(work)
    try {
      return await body(work)
    } finally {
      work.end()
      const t1 = this.wallClockMs?.()
      if (t0 !== undefined && t1 !== undefined) this.times.record(label, (t1 - t0 - (this.freeSoFarMs(t1) - freeBefore)) / 1000, kind)
    }
  }

  /**
   * Await simulated work on behalf of real-time work that cannot reach its
   * `GatedWork` (code on the far side of an API call): while it runs, it
   * stands in for one work that holds the clock when it begins (none when
   * none does), which holds it again when the wait ends.
   */
  async sim<T> (work: Promise<T>): Promise<T> {
    const wait: FarSideWait = { seq: this.seq++, for: undefined }
    this.farWaits.add(wait)
    const held = this.holding.values().next()
    if (held.done !== true) this.standIn(wait, held.value)
    try {
      return await work
    } finally {
      this.endFarSideWait(wait)
    }
  }

  /** `target` with every method that returns a promise awaited through `sim`. */
  releasing<T extends object> (target: T): T {
    return new Proxy(target, {
      get: (t, prop, receiver) => {
        const value: unknown = Reflect.get(t, prop, receiver)
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => {
          const r: unknown = (value as (...a: unknown[]) => unknown).apply(t, args)
          return r instanceof Promise ? this.sim(r) : r
        }
      }
    })
  }

  /** The statistics of the calls whose label starts with `prefix`. */
  stats (prefix = ''): CallStats { return this.times.stats(prefix) }

  /** Wall time the gate has held the clock so far, in seconds (0 without a wall clock). */
  heldS (): number {
    const now = this.wallClockMs?.()
    if (now === undefined) return 0
    return (this.heldMs + (this.held ? now - this.changedAtMs : 0)) / 1000
  }

  /**
   * @internal `work` began, ended, or began or ended a wait: it holds the
   * clock while it is active and no far-side wait stands in for it. A work
   * that becomes active again is stood in for by a far-side wait in progress
   * that began while it was in flight and stands in for nobody (one of its
   * own far side's concurrent waits).
   */
  update (work: GatedWork): void {
    if (work.active && work.standIn === undefined) {
      for (const wait of this.farWaits) {
        if (wait.for === undefined && wait.seq > work.seq) {
          this.standIn(wait, work)
          return
        }
      }
      this.holding.add(work)
    } else {
      this.holding.delete(work)
    }
    this.refresh(work.label)
  }

  private standIn (wait: FarSideWait, work: GatedWork): void {
    wait.for = work
    work.standIn = wait
    this.holding.delete(work)
    this.refresh(work.label)
  }

  /** A far-side wait ended (once: a second call does nothing): the work it stood in for, if still in flight, is active again. */
  private endFarSideWait (wait: FarSideWait): void {
    if (!this.farWaits.delete(wait)) return
    const work = wait.for
    wait.for = undefined
    if (work === undefined || work.standIn !== wait) return
    work.standIn = undefined
    this.update(work)
  }

  /** Hold the engine while any work holds the clock, and only then. */
  private refresh (reason: string): void {
    if (this.holding.size > 0 && this.release === undefined) {
      this.account()
      this.release = this.engine.hold(reason)
    } else if (this.holding.size === 0 && this.release !== undefined) {
      this.account()
      const r = this.release
      this.release = undefined
      r()
    }
  }

  private account (): void {
    const now = this.wallClockMs?.()
    if (now === undefined) return
    if (this.held) this.heldMs += now - this.changedAtMs
    else this.freeMs += now - this.changedAtMs
    this.changedAtMs = now
  }

  /** Wall time the clock has been free up to `nowMs`. */
  private freeSoFarMs (nowMs: number): number {
    return this.freeMs + (this.held ? 0 : nowMs - this.changedAtMs)
  }
}
