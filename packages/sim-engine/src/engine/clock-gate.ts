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
 * that cannot reach its `GatedWork` (the far side of an API call). The gate
 * holds the clock while the number of works running outside their
 * simulated waits, minus the `gate.sim` waits in progress, is above zero.
 * Concurrent waits of one work count once (it is waiting as long as any of
 * them is).
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

  constructor (private readonly gate: ClockGate, readonly label: string) {}

  /** Await simulated work: this work lets the clock go meanwhile. */
  async sim<T> (work: Promise<T>): Promise<T> {
    if (!this.running) return await work
    if (this.waits++ === 0) this.gate.adjust(-1)
    try {
      return await work
    } finally {
      if (--this.waits === 0 && this.running) this.gate.adjust(+1, this.label)
    }
  }

  /** @internal the work ended. */
  end (): void {
    if (!this.running) return
    this.running = false
    if (this.waits === 0) this.gate.adjust(-1)
  }
}

export class ClockGate {
  /** The call times recorded so far (with a wall clock). */
  readonly times = new CallTimer()
  private holders = 0
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
    const work = new GatedWork(this, label)
    this.adjust(+1, label)
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
   * `GatedWork` (code on the far side of an API call): one holder fewer
   * while it runs.
   */
  async sim<T> (work: Promise<T>): Promise<T> {
    this.adjust(-1)
    try {
      return await work
    } finally {
      this.adjust(+1)
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

  /** @internal a holder more (+1, named `reason`) or fewer (-1). */
  adjust (delta: number, reason = 'real-time work'): void {
    this.holders += delta
    if (this.holders > 0 && this.release === undefined) {
      this.account()
      this.release = this.engine.hold(reason)
    } else if (this.holders <= 0 && this.release !== undefined) {
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
