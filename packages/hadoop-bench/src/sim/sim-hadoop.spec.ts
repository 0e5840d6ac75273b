import { describe, it, expect } from 'vitest'
import { Engine, definePlatform, type PlatformInput } from '@xenos/sim-engine'
import { createLayout, simHadoopCluster } from './sim-cluster-layout.js'
import { ConfigFileError } from '@xenos/config-file'
import { parseCosts, loadCosts, type HadoopCosts } from './job-costs.js'
import { SETUPS, PAPER_HADOOP, type ClusterSetup } from '../setups.js'
import type { JobResult, JobSpec } from '../jobs.js'

const MB = 1e6
const MiB = 1024 * 1024

/** A small native cluster: a master and `slaves` hosts, 100 MB/s NICs, fast disks, lots of memory. */
function platform (slaves: number, virtualized = false): PlatformInput {
  return {
    name: 'tiny',
    network: { switchLatencyS: 0, tcpEfficiency: 1 },
    virtualization: { dom0DiskFlopsPerByte: 0, dom0NetFlopsPerByte: 0, diskLatencyS: 0, netLatencyS: 0 },
    pageCache: { dirtyRatio: 0.5, guestWorkingSetMiB: 0, dom0WorkingSetMiB: 0, nativeWorkingSetMiB: 0 },
    hostTypes: {
      box: {
        cores: 2, coreSpeedFlops: 1e9, memoryMiB: 65536, memoryBandwidthBps: 1e12, virtualized,
        dom0: { memoryMiB: virtualized ? 512 : 0, vcpus: 1 },
        disks: [{ name: 'sda', capacityBytes: 1e12, readBps: 1e9, writeBps: 1e9 }],
        nic: { bandwidthBps: 100 * MB, latencyS: 0 }
      }
    },
    hosts: [{ name: 'master', type: 'box' }, { prefix: 'node', count: slaves, type: 'box' }]
  }
}

/** The shipped costs with every CPU cost at zero, so only I/O and scheduling remain. */
async function ioOnlyCosts (): Promise<HadoopCosts> {
  const c = structuredClone(await loadCosts())
  c.framework.jvmStartFlops = 0
  c.framework.setupTaskFlops = 0
  c.framework.cleanupTaskFlops = 0
  c.framework.jobJarBytes = 0
  c.hdfs.flopsPerByte = 0
  c.hdfs.clientFlopsPerByte = 0
  return c
}

async function run (p: PlatformInput, setup: ClusterSetup, job: JobSpec, costs: HadoopCosts, seed = 1): Promise<JobResult> {
  const engine = new Engine({ seed, platform: definePlatform(p) })
  const slaves = engine.hosts().map(h => h.name).filter(n => n !== 'master')
  const { hadoop } = simHadoopCluster({ engine, setup, layout: createLayout(engine, setup, 'master', slaves), settings: PAPER_HADOOP, costs })
  const result = hadoop.run(job)
  await engine.run()
  return await result
}

describe('simulated HDFS', () => {
  it('a put streams each block through the client\'s NIC: size / NIC bandwidth', async () => {
    const size = 4 * 64 * MiB
    const r = await run(platform(4), SETUPS.PHY, { kind: 'hdfs-put', sizeBytes: size }, await ioOnlyCosts())
    // Every block leaves the master once over its 100 MB/s up-link; disks (1 GB/s) and memory are faster.
    const expected = size / (100 * MB)
    expect(r.durationS).toBeGreaterThan(expected * 0.99)
    expect(r.durationS).toBeLessThan(expected * 1.05)
    expect(r.counters.hdfsBytesWritten).toBe(size * 2)
  })

  it('a get reads every block once, over the master\'s down-link', async () => {
    const size = 2 * 64 * MiB
    const r = await run(platform(3), SETUPS.PHY, { kind: 'hdfs-get', sizeBytes: size }, await ioOnlyCosts())
    const expected = size / (100 * MB)
    expect(r.durationS).toBeGreaterThan(expected * 0.99)
    expect(r.durationS).toBeLessThan(expected * 1.05)
    expect(r.counters.hdfsBytesRead).toBe(size)
  })
})

describe('simulated MapReduce', () => {
  it('runs a map per block and reports on heartbeats (setup, maps, reduce, cleanup: at least 4 heartbeats)', async () => {
    const r = await run(platform(4), SETUPS.PHY, { kind: 'wordcount', inputBytes: 6 * 64 * MiB }, await ioOnlyCosts())
    expect(r.counters.mapsLaunched).toBe(6)
    expect(r.counters.reducesLaunched).toBe(1)
    expect(r.counters.mapsFailed).toBe(0)
    expect(r.durationS).toBeGreaterThanOrEqual(4 * PAPER_HADOOP.heartbeatS * 0.99)
    expect(r.counters.dataLocalMaps).toBeGreaterThan(0)
  })

  it('more VMs per host give Pi more slots and fewer waves (the paper\'s Figure 8 mechanism)', async () => {
    const costs = await loadCosts()
    const job: JobSpec = { kind: 'pi', maps: 48, samplesPerMap: 10000 }
    const vm1 = await run(platform(4, true), SETUPS.VM1, job, costs)
    const vm4 = await run(platform(4, true), SETUPS.VM4, job, costs)
    expect(vm1.counters.mapsLaunched).toBe(48)
    expect(vm4.durationS).toBeLessThan(vm1.durationS)
  })

  it('is deterministic: same seed, same result bytes; another seed may differ', async () => {
    const costs = await loadCosts()
    const job: JobSpec = { kind: 'sort', inputBytes: 256 * MiB }
    const a = JSON.stringify(await run(platform(3, true), SETUPS.VM2, job, costs, 7))
    const b = JSON.stringify(await run(platform(3, true), SETUPS.VM2, job, costs, 7))
    expect(a).toBe(b)
  })
})

describe('cost file', () => {
  it('names file, line and field of a bad value', () => {
    const text = 'framework:\n  jvmStartFlops: -1\n'
    try {
      parseCosts(text, 'bad.yaml')
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigFileError)
      const first = (err as ConfigFileError).errors.find(e => e.field === 'framework.jvmStartFlops')
      expect(first?.line).toBe(2)
      expect(first?.message).toBe('bad.yaml:2:18: framework.jvmStartFlops: expected a number >= 0, found number -1')
    }
  })

  it('the shipped file is valid', async () => {
    const c = await loadCosts()
    expect(c.jobs.wordcount.reduces).toEqual({ fixed: 1 })
  })
})
