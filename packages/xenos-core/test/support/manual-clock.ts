/**
 * A millisecond timer clock whose time moves only when told (tests and
 * benchmarks of code that takes a `SwimClock` or a `FailoverClock`). Its
 * timers are the simulation engine's event queue (`EventQueue` of
 * `@xenos/sim-engine`: time order, equal times in the order they were set,
 * cleared timers skipped), here with times in milliseconds.
 */
import { EventQueue, type QueuedEvent } from '@xenos/sim-engine'
import type { SwimClock } from '../../src/overlay/membership/swim.js'

/** A clock whose time moves only when told; timers run in time order (equal times in the order they were set). */
export class ManualClock implements SwimClock {
  private nowMs = 0
  /** Pending timers, due at their `timeS` (milliseconds on this clock). */
  private readonly timers = new EventQueue()

  now (): number {
    return this.nowMs
  }

  setTimeout (fn: () => void, ms: number): unknown {
    return this.timers.push(this.nowMs + Math.max(0, ms), fn, 'timer')
  }

  clearTimeout (handle: unknown): void {
    if (handle instanceof Object && 'cancel' in handle) (handle as QueuedEvent).cancel()
  }

  /** Move time forward by `ms`, running every timer due on the way (and the promise chains they start). */
  async advance (ms: number): Promise<void> {
    const endMs = this.nowMs + ms
    for (;;) {
      await drain()
      if (this.timers.peekTimeS() > endMs) break
      const next = this.timers.pop()!
      this.nowMs = next.timeS
      next.run()
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

/** Let the promise chains that timers started run (a few turns of the event loop; no real time is waited for). */
async function drain (): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise(resolve => setImmediate(resolve))
}
