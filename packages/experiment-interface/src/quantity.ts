/**
 * Measured values that carry their unit and their clock, both set where the
 * value is measured. Nothing downstream reads either from a metric's name:
 * the runner files a value by its `clock` (`results.json` or
 * `wallclock.json`) and the reporter prints its `unit`.
 *
 * @example
 * ```ts
 * import { onTestbed, onWall } from '@xenos/experiment-interface'
 *
 * const duration = onTestbed(312.4, 's') // simulated seconds on sim, the lab's seconds on xen
 * const latency = onWall(0.012, 's')     // a real API call's wall time, never reproduced by a seed
 * ```
 */

/**
 * Units of measured values. `''` is a pure number: a yes/no flag as 1/0, or
 * a ratio.
 */
export const UNITS = ['s', 'B', 'B/s', 'tasks', 'hosts', 'calls', ''] as const
export type Unit = typeof UNITS[number]

/**
 * Which clock a value depends on:
 * - `testbed`: the testbed's own clock and model: simulated time on `sim`
 *   (the same seed gives the same value), the lab's wall clock on `xen`.
 *   Sizes and counts the testbed's model produces are `testbed` values too.
 * - `wall`: the wall clock of the machine that runs the experiment, outside
 *   any model (the control plane's real API calls and searches), which no
 *   seed reproduces.
 */
export const MEASURED_ON = ['testbed', 'wall'] as const
export type MeasuredOn = typeof MEASURED_ON[number]

/** A value with its unit and clock. */
export interface Quantity<U extends Unit = Unit, C extends MeasuredOn = MeasuredOn> {
  readonly value: number
  readonly unit: U
  readonly clock: C
}

/** A value on the testbed's clock (or of its model), in `unit`. */
export type TestbedQuantity<U extends Unit = Unit> = Quantity<U, 'testbed'>
/** A value on the machine's wall clock, in `unit`. */
export type WallQuantity<U extends Unit = Unit> = Quantity<U, 'wall'>

export function onTestbed<U extends Unit> (value: number, unit: U): TestbedQuantity<U> {
  return { value, unit, clock: 'testbed' }
}

export function onWall<U extends Unit> (value: number, unit: U): WallQuantity<U> {
  return { value, unit, clock: 'wall' }
}

/**
 * How long a series of control-plane calls took, on the machine's wall clock
 * (each call timed with `performance.now()` around the real API call).
 */
export interface CallTimes {
  calls: WallQuantity<'calls'>
  /** The slowest call. */
  max: WallQuantity<'s'>
  mean: WallQuantity<'s'>
  /** The calls' times added up (calls in flight together each count in full). */
  total: WallQuantity<'s'>
  /**
   * The wall time during which at least one of the calls held the simulated
   * clock: the control plane's own work, its simulated waits excluded. Only
   * on simulated hosts, where the two can be told apart.
   */
  held?: WallQuantity<'s'>
}

/** `CallTimes` from plain call statistics in seconds (the shape the testbeds' timers report). */
export function callTimes (stat: { calls: number, maxS: number, meanS: number, totalS: number, heldS?: number }): CallTimes {
  return {
    calls: onWall(stat.calls, 'calls'),
    max: onWall(stat.maxS, 's'),
    mean: onWall(stat.meanS, 's'),
    total: onWall(stat.totalS, 's'),
    ...(stat.heldS !== undefined ? { held: onWall(stat.heldS, 's') } : {})
  }
}
