/**
 * The HDFS findings of the paper (Figures 4 and 5) on the shipped platform:
 * both experiments run once (seed 1) on the simulated paper cluster and the
 * findings are judged on their runs, as `xenos paper` does with 3 seeds.
 *
 * Only C1 and C3 are asserted to PASS. C2 and C4 FAIL on this platform, for
 * reasons the last two tests pin as behaviour (not as verdicts): at 4 and 8
 * GB PHY and VM1 are bound by the same client disk; VM4 with 4 datanodes
 * writes every replica to one host's disk.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { Engine, loadPlatform, PAPER_PLATFORM_FILE, type Platform } from '@xenos/sim-engine'
import { hdfsDatanodes, hdfsDatasize } from '../src/definitions/index.js'
import { runOnShippedPlatform, type ShippedRun } from './shipped-paper.js'

let shipped: ShippedRun
let platform: Platform

/** The duration of one point (one repetition, so its one run). */
const duration = (experiment: string, setup: string, params: Record<string, string | number>): number => shipped.run(experiment, setup, params).value

describe('the paper\'s HDFS findings on the shipped platform (Figures 4 and 5, one seed)', () => {
  beforeAll(async () => {
    shipped = await runOnShippedPlatform([hdfsDatasize, hdfsDatanodes])
    platform = await loadPlatform(PAPER_PLATFORM_FILE)
  })

  it('C1: PHY beats VM1 for HDFS write and read at 1, 4 and 8 GB', () => {
    expect(shipped.finding('C1').status).toBe('PASS')
  })

  it('C3: PHY beats VM1, VM2 and VM4 for write and read at 4, 8 and 12 datanodes', () => {
    expect(shipped.finding('C3').status).toBe('PASS')
  })

  it('Figure 4 at 4 and 8 GB: a put runs at the client disk\'s rate,'
    + ' VM1 slower only by the split driver\'s round trip per readahead window (why C2 fails)', () => {
    const GiB = 1024 ** 3
    // The client (the master host, or its guest) reads at the zone its files lie in: the host's own files at
    // the position drawn from the repetition's seed (1), the master guest's image in the host's first image slot.
    const master = new Engine({ seed: 0, placementSeed: 1, platform }).host('master')
    const diskBps = master.disks[0]!.rateBps('read', master.diskPosition)
    const vmDiskBps = master.disks[0]!.rateBps('read', master.placeImage())
    // A guest waits diskLatencyS per diskReadWindowBytes it reads from its disk.
    const { diskLatencyS, diskReadWindowBytes } = platform.virtualization
    if (diskReadWindowBytes === undefined) throw new Error('expected the paper platform to give diskReadWindowBytes, found none')
    const guestBps = 1 / (1 / vmDiskBps + diskLatencyS / diskReadWindowBytes)
    const putBps = (setup: string, gb: number): number => gb * GiB / duration('hdfs-datasize', setup, { dataSizeGB: gb, op: 'write' })
    for (const gb of [4, 8]) {
      // The put's input is larger than any page cache: it streams from the client's disk;
      // the datanodes' pipeline and the 1 GbE link are faster.
      expect(putBps('PHY', gb) / diskBps).toBeCloseTo(1, 2)
      expect(putBps('VM1', gb) / guestBps).toBeCloseTo(1, 2)
    }
    // So the relative gap is the same at 4 and 8 GB: it does not grow, as the paper saw it do.
    const gap = (gb: number): number => putBps('PHY', gb) / putBps('VM1', gb) - 1
    expect(gap(8)).toBeCloseTo(gap(4), 3)
  })

  it('Figure 5: VM4 with 4 datanodes puts every replica on one host\'s disk, so its write gap is largest at 4 (why C4 fails)', () => {
    const phy4 = duration('hdfs-datanodes', 'PHY', { datanodes: 4, op: 'write' })
    const vm4at4 = duration('hdfs-datanodes', 'VM4', { datanodes: 4, op: 'write' })
    const phy12 = duration('hdfs-datanodes', 'PHY', { datanodes: 12, op: 'write' })
    const vm4at12 = duration('hdfs-datanodes', 'VM4', { datanodes: 12, op: 'write' })
    // 1 GiB with two replicas is 2 GiB on one disk: at least 2 GiB at the disk's write rate (its outermost tracks').
    expect(vm4at4).toBeGreaterThan(2 * 1024 ** 3 / platform.hosts[0]!.disks[0]!.writeBps)
    expect((vm4at4 - phy4) / phy4).toBeGreaterThan((vm4at12 - phy12) / phy12)
  })
})
