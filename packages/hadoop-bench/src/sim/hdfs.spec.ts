import { describe, it, expect } from 'vitest'
import { Engine, Random, definePlatform, type PlatformInput } from '@xenos/sim-engine'
import { SimHdfs } from './hdfs.js'
import { createLayout, simHadoopCluster } from './sim-cluster-layout.js'
import { loadCosts, type HadoopCosts } from './job-costs.js'
import { SETUPS, PAPER_HADOOP } from '../setups.js'
import type { Place, Substrate } from './substrate.js'

const MiB = 1024 * 1024
const DISK_BPS = 80e6
const SEEK_S = 8.33e-3
const RING_BYTES = 32 * 11 * 4096

/** Only what block placement uses: liveness and the seeded random source. */
function placementOnly (seed: number): Substrate {
  const rng = new Random(seed)
  const never = async (): Promise<void> => { throw new Error('placement-only substrate: no activities') }
  return {
    nowS: () => 0, sleep: never, random: () => rng.next(), keyedNormal: () => 0, exec: never, read: never, write: never, transfer: never,
    swap: never, memoryMiB: () => 0, setPageCacheBytes: () => {}, isRunning: () => true, settle: never
  }
}

/**
 * Xen hosts with an 80 MB/s disk (no zones) whose interleaving streams pay 12.5 ms of seek and
 * rotation per 1.4 MiB request (a guest's block ring), no CPU or latency costs.
 */
function platform (slaves: number): PlatformInput {
  return {
    name: 'colocation',
    network: { switchLatencyS: 0, tcpEfficiency: 1 },
    virtualization: { dom0DiskFlopsPerByte: 0, dom0NetFlopsPerByte: 0, diskLatencyS: 0, netLatencyS: 0 },
    pageCache: { dirtyRatio: 0.1, guestWorkingSetMiB: 256, dom0WorkingSetMiB: 256, nativeWorkingSetMiB: 512 },
    hostTypes: {
      box: {
        cores: 2, coreSpeedFlops: 2.53e9, memoryMiB: 2048, memoryBandwidthBps: 3e9, virtualized: true,
        dom0: { memoryMiB: 512, vcpus: 2 },
        disks: [{
          name: 'sda', capacityBytes: 500e9, readBps: DISK_BPS, writeBps: DISK_BPS,
          rpm: 7200, averageSeekS: SEEK_S, trackSeekS: SEEK_S, readRequestBytes: RING_BYTES, writeRequestBytes: RING_BYTES
        }],
        nic: { bandwidthBps: 125e6, latencyS: 0 }
      }
    },
    hosts: [{ name: 'master', type: 'box' }, { prefix: 'node', count: slaves, type: 'box' }]
  }
}

async function putSeconds (slaves: number, vmsPerHost: 1 | 2, sizeBytes: number, costs: HadoopCosts): Promise<number> {
  const engine = new Engine({ seed: 1, platform: definePlatform(platform(slaves)) })
  const setup = vmsPerHost === 1 ? SETUPS.VM1 : SETUPS.VM2
  const hosts = engine.hosts().map(h => h.name).filter(n => n !== 'master')
  const { hadoop } = simHadoopCluster({ engine, setup, layout: createLayout(engine, setup, 'master', hosts), settings: PAPER_HADOOP, costs })
  const result = hadoop.run({ kind: 'hdfs-put', sizeBytes })
  await engine.run()
  return (await result).durationS
}

describe('HDFS block placement on VMs (the source of VM2\'s spread in Figure 5)', () => {
  it('does not know which VMs share a host: with 2 VMs on each of 2 hosts, about a third of blocks put both replicas on one host', () => {
    const dns: Place[] = ['node01', 'node02'].flatMap(h => [1, 2].map(i => ({ id: `${h}/vm-${i}`, hostId: h })))
    const client: Place = { id: 'master/vm', hostId: 'master' }
    const hdfs = new SimHdfs(placementOnly(42), dns, 2, 64 * MiB, { flopsPerByte: 0, clientFlopsPerByte: 0 })
    const blocks = 3000
    let sameHost = 0
    for (let b = 0; b < blocks; b++) {
      const [first, second] = hdfs.chooseTargets(client)
      expect(first?.id).not.toBe(second?.id)
      if (first?.hostId === second?.hostId) sameHost++
    }
    // The second replica is one of the 3 other VMs, 1 of which shares the first's host.
    expect(sameHost / blocks).toBeGreaterThan(0.30)
    expect(sameHost / blocks).toBeLessThan(0.37)
  })

  it('a block whose two replicas land on one host writes both through one disk at once, interleaved: slower than over two hosts', async () => {
    const costs = structuredClone(await loadCosts())
    costs.hdfs.flopsPerByte = 0
    costs.hdfs.clientFlopsPerByte = 0
    const size = 4 * 64 * MiB
    // One host with two VMs: every block's replicas share its disk (two write streams).
    const oneHost = await putSeconds(1, 2, size, costs)
    // Two hosts with one VM each: each replica has a disk of its own.
    const twoHosts = await putSeconds(2, 1, size, costs)
    expect(oneHost).toBeGreaterThan(twoHosts * 1.5)
    // Two replicas of every block through one disk, each ring of requests after a seek and half a
    // revolution, bound it from below.
    const perRing = RING_BYTES / DISK_BPS + SEEK_S + 30 / 7200
    expect(oneHost).toBeGreaterThan(2 * size / RING_BYTES * perRing * 0.95)
  })
})
