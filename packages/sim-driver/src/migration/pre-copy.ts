/**
 * The round arithmetic of pre-copy live migration, as a pure function.
 *
 * Model (Clark et al., "Live Migration of Virtual Machines", NSDI 2005; the
 * same model as SimGrid's VM live migration by Takahiro Hirofuchi):
 * - round 1 sends the whole memory while the domain runs;
 * - every later round resends what the domain dirtied during the previous
 *   round: `dirtyRateBps x roundDurationS`, bounded by the memory size;
 * - iteration stops when the remainder can be sent within the downtime
 *   target at the bandwidth the previous round achieved (converged), or at
 *   Xen's limits (`xc_domain_save`: `iter >= max_iters` with 29 iterative
 *   rounds plus the final one, i.e. 30 rounds in all; or
 *   `total_sent > max_factor x memory` with `max_factor = 3`), and the
 *   remainder is sent with the domain suspended: the stop-and-copy round,
 *   whose duration is the downtime.
 *
 * The simulator measures each round's duration on the engine clock (the
 * bandwidth comes from the network model and its contention) and asks
 * `nextPreCopyStep` what to do next; `planPreCopy` runs the same rule at a
 * fixed bandwidth, as an estimator and for tests.
 */

/** When to stop iterating. Defaults are Xen's. */
export interface PreCopyLimits {
  /** Stop once the remainder can be sent within this many seconds. @default 0.3 */
  downtimeTargetS: number
  /** Most rounds, the final stop-and-copy included. @default 30 */
  maxRounds: number
  /** Stop once more than this many times the memory has been sent. @default 3 */
  maxSentFactor: number
}

export const XEN_PRE_COPY_LIMITS: Readonly<PreCopyLimits> = Object.freeze({ downtimeTargetS: 0.3, maxRounds: 30, maxSentFactor: 3 })

/** Where a migration stands after its last finished round. */
export interface PreCopyProgress {
  /** Memory of the domain, in bytes. */
  memoryBytes: number
  /** Iterative rounds finished so far (0 before the first). */
  roundsDone: number
  /** Memory bytes sent so far, all rounds included. */
  sentBytes: number
  /** Bytes sent in the last round (ignored when `roundsDone` is 0). */
  lastRoundBytes: number
  /** Duration of the last round, in seconds (ignored when `roundsDone` is 0). */
  lastRoundS: number
  /** Bytes the domain dirtied during the last round (ignored when `roundsDone` is 0). */
  dirtiedBytes: number
}

export type StopReason = 'converged' | 'max-rounds' | 'max-sent'

/** What to do next: another round while running, or the final round with the domain suspended. */
export type PreCopyStep =
  | { kind: 'iterate', round: number, bytes: number }
  | { kind: 'stop-and-copy', round: number, bytes: number, converged: boolean, reason: StopReason }

/** Throws `RangeError` naming the field unless the limits are usable. */
export function assertPreCopyLimits (limits: PreCopyLimits): void {
  if (!(limits.downtimeTargetS >= 0) || !Number.isFinite(limits.downtimeTargetS)) {
    throw new RangeError(`downtimeTargetS: expected a finite number >= 0, found ${limits.downtimeTargetS}`)
  }
  if (!Number.isInteger(limits.maxRounds) || limits.maxRounds < 1) throw new RangeError(`maxRounds: expected an integer >= 1, found ${limits.maxRounds}`)
  if (!(limits.maxSentFactor >= 1) || !Number.isFinite(limits.maxSentFactor)) {
    throw new RangeError(`maxSentFactor: expected a finite number >= 1, found ${limits.maxSentFactor}`)
  }
}

/**
 * The next step of pre-copy, from the progress so far. Pure.
 *
 * Round 1 sends all memory. After round `n`, the remainder is the memory
 * dirtied during round `n` (at most the memory size); the bandwidth estimate
 * is round `n`'s bytes over its duration. With `maxRounds` 1, the only round
 * is a stop-and-copy of the whole memory (a cold migration).
 */
