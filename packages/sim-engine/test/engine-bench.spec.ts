/** The engine benchmark scenarios at small scale: they run, count what they claim, and are deterministic. */
import { describe, it, expect } from 'vitest'
import { bareEngine, concurrentFlows, timersWithFlows } from '../bench/engine.bench.js'

describe('engine benchmark scenarios (small)', () => {
  it('bare engine runs the number of events asked', async () => {
    const r = await bareEngine(20_000, 100)
    expect(r.events).toBe(20_000 - 1)
  })

  it('concurrent flows keep the concurrency and complete them all, the same way twice', async () => {
    const a = await concurrentFlows(300, 50, 20)
    const b = await concurrentFlows(300, 50, 20)
    expect(a.completions).toBe(300)
    expect(a.starts).toBe(300)
    expect(a.simS).toBe(b.simS)
    expect(a.solves).toBe(b.solves)
  })

  it('timers run while flows stay in flight', async () => {
    const r = await timersWithFlows(20_000, 100, 20)
    expect(r.flowsInFlight).toBe(100)
    expect(r.events).toBeGreaterThanOrEqual(20_000 - 20)
  })
})
