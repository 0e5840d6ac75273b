/**
 * How driver calls couple to simulated time (issue 3, item 7).
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

/** One driver call in flight. */
export class Operation {
  private release: (() => void) | undefined

  constructor (
    private readonly engine: Holdable,
    readonly label: string,
    private readonly live: boolean,
    /** Activities of every operation in flight (the control plane's), for `cancelAll`. */
    readonly inflight: Set<Cancelable> = new Set()
  ) {}

  /** Take the clock (live mode only). */
  hold (): void {
    if (this.live && this.release === undefined) this.release = this.engine.hold(this.label)
  }

  /** Let the clock go. Idempotent. */
  unhold (): void {
    const r = this.release
    this.release = undefined
    r?.()
  }

  /** Await simulated work: the clock is free meanwhile and held again afterwards. */
  async sim<T> (work: Promise<T>): Promise<T> {
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

  constructor (private readonly engine: Holdable, private readonly isLive: () => boolean) {}

  /** Cancel the simulated work of every operation in flight (they then fail, typed). */
  cancelAll (): void {
    for (const a of [...this.inflight]) a.cancel()
  }

  async run<T> (label: string, body: (op: Operation) => Promise<T>): Promise<T> {
    const op = new Operation(this.engine, label, this.isLive(), this.inflight)
    op.hold()
    try {
      return await body(op)
    } finally {
      op.unhold()
    }
  }
}

/** A FIFO lock per key (one per domain). */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>()

  /** Runs `body` once every earlier holder of `key` is done; the wait happens through `op.sim`. */
  async with<T> (key: string, op: Operation, body: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key)
    let done!: () => void
    const mine = new Promise<void>(resolve => { done = resolve })
    const tail = previous === undefined ? mine : previous.then(async () => await mine)
    this.tails.set(key, tail)
    try {
      if (previous !== undefined) await op.sim(previous)
      return await body()
    } finally {
      done()
      if (this.tails.get(key) === tail) this.tails.delete(key)
    }
  }
}