export function nextPreCopyStep (progress: PreCopyProgress, limits: PreCopyLimits): PreCopyStep {
  const { memoryBytes, roundsDone } = progress
  if (roundsDone === 0) {
    if (limits.maxRounds <= 1) return { kind: 'stop-and-copy', round: 1, bytes: memoryBytes, converged: false, reason: 'max-rounds' }
    return { kind: 'iterate', round: 1, bytes: memoryBytes }
  }
  const round = roundsDone + 1
  const remainder = Math.min(memoryBytes, Math.max(0, progress.dirtiedBytes))
  const bandwidthBps = progress.lastRoundS > 0 ? progress.lastRoundBytes / progress.lastRoundS : Number.POSITIVE_INFINITY
  if (remainder === 0 || remainder / bandwidthBps <= limits.downtimeTargetS) {
    return { kind: 'stop-and-copy', round, bytes: remainder, converged: true, reason: 'converged' }
  }
  if (round >= limits.maxRounds) return { kind: 'stop-and-copy', round, bytes: remainder, converged: false, reason: 'max-rounds' }
  if (progress.sentBytes > limits.maxSentFactor * memoryBytes) return { kind: 'stop-and-copy', round, bytes: remainder, converged: false, reason: 'max-sent' }
  return { kind: 'iterate', round, bytes: remainder }
}

/** One round of a plan. */
export interface PlannedRound { round: number, bytes: number, durationS: number, final: boolean }

/** A whole migration computed at a fixed bandwidth. */
export interface PreCopyPlan {
  rounds: PlannedRound[]
  /** Memory bytes sent in all rounds. */
  memoryBytes: number
  totalS: number
  /** Duration of the stop-and-copy round. */
  downtimeS: number
  converged: boolean
  reason: StopReason
}

/**
 * Pre-copy at a fixed bandwidth: each round lasts `bytes / bandwidthBps +
 * roundOverheadS`, and the domain dirties `dirtyRateBps` during it. An
 * estimator; the simulator measures real rounds on the engine instead.
 */
export function planPreCopy (init: {
  memoryBytes: number
  dirtyRateBps: number
  bandwidthBps: number
  roundOverheadS?: number
  limits?: PreCopyLimits
}): PreCopyPlan {
  const limits = init.limits ?? XEN_PRE_COPY_LIMITS
  assertPreCopyLimits(limits)
  if (!(init.memoryBytes > 0)) throw new RangeError(`memoryBytes: expected > 0, found ${init.memoryBytes}`)
  if (!(init.bandwidthBps > 0)) throw new RangeError(`bandwidthBps: expected > 0, found ${init.bandwidthBps}`)
  if (!(init.dirtyRateBps >= 0)) throw new RangeError(`dirtyRateBps: expected >= 0, found ${init.dirtyRateBps}`)
  const overheadS = init.roundOverheadS ?? 0
  const rounds: PlannedRound[] = []
  const progress: PreCopyProgress = { memoryBytes: init.memoryBytes, roundsDone: 0, sentBytes: 0, lastRoundBytes: 0, lastRoundS: 0, dirtiedBytes: 0 }
  let totalS = 0
  for (;;) {
    const step = nextPreCopyStep(progress, limits)
    const durationS = step.bytes / init.bandwidthBps + overheadS
    totalS += durationS
    rounds.push({ round: step.round, bytes: step.bytes, durationS, final: step.kind === 'stop-and-copy' })
    progress.sentBytes += step.bytes
    if (step.kind === 'stop-and-copy') {
      return { rounds, memoryBytes: progress.sentBytes, totalS, downtimeS: durationS, converged: step.converged, reason: step.reason }
    }
    progress.roundsDone = step.round
    progress.lastRoundBytes = step.bytes
    progress.lastRoundS = durationS
    progress.dirtiedBytes = Math.min(init.memoryBytes, init.dirtyRateBps * durationS)
  }
}
