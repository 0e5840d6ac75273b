import { describe, it, expect } from 'vitest'
import { PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { PAPER_HADOOP } from '@xenos/hadoop-bench'
import type { Measurement } from '@xenos/experiment-interface'
import { simTestbedFactory } from '../testbeds/sim-testbed.js'
import { slots } from './slots.js'

describe('slots: the study the paper proposes (Pi with map and reduce slots per TaskTracker)', () => {
  it('deploys each point with its slots: with one map slot per TaskTracker, 120 maps take 120 / TaskTrackers heartbeat-paced waves', async () => {
    const testbed = await (await simTestbedFactory({ platformFile: PAPER_PLATFORM_FILE }))({ seed: 1 })
    let runs: Measurement[]
    try {
      runs = await slots.run(testbed, { seed: 1, repetition: 0, progress: () => {} })
    } finally {
      await testbed.close()
    }
    expect(runs).toHaveLength(4 * 4 * 2)
    const at = (setup: string, mapSlots: number, reduceSlots: number): number => {
      const r = runs.filter(x => x.setup === setup && x.params.mapSlots === mapSlots && x.params.reduceSlots === reduceSlots)
      expect(r).toHaveLength(1)
      return r[0]!.value
    }
    // VM1: 12 TaskTrackers; one map slot each is 12 slots, 120 maps are 10 waves, each ended on a 3 s heartbeat.
    expect(at('VM1', 1, 2)).toBeGreaterThanOrEqual(10 * PAPER_HADOOP.heartbeatS)
    expect(at('VM1-2VCPU', 1, 2)).toBeGreaterThanOrEqual(10 * PAPER_HADOOP.heartbeatS)
    // VM2 (24 TaskTrackers): 5 waves, VM4 (48): 3; one map JVM per guest fits its memory, so the waves decide.
    expect(at('VM2', 1, 2)).toBeGreaterThanOrEqual(5 * PAPER_HADOOP.heartbeatS)
    expect(at('VM2', 1, 2)).toBeLessThan(at('VM1', 1, 2) - 3 * PAPER_HADOOP.heartbeatS)
    expect(at('VM4', 1, 2)).toBeLessThan(at('VM2', 1, 2))
    for (const r of runs) expect(r.extra?.mapsLaunched).toBeGreaterThanOrEqual(120)
  })
})
