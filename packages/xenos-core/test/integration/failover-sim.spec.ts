/**
 * The failover measurement's simulation (bench/failover-sim.ts) checked on
 * a small case: a real coordinator on each of 13 simulated hosts (its
 * failover agent, the framework's membership, checkpoints fetched by
 * guardians over the image port) on the engine's clock, 6 `resume` services
 * on the host that fails. What must hold whatever the numbers: every service
 * runs again, from its checkpoint, after the membership declared the host
 * failed plus the takeover delay, never two copies at once, a cut-off host
 * pauses before any copy runs elsewhere and destroys every stale copy when
 * it heals, and the same seed gives the same result.
 */
import { describe, expect, it } from 'vitest'
import { runFailoverSim } from '../../bench/failover-sim.js'

const TAKEOVER_DELAY_S = 10

describe('failover on a simulated cluster', () => {
  it('a crashed host\'s services all run again, once each, from checkpoints, after detection and the takeover delay; deterministic', async () => {
    const init = { seed: 3, services: 6, warmupS: 60, afterS: 60, policy: { checkpointIntervalS: 20 } }
    const r = await runFailoverSim(init)
    expect(r.takeovers).toBe(6)
    expect(r.runningAtEnd).toBe(6)
    expect(r.maxCopies).toBe(1)
    expect(r.declaredS).toBeGreaterThan(0)
    for (const t of r.recoverS) expect(t).toBeGreaterThanOrEqual(r.declaredS + TAKEOVER_DELAY_S)
    expect(r.workLostS).toHaveLength(6)
    expect(r.restarted).toBe(0)
    for (const w of r.workLostS) expect(w).toBeGreaterThan(0)
    // each checkpoint reached both guardians: at least two copies of one per service
    expect(r.bytesBefore).toBeGreaterThanOrEqual(6 * 2 * 64 * 1024 * 1024)
    expect(await runFailoverSim(init)).toEqual(r)
  })

  it('a host cut off for a while pauses its guests before any survivor takes them over, and destroys every stale copy once back', async () => {
    const r = await runFailoverSim({ seed: 4, services: 6, warmupS: 60, afterS: 90, fault: 'partition', partitionS: 45, policy: { checkpointIntervalS: 20 } })
    expect(r.fencedS).toBeDefined()
    expect(r.firstElsewhereS).toBeDefined()
    expect(r.fencedS!).toBeLessThan(r.firstElsewhereS!)
    expect(r.maxCopies).toBe(1)
    expect(r.takeovers).toBe(6)
    expect(r.staleDiscarded).toBe(6)
    expect(r.runningAtEnd).toBe(6)
  })
})
