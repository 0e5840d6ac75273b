import { describe, it, expect } from 'vitest'
import { nextPreCopyStep, planPreCopy, XEN_PRE_COPY_LIMITS, type PreCopyProgress } from './pre-copy.js'

const MiB = 1024 * 1024
const memoryBytes = 384 * MiB
const gbeBps = 125e6

function after (p: Partial<PreCopyProgress>): PreCopyProgress {
  return { memoryBytes, roundsDone: 1, sentBytes: memoryBytes, lastRoundBytes: memoryBytes, lastRoundS: memoryBytes / gbeBps, dirtiedBytes: 0, ...p }
}

describe('nextPreCopyStep', () => {
  it('sends the whole memory in round 1', () => {
    expect(nextPreCopyStep(after({ roundsDone: 0, sentBytes: 0 }), XEN_PRE_COPY_LIMITS)).toEqual({ kind: 'iterate', round: 1, bytes: memoryBytes })
  })

  it('stops when the dirtied memory fits the downtime target at the last round\'s bandwidth', () => {
    const fits = 0.3 * gbeBps * 0.99
    expect(nextPreCopyStep(after({ dirtiedBytes: fits }), XEN_PRE_COPY_LIMITS)).toMatchObject({ kind: 'stop-and-copy', round: 2, bytes: fits, converged: true })
    const tooBig = 0.3 * gbeBps * 1.01
    expect(nextPreCopyStep(after({ dirtiedBytes: tooBig }), XEN_PRE_COPY_LIMITS)).toEqual({ kind: 'iterate', round: 2, bytes: tooBig })
  })

  it('bounds the remainder by the memory size', () => {
    expect(nextPreCopyStep(after({ dirtiedBytes: 10 * memoryBytes }), XEN_PRE_COPY_LIMITS)).toEqual({ kind: 'iterate', round: 2, bytes: memoryBytes })
  })

  it('ends at the round limit, the final round counted', () => {
    const step = nextPreCopyStep(after({ roundsDone: 29, sentBytes: 2 * memoryBytes, dirtiedBytes: 100 * MiB }), XEN_PRE_COPY_LIMITS)
    expect(step).toMatchObject({ kind: 'stop-and-copy', round: 30, converged: false, reason: 'max-rounds' })
  })

  it('ends once more than 3x the memory has been sent', () => {
    expect(nextPreCopyStep(after({ roundsDone: 3, sentBytes: 3 * memoryBytes, dirtiedBytes: memoryBytes }), XEN_PRE_COPY_LIMITS).kind).toBe('iterate')
    expect(nextPreCopyStep(after({ roundsDone: 4, sentBytes: 3 * memoryBytes + 1, dirtiedBytes: memoryBytes }), XEN_PRE_COPY_LIMITS))
      .toMatchObject({ kind: 'stop-and-copy', round: 5, bytes: memoryBytes, converged: false, reason: 'max-sent' })
  })

  it('makes a cold migration of one round when maxRounds is 1', () => {
    expect(nextPreCopyStep(after({ roundsDone: 0, sentBytes: 0 }), { ...XEN_PRE_COPY_LIMITS, maxRounds: 1 }))
      .toMatchObject({ kind: 'stop-and-copy', round: 1, bytes: memoryBytes })
  })
})

describe('planPreCopy', () => {
  it('an idle domain converges after one round: time = memory / bandwidth + one small round', () => {
    const dirtyRateBps = 1 * MiB
    const plan = planPreCopy({ memoryBytes, dirtyRateBps, bandwidthBps: gbeBps })
    const round1S = memoryBytes / gbeBps
    const dirtied = dirtyRateBps * round1S
    expect(plan.converged).toBe(true)
    expect(plan.rounds.map(r => r.round)).toEqual([1, 2])
    expect(plan.downtimeS).toBeCloseTo(dirtied / gbeBps, 9)
    expect(plan.totalS).toBeCloseTo(round1S + dirtied / gbeBps, 9)
    expect(plan.memoryBytes).toBeCloseTo(memoryBytes + dirtied, 3)
  })

  it('a geometric series while the dirty rate is below the bandwidth', () => {
    // Each round lasts (previous round) x ratio, ratio = dirtyRate / bandwidth.
    const ratio = 0.5
    const plan = planPreCopy({ memoryBytes, dirtyRateBps: ratio * gbeBps, bandwidthBps: gbeBps })
    for (let i = 1; i < plan.rounds.length; i++) {
      expect(plan.rounds[i]?.bytes).toBeCloseTo((plan.rounds[i - 1]?.bytes ?? 0) * ratio, 3)
    }
    expect(plan.converged).toBe(true)
    expect(plan.downtimeS).toBeLessThanOrEqual(0.3)
    // Stops at the first round whose remainder fits 0.3 s: memory x ratio^(n-1) <= 0.3 x bandwidth.
    const n = Math.ceil(Math.log(0.3 * gbeBps / memoryBytes) / Math.log(ratio)) + 1
    expect(plan.rounds.length).toBe(n)
  })

  it('a dirty rate above the bandwidth never converges and ends by a limit with the whole memory as downtime', () => {
    const plan = planPreCopy({ memoryBytes, dirtyRateBps: 2 * gbeBps, bandwidthBps: gbeBps })
    expect(plan.converged).toBe(false)
    expect(plan.reason).toBe('max-sent')
    // Rounds 1..4 send the whole memory each (4x > 3x), then the final round sends it again.
    expect(plan.rounds.length).toBe(5)
    expect(plan.downtimeS).toBeCloseTo(memoryBytes / gbeBps, 9)
  })

  it('ends by the round count when the sent factor is no limit', () => {
    const plan = planPreCopy({ memoryBytes, dirtyRateBps: 0.99 * gbeBps, bandwidthBps: gbeBps, limits: { ...XEN_PRE_COPY_LIMITS, maxSentFactor: 1000 } })
    expect(plan.rounds.length).toBe(30)
    expect(plan.reason).toBe('max-rounds')
  })

  it('rejects bad inputs', () => {
    expect(() => planPreCopy({ memoryBytes: 0, dirtyRateBps: 0, bandwidthBps: 1 })).toThrow(/memoryBytes/)
    const limits = { downtimeTargetS: 1, maxRounds: 0, maxSentFactor: 3 }
    expect(() => planPreCopy({ memoryBytes: 1, dirtyRateBps: 0, bandwidthBps: 1, limits })).toThrow(/maxRounds/)
  })
})
