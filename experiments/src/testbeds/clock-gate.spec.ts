import { describe, it, expect } from 'vitest'
import { Engine, PAPER_PLATFORM_FILE, loadPlatform } from '@xenos/sim-engine'
import { SimCluster } from '@xenos/sim-driver'
import { ClockGate } from './clock-gate.js'

const realDelay = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('ClockGate', () => {
  it('holds simulated time while a control-plane call does real-time work, and frees it inside sim()', async () => {
    const cluster = new SimCluster({ platform: await loadPlatform(PAPER_PLATFORM_FILE), seed: 1 })
    const engine = cluster.engine
    const gate = new ClockGate(engine)
    try {
      // Simulated work that would finish in 10 s of simulated time if the clock ran.
      const busy = engine.sleep(10)
      busy.start()
      await gate.call('api:test', async () => {
        const t0 = engine.nowS()
        await realDelay(30)
        expect(engine.nowS()).toBe(t0)
        await gate.sim(engine.sleep(5).wait())
        expect(engine.nowS()).toBeCloseTo(t0 + 5, 6)
        await realDelay(30)
        expect(engine.nowS()).toBeCloseTo(t0 + 5, 6)
      })
      await busy.wait()
      expect(engine.nowS()).toBeCloseTo(10, 6)
      const t = gate.timing('api:')
      expect(t.calls).toBe(1)
      // About 60 ms of real-time work (the wait inside sim() is not counted).
      expect(t.maxS).toBeGreaterThanOrEqual(0.05)
      expect(t.maxS).toBeLessThan(1)
      expect(t.heldS).toBeGreaterThanOrEqual(0.05)
      expect(gate.timing('other:').calls).toBe(0)
    } finally {
      await cluster.close()
    }
  })

  it('a gated driver lets the gate go while a driver call awaits simulated work (no deadlock)', async () => {
    const platform = await loadPlatform(PAPER_PLATFORM_FILE)
    // A same-disk copy of 1 GB: a read and a write stream on node01's disk, timed on a bare engine of the same seed.
    const bare = new Engine({ seed: 1, platform })
    bare.io({ on: bare.host('node01'), op: 'read', bytes: 1e9 }).start()
    bare.io({ on: bare.host('node01'), op: 'write', bytes: 1e9 }).start()
    await bare.run()
    const cluster = new SimCluster({ platform, seed: 1 })
    const gate = new ClockGate(cluster.engine)
    try {
      const driver = gate.driver(cluster.driver('node01'))
      expect(driver.hostname).toBe('node01')
      await driver.createImage('a.img', 1e9)
      const t0 = cluster.engine.nowS()
      await gate.call('api:copy', async () => { await driver.copyImage('a.img', 'b.img') })
      expect((cluster.engine.nowS() - t0) / bare.nowS()).toBeCloseTo(1, 2)
    } finally {
      await cluster.close()
    }
  })
})
