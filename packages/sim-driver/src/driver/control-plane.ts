/**
 * How driver calls couple to simulated time.
 *
 * THE RULE. In live mode (a cluster driven by real-time callers, such as
 * xenos-core's coordinators over a real libp2p overlay), every driver
 * method holds the engine clock from the moment it is called until it
 * returns, EXCEPT while it awaits a simulated activity (a boot, a disk copy,
 * a migration round) or a simulated sleep. So:
 * - control-plane work (validation, bookkeeping, typed errors) takes zero
 *   simulated time however slow the machine is;
 * - simulated work advances the clock only by what the model says it
 *   costs, and concurrent operations overlap in simulated time exactly as
 *   they do in real time;
 * - a caller that does nothing holds nothing: simulated time then runs
 *   freely to the next event.
 * Results therefore do not depend on machine speed. In manual mode (a
 * script that calls `engine.run()` itself) no hold is taken.
 *
 * A caller whose own operation spans several driver calls with real-time
 * work between them (a coordinator's API request that also talks to peers)
 * runs it through `SimCluster.operation(label, async op => ...)` and wraps
 * each awaited driver call in `op.sim(...)`: the clock is then held through
 * its real-time work too, and released only while simulated work runs.
 * Holding the clock while awaiting a driver call that needs simulated time
 * would deadlock, which is why `op.sim` exists.
 *
 * `Operation.sim(promise)` is the only place a hold is let go; everything
 * else in an operation runs with the clock held. A per-domain lock
 * serialises operations on one domain (as libxl does); waiting for it counts
 * as awaiting simulated work, so it never holds the clock.
 */

/** What the control plane needs from the engine. */
export interface Holdable {
  hold (reason: string): () => void
}

/** Something in flight that `ControlPlane.cancelAll` can stop (an engine activity). */
export interface Cancelable {
  cancel (): void
}

/** Real time the calls of one kind held the simulated clock (live mode, with a wall clock injected). */
export interface ControlPlaneStat {
  /** Operation kind, for example `start` or `migrate`. */
  kind: string
  calls: number
  /** Total real time the clock was held by these calls, in milliseconds. */
  heldMs: number
  /** Longest single call's held time, in milliseconds. */
  maxHeldMs: number
}

/** One driver call in flight. */
export class Operation {
  private release: (() => void) | undefined
  private heldSinceMs: number | undefined
  /** Real time this operation has held the clock so far, in milliseconds (with a wall clock). */
  heldMs = 0

  constructor (
    private readonly engine: Holdable,
    readonly label: string,
    private readonly live: boolean,
    /** Activities of every operation in flight (the control plane's), for `cancelAll`. */
    readonly inflight: Set<Cancelable> = new Set(),
    private readonly wallClockMs?: () => number
  ) {}

  /** Take the clock (live mode only). */
  hold (): void {
    if (this.live && this.release === undefined) {
      this.release = this.engine.hold(this.label)
      this.heldSinceMs = this.wallClockMs?.()
    }
  }

  /** Let the clock go. Idempotent. */
  unhold (): void {
    const r = this.release
    this.release = undefined
    if (this.heldSinceMs !== undefined && this.wallClockMs !== undefined) this.heldMs += this.wallClockMs() - this.heldSinceMs
    this.heldSinceMs = undefined
    r?.()
  }

  /** Await simulated work: the clock is free meanwhile and held again afterwards (manual mode: `work` itself). */
  sim<T> (work: Promise<T>): Promise<T> {
    return this.live ? this.simHeld(work) : work
  }

  private async simHeld<T> (work: Promise<T>): Promise<T> {
    this.unhold()
    try {
      return await work
    } finally {
      this.hold()
    }
  }
}

/** Runs driver calls under the rule above. */
export class ControlPlane {
  private readonly inflight = new Set<Cancelable>()
  private readonly byKind = new Map<string, ControlPlaneStat>()
  /**
   * The operation of every call in manual mode: it takes no hold and measures nothing, so
   * one serves all (no object, label or async frame per call when a cluster boots
   * hundreds of thousands of domains).
   */
  readonly manual: Operation

  /**
   * `wallClockMs` is a real-time clock the app injects (for example
   * `() => performance.now()`) to measure how long calls hold the simulated
   * clock: the control plane's real latency, kept apart from simulated time.
   */
  constructor (private readonly engine: Holdable, private readonly isLive: () => boolean, private readonly wallClockMs?: () => number) {
    this.manual = new Operation(engine, 'manual', false, this.inflight)
  }

  /** True when calls hold the clock (a live cluster not closed). */
  get live (): boolean { return this.isLive() }

  /** Held time per operation kind (empty without a wall clock or outside live mode), sorted by kind. */
  stats (): ControlPlaneStat[] {
    return [...this.byKind.values()].map(s => ({ ...s })).sort((a, b) => a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0)
  }

  /** Cancel the simulated work of every operation in flight (they then fail, typed). */
  cancelAll (): void {
    for (const a of [...this.inflight]) a.cancel()
  }

  run<T> (label: string, body: (op: Operation) => Promise<T>, kind = label): Promise<T> {
    if (!this.isLive()) {
      try {
        return body(this.manual)
      } catch (err) {
        return Promise.reject(err as Error)
      }
    }
    return this.runLive(label, body, kind)
  }

  private async runLive<T> (label: string, body: (op: Operation) => Promise<T>, kind: string): Promise<T> {
    const op = new Operation(this.engine, label, true, this.inflight, this.wallClockMs)
    op.hold()
    try {
      return await body(op)
    } finally {
      op.unhold()
      if (this.wallClockMs !== undefined) {
        const stat = this.byKind.get(kind) ?? { kind, calls: 0, heldMs: 0, maxHeldMs: 0 }
        stat.calls++
        stat.heldMs += op.heldMs
        stat.maxHeldMs = Math.max(stat.maxHeldMs, op.heldMs)
        this.byKind.set(kind, stat)
      }
    }
  }
}

/** A FIFO lock per key (one per domain). */
export class KeyedLock {
  /** Keys held, each with the wake-ups of those waiting for it, in order (the shared `NO_WAITERS` until one waits). */
  private readonly held = new Map<string, Array<() => void>>()

  /** Runs `body` once every earlier holder of `key` is done; the wait happens through `op.sim`. */
  async with<T> (key: string, op: Operation, body: () => Promise<T>): Promise<T> {
    let waiters = this.held.get(key)
    if (waiters === undefined) {
      this.held.set(key, NO_WAITERS)
    } else {
      if (waiters === NO_WAITERS) { waiters = []; this.held.set(key, waiters) }
      const queue = waiters
      // The lock passes to us when the holder before us lets it go (see `release`).
      await op.sim(new Promise<void>((resolve) => { queue.push(resolve) }))
    }
    try {
      return await body()
    } finally {
      this.release(key)
    }
  }

  /** The holder of `key` is done: the first waiter holds it now, or nobody. */
  private release (key: string): void {
    const next = this.held.get(key)?.shift()
    if (next === undefined) this.held.delete(key)
    else next()
  }
}

const NO_WAITERS: Array<() => void> = []
