/**
 * Waiting for a condition with a deadline, on a `Clock`: the wall clock by
 * default, or a driver's clock (simulated time on the simulator). Tests wait
 * for conditions this way instead of sleeping a fixed time, so they pass on
 * a busy machine; real Xen also needs it where the hypervisor finishes a
 * moment after a command returns (memory freed after `xl destroy`).
 *
 * @example
 * ```ts
 * import { waitFor } from '@xenos/hypervisor-interface'
 *
 * await waitFor(() => hosts.every(h => h.membership.members().length === 12), { what: 'every host to know the 12 others' })
 * await waitFor(async () => (await driver.hostFacts()).memory.freeMiB >= before, { clock: driver.clock, timeoutS: 30, what: 'the memory back' })
 * ```
 */
import { realClock, type Clock } from './clock.js'
import { HypervisorError } from './errors.js'

export interface WaitForOptions {
  /** What is awaited, for the error: `every host to know the others`. */
  what: string
  /** How long to wait, in seconds of `clock`. @default 60 */
  timeoutS?: number
  /** The clock the deadline and the pauses between checks are measured on. @default realClock() */
  clock?: Clock
  /** Pause between two checks, in seconds of `clock`. @default 0.01 */
  intervalS?: number
}

/** A condition did not become true before its deadline. */
export class WaitTimeoutError extends HypervisorError {
  static override readonly code = 'ERR_WAIT_TIMEOUT'
  constructor (readonly what: string, readonly timeoutS: number, options?: ErrorOptions) {
    super(`expected ${what} within ${timeoutS} s, found it still not true`, WaitTimeoutError.code, options)
    this.name = 'WaitTimeoutError'
  }
}

/**
 * Resolves once `check` returns true; checks at once, then after every
 * `intervalS`. Throws `WaitTimeoutError` once `timeoutS` have passed with
 * the condition still false; an error `check` throws is passed on.
 */
export async function waitFor (check: () => boolean | Promise<boolean>, options: WaitForOptions): Promise<void> {
  const clock = options.clock ?? realClock()
  const timeoutS = options.timeoutS ?? 60
  const intervalS = options.intervalS ?? 0.01
  if (!(timeoutS >= 0) || !(intervalS > 0)) {
    throw new RangeError(`waitFor ${options.what}: expected timeoutS >= 0 and intervalS > 0, found ${timeoutS} and ${intervalS}`)
  }
  const deadline = clock.nowS() + timeoutS
  for (;;) {
    if (await check()) return
    if (clock.nowS() >= deadline) throw new WaitTimeoutError(options.what, timeoutS)
    await clock.sleep(intervalS)
  }
}
