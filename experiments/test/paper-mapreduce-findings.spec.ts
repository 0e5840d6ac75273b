/**
 * The MapReduce findings of the paper (Figures 6, 7 and 8) on the shipped
 * platform: Wordcount, Sort and Pi run once (seed 1) on the simulated paper
 * cluster and the findings are judged on their runs, as `xenos paper` does
 * with 3 seeds.
 *
 * C5, C7 and C9 are asserted to PASS. C6 (Sort slower on VM2 and VM4) FAILs
 * on this platform; the Sort test pins the behaviour behind that verdict
 * (not the verdict): every setup moves the same bytes per host. The Pi test
 * pins what the guests' memory does to Figure 8: each map's io.sort.mb
 * pages part of a 384 MiB guest out, and on one VCPU that pushes maps past
 * a heartbeat, which a second VCPU undoes.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { PAPER_HADOOP } from '@xenos/hadoop-bench'
import { pi, sort, wordcount } from '../src/definitions/index.js'
import { runOnShippedPlatform, type ShippedRun } from './shipped-paper.js'

let shipped: ShippedRun

const run: ShippedRun['run'] = (experiment, setup, params) => shipped.run(experiment, setup, params)

describe('the paper\'s MapReduce findings on the shipped platform (Figures 6, 7 and 8, one seed)', () => {
  beforeAll(async () => {
    shipped = await runOnShippedPlatform([wordcount, sort, pi])
  })

  it('C5: Wordcount is faster on VM2 and VM4 than on VM1, and fastest on PHY, at 1 and 8 GB', () => {
    expect(shipped.finding('C5').status).toBe('PASS')
  })

  it('C7: Pi on VM2 and VM4 takes at most 85% of its time on VM1', () => {
    expect(shipped.finding('C7').status).toBe('PASS')
  })

  it('C9: Pi on PHY restricted to one core is at most 5% slower than on two', () => {
    expect(shipped.finding('C9').status).toBe('PASS')
  })

  it('Figure 7: every setup shuffles and writes the same bytes on the same 12 hosts (why C6 needs a contention that grows with guests per host)', () => {
    for (const gb of [1, 8]) {
      const vm1 = run('sort', 'VM1', { dataSizeGB: gb })
      for (const setup of ['PHY', 'VM2', 'VM4']) {
        const other = run('sort', setup, { dataSizeGB: gb })
        // Sort's identity map: every input byte is shuffled once and written with two replicas.
        expect(other.extra?.shuffleBytes).toBeCloseTo(Number(vm1.extra?.shuffleBytes), -3)
        expect(other.extra?.hdfsBytesWritten).toBeCloseTo(Number(vm1.extra?.hdfsBytesWritten), -3)
        expect(Number(other.extra?.shuffleBytes)).toBeGreaterThanOrEqual(gb * 1024 ** 3 * 0.99)
      }
    }
  })

  it('Figure 8: Pi on VM1 with 2 VCPUs is faster than VM1 by more than a heartbeat: swap writes after two JVM starts on one VCPU miss the heartbeat', () => {
    const vm1 = run('pi', 'VM1', { maps: 120, samplesPerMap: 10000 }).value
    const twoVcpus = run('pi', 'VM1-2VCPU', { maps: 120, samplesPerMap: 10000 }).value
    const phy = run('pi', 'PHY', { maps: 120, samplesPerMap: 10000 }).value
    // 120 maps on 24 slots: at least 5 waves, each reported on a 3 s heartbeat.
    expect(twoVcpus).toBeGreaterThanOrEqual(5 * PAPER_HADOOP.heartbeatS)
    expect(vm1 - twoVcpus).toBeGreaterThan(PAPER_HADOOP.heartbeatS)
    // PHY's 2 GiB hold every JVM: it runs the waves of VM1-2VCPU, within a heartbeat.
    expect(Math.abs(phy - twoVcpus)).toBeLessThan(PAPER_HADOOP.heartbeatS)
  })
})
