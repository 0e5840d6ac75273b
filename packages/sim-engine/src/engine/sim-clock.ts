import { EngineArgumentError } from './errors.js'

interface ClockEngine {
  nowS (): number
  schedule (delayS: number, fn: () => void, label?: string): { cancel (): void }
  markResolved (): void
}

/**
 * Simulated time as a clock: what code written against a clock (a driver
 * contract's `Clock` has this shape) reads and sleeps on.
 */
export interface SimClock {
  /** Simulated seconds since the start. */
  nowS (): number
  /** Resolves after `durationS` simulated seconds; an abort rejects with the signal's reason. */
  sleep (durationS: number, signal?: AbortSignal): Promise<void>
}

/**
 * The engine's clock: `sleep(d)` resolves when the
 * engine reaches nowS() + d; an abort cancels the timer and rejects with the
 * signal's reason.
 */
export function simClock (engine: ClockEngine): SimClock {
  return {
    nowS: () => engine.nowS(),
    sleep: async (durationS: number, signal?: AbortSignal) => {
      if (!(durationS >= 0) || !Number.isFinite(durationS)) throw new EngineArgumentError('clock.sleep', 'a finite durationS >= 0', durationS)
      if (signal?.aborted === true) throw signal.reason
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => { timer.cancel(); engine.markResolved(); reject(signal?.reason) }
        const timer = engine.schedule(durationS, () => {
          signal?.removeEventListener('abort', onAbort)
          engine.markResolved()
          resolve()
        }, undefined)
        signal?.addEventListener('abort', onAbort, { once: true })
      })
    }
  }
}
