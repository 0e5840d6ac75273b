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
 * else in an operation runs with the clock held. The holding is the
 * engine's `ClockGate`, which also times the calls. A per-domain lock
 * serialises operations on one domain (as libxl does); waiting for it counts
 * as awaiting simulated work, so it never holds the clock.
 */

import { ClockGate, type CallStats, type GatedWork, type Holdable } from '@xenos/sim-engine'

/** Something in flight that `ControlPlane.cancelAll` can stop (an engine activity). */
export interface Cancelable {
  cancel (): void
}

/** One driver call in flight. */
export class Operation {
  constructor (
    readonly label: string,
    /** The call's work under the gate (live mode), or none (manual mode: nothing is held). */
    private readonly work: GatedWork | undefined,
    /** Activities of every operation in flight (the control plane's), for `cancelAll`. */
    readonly inflight: Set<Cancelable> = new Set()
  ) {}

  /** Await simulated work: the clock is free meanwhile and held again afterwards (manual mode: `work` itself). */
  sim<T> (work: Promise<T>): Promise<T> {
    return this.work === undefined ? work : this.work.sim(work)
  }
}

/** Runs driver calls under the rule above, through the engine's `ClockGate` (one per cluster), which also times them. */
export class ControlPlane {
  private readonly inflight = new Set<Cancelable>()
  private readonly gate: ClockGate
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
  constructor (engine: Holdable, private readonly isLive: () => boolean, wallClockMs?: () => number) {
    this.gate = new ClockGate(engine, wallClockMs === undefined ? {} : { wallClockMs })
    this.manual = new Operation('manual', undefined, this.inflight)
  }

  /** True when calls hold the clock (a live cluster not closed). */
  get live (): boolean { return this.isLive() }

  /**
   * Wall time calls held the simulated clock, per operation kind (each call's wall time while the
   * clock stood still, its simulated waits left out), sorted by kind; empty without a wall clock or
   * outside live mode.
   */
  stats (): CallStats[] {
    return this.gate.times.byKind()
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
    return this.gate.run(label, async work => await body(new Operation(label, work, this.inflight)), kind)
  }
}

/** A FIFO lock per key (one per domain). */
export class KeyedLock {
  /** Keys held, each with the wake-ups of those waiting for it, in order (the shared `NO_WAITERS` until one waits). */
  private readonly held = new Map<string, Array<() => void>>()

  /**
   * Runs `body` once every earlier holder of `key` is done; the wait happens through `op.sim`.
   * A free key takes no async frame (a cluster boots hundreds of thousands of domains at once,
   * and each frame in flight is memory held until they boot): `body`'s promise, then the release.
   */
  with<T> (key: string, op: Operation, body: () => Promise<T>): Promise<T> {
    if (this.held.has(key)) return this.withAfterWait(key, op, body)
    this.held.set(key, NO_WAITERS)
    let work: Promise<T>
    try {
      work = body()
    } catch (err) {
      this.release(key)
      return Promise.reject(err as Error)
    }
    return work.then((value) => { this.release(key); return value }, (err: unknown) => { this.release(key); throw err })
  }

  private async withAfterWait<T> (key: string, op: Operation, body: () => Promise<T>): Promise<T> {
    let waiters = this.held.get(key) as Array<() => void>
    if (waiters === NO_WAITERS) { waiters = []; this.held.set(key, waiters) }
    const queue = waiters
    // The lock passes to us when the holder before us lets it go (see `release`).
    await op.sim(new Promise<void>((resolve) => { queue.push(resolve) }))
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
