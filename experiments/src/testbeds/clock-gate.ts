/**
 * Couples the real control plane (coordinators talking over libp2p and
 * HTTP in real time) to the simulated clock of a live `SimCluster`, and
 * measures the control plane's wall-clock cost for finding C12.
 *
 * In live mode the engine advances whenever nothing holds it, so while one
 * coordinator does real-time work (a search, an XML-RPC call) the transfers
 * another host started would run ahead in simulated time, and concurrent
 * operations would come out serialised by accident of wall-clock timing.
 * The gate applies sim-driver's rule (`control-plane.ts`) to the whole
 * control plane: the clock is held while any gated API call is in flight,
 * except while that work awaits simulated work (a driver call, a modeled
 * transfer). Control-plane work therefore takes no simulated time, and
 * concurrent transfers overlap in simulated time as they would for real.
 *
 * The wall-clock times here (`performance.now()`) are measurements of the
 * real software, never inputs to the model.
 */
import { performance } from 'node:perf_hooks'
import type { HypervisorDriver } from '@xenos/hypervisor-interface'
import type { Engine } from '@xenos/sim-engine'

/** Wall-clock figures of the control plane, in seconds. */
export interface ControlPlaneTiming {
  /** API calls and searches timed. */
  calls: number
  /** The slowest one. */
  maxS: number
  meanS: number
  /** Sum over calls of their own control-plane time. */
  totalS: number
  /** Wall time the simulated clock was held for control-plane work. */
  heldS: number
  /** The slowest call's label. */
  slowest: string
}

export class ClockGate {
  private busy = 0
  private release: (() => void) | undefined
  private heldSinceMs = 0
  private heldMs = 0
  private readonly durationsMs: Array<{ label: string, ms: number }> = []
  /** Wall time the clock was free (not held by the gate), up to `freeSinceMs`. */
  private freeMsAcc = 0
  /** When the clock was last let go; undefined while held. */
  private freeSinceMs: number | undefined = performance.now()

  constructor (private readonly engine: Engine) {}

  /** Real-time control-plane work starts: hold the clock. */
  enter (): void { this.busy++; this.sync() }
  /** It ends (or waits for simulated work): let the clock go if nothing else holds. */
  leave (): void { this.busy--; this.sync() }

  /** Await simulated work from inside gated work: the clock is free meanwhile. */
  async sim<T> (work: Promise<T>): Promise<T> {
    this.leave()
    try {
      return await work
    } finally {
      this.enter()
    }
  }

  /**
   * One control-plane call: the clock is held while it runs, except inside
   * `sim`. Its wall time minus the wall time it spent in simulated work is
   * recorded as its control-plane cost.
   */
  async call<T> (label: string, fn: () => Promise<T>): Promise<T> {
    const simBefore = this.freeMs()
    const t0 = performance.now()
    this.enter()
    try {
      return await fn()
    } finally {
      this.leave()
      const ownMs = performance.now() - t0 - (this.freeMs() - simBefore)
      this.durationsMs.push({ label, ms: Math.max(0, ownMs) })
    }
  }

  /** Wall time the clock has been free (not held by the gate) so far. */
  private freeMs (): number {
    return this.freeMsAcc + (this.freeSinceMs === undefined ? 0 : performance.now() - this.freeSinceMs)
  }

  private sync (): void {
    if (this.busy > 0 && this.release === undefined) {
      this.release = this.engine.hold('control-plane (real time)')
      const now = performance.now()
      this.heldSinceMs = now
      if (this.freeSinceMs !== undefined) this.freeMsAcc += now - this.freeSinceMs
      this.freeSinceMs = undefined
    } else if (this.busy <= 0 && this.release !== undefined) {
      this.release()
      this.release = undefined
      const now = performance.now()
      this.heldMs += now - this.heldSinceMs
      this.freeSinceMs = now
    }
  }

  /** The figures so far (labels starting with `prefix` only, when given). */
  timing (prefix = ''): ControlPlaneTiming {
    const ds = this.durationsMs.filter(d => d.label.startsWith(prefix))
    const total = ds.reduce((s, d) => s + d.ms, 0)
    const slowest = ds.reduce<{ label: string, ms: number } | undefined>((m, d) => m === undefined || d.ms > m.ms ? d : m, undefined)
    return {
      calls: ds.length,
      maxS: (slowest?.ms ?? 0) / 1000,
      meanS: ds.length === 0 ? 0 : total / ds.length / 1000,
      totalS: total / 1000,
      heldS: (this.heldMs + (this.release !== undefined ? performance.now() - this.heldSinceMs : 0)) / 1000,
      slowest: slowest?.label ?? ''
    }
  }

  /**
   * A driver whose calls let the gate go while they run: a driver call
   * holds the clock itself for its own bookkeeping and frees it only while
   * it awaits simulated work (a boot, a copy, a migration), which must be
   * able to advance even if a gated API call is waiting on it.
   */
  driver (inner: HypervisorDriver): HypervisorDriver {
    return new Proxy(inner, {
      get: (target, prop, receiver) => {
        const value: unknown = Reflect.get(target, prop, receiver)
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => {
          const r: unknown = (value as (...a: unknown[]) => unknown).apply(target, args)
          if (!(r instanceof Promise)) return r
          return this.sim(r)
        }
      }
    })
  }
}
