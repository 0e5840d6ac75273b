/**
 * The scale scenario (`clusterScale`: the benchmark's and `xenos sim-scale`'s), at a small scale: it runs to the end
 * (manual mode, `SimCluster.settle`), every migration lands, and two runs
 * with one seed give identical simulated figures (wall time and memory
 * aside, which the benchmark measures and no test asserts).
 */
import { describe, expect, it } from 'vitest'
import { clusterScale, type ClusterScaleFigures } from '../src/index.js'

function simulated (f: ClusterScaleFigures): Partial<ClusterScaleFigures> {
  const { bootWallS: _b, migrateWallS: _m, totalWallS: _t, bootCpuS: _bc, migrateCpuS: _mc, peakRssMiB: _r, peakHeapMiB: _h, ...rest } = f
  return rest
}

describe('scale scenario: a cluster boots, then migrates', () => {
  it.each(['pre-copy', 'stop-and-copy'] as const)('runs to the end and is deterministic (%s)', async (storage) => {
    const options = { hosts: 24, vmsPerHost: 4, migrations: 16, storage, imageBytes: 256 * 1024 * 1024 }
    const first = await clusterScale(options)
    expect(first.domains).toBe(96)
    expect(first.migrations).toBe(16)
    expect(first.bootSimS).toBeGreaterThan(0)
    expect(first.meanMigrationS).toBeGreaterThan(0)
    if (storage === 'pre-copy') expect(first.meanDowntimeS).toBeLessThan(1)
    else expect(first.meanDowntimeS).toBeCloseTo(first.meanMigrationS, 9)
    expect(simulated(await clusterScale(options))).toEqual(simulated(first))
  })
})
