/**
 * Time as a backend sees it.
 *
 * Every duration the contract reports (migration time, downtime, shutdown
 * timeouts) is measured with the driver's own clock: wall-clock time for
 * real hardware, simulated time for the simulator. Nothing that takes a
 * driver may read the host's clock directly.
 */
export interface Clock {
  /** Seconds since this clock's epoch (simulation start, or process start for real time). */
  nowS(): number
  /** Resolves once `durationS` seconds have passed on this clock. Rejects if `signal` aborts. */
  sleep(durationS: number, signal?: AbortSignal): Promise<void>
}

/**
 * A clock backed by the process's monotonic timer, for real hardware.
 * The epoch is the moment the clock is made, or with `epoch: 'unix'` the Unix
 * epoch (for times kept across restarts, such as when a domain started).
 */
export function realClock (options: { epoch?: 'start' | 'unix' } = {}): Clock {
  const origin = options.epoch === 'unix' ? -performance.timeOrigin : performance.now()
  return {
    nowS: () => (performance.now() - origin) / 1000,
    sleep: async (durationS: number, signal?: AbortSignal) => {
      if (!(durationS >= 0)) throw new RangeError(`sleep: expected durationS >= 0, found ${durationS}`)
      await new Promise<void>((resolve, reject) => {
        if (signal?.aborted === true) { reject(signal.reason); return }
        const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, durationS * 1000)
        const onAbort = (): void => { clearTimeout(timer); reject(signal?.reason) }
        signal?.addEventListener('abort', onAbort, { once: true })
      })
    }
  }
}

/** A clock that moves only when slept on or advanced: for tests of code that waits on a `Clock`. */
export interface ManualClock extends Clock {
  /** Moves the clock forward by `durationS` seconds. */
  advance(durationS: number): void
}

/**
 * A clock at 0 that moves only when told: `sleep(d)` advances it by `d` at
 * once (so code that polls on it never waits for real), `advance(d)` moves it
 * from outside.
 */
export function manualClock (): ManualClock {
  let now = 0
  const step = (durationS: number, what: string): void => {
    if (!(durationS >= 0)) throw new RangeError(`${what}: expected durationS >= 0, found ${durationS}`)
    now += durationS
  }
  return {
    nowS: () => now,
    sleep: async (durationS: number, signal?: AbortSignal) => {
      if (signal?.aborted === true) throw signal.reason
      step(durationS, 'sleep')
    },
    advance: (durationS: number) => { step(durationS, 'advance') }
  }
}
