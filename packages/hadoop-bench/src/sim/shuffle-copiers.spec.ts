/**
 * The shuffle's copiers: a reduce fetches map outputs with
 * `parallelCopies` copier threads and never two at once from the same
 * TaskTracker (Hadoop 0.20's ReduceTask.ReduceCopier keeps a set of hosts
 * being copied from).
 */
import { describe, it, expect } from 'vitest'
import { Engine, definePlatform, type PlatformInput } from '@xenos/sim-engine'
import { EngineSubstrate } from './engine-substrate.js'
import { SimHdfs } from './hdfs.js'
import { SimMapReduce, type MrJob, type TaskTrackerNode } from './mapreduce.js'
import { loadCosts } from './job-costs.js'
import type { Place, Substrate } from './substrate.js'
import { PAPER_HADOOP } from '../setups.js'

const MB = 1e6

/** Native hosts with fast disks and CPUs, and 10 MB/s NICs so that fetches overlap. */
function platform (slaves: number): PlatformInput {
  return {
    name: 'copiers',
    network: { switchLatencyS: 0, tcpEfficiency: 1 },
    virtualization: { dom0DiskFlopsPerByte: 0, dom0NetFlopsPerByte: 0, diskLatencyS: 0, netLatencyS: 0 },
    pageCache: { dirtyRatio: 0.5, guestWorkingSetMiB: 0, dom0WorkingSetMiB: 0, nativeWorkingSetMiB: 0 },
    hostTypes: {
      box: {
        cores: 2, coreSpeedFlops: 1e9, memoryMiB: 65536, memoryBandwidthBps: 1e12, virtualized: false,
        dom0: { memoryMiB: 0, vcpus: 1 },
        disks: [{ name: 'sda', capacityBytes: 1e12, readBps: 1e9, writeBps: 1e9 }],
        nic: { bandwidthBps: 10 * MB, latencyS: 0 }
      }
    },
    hosts: [{ name: 'master', type: 'box' }, { prefix: 'node', count: slaves, type: 'box' }]
  }
}

/** Counts shuffle fetches in flight into `to`: in total and per source place. */
function counting (sub: Substrate): { sub: Substrate, maxInFlight: () => number, maxFromOnePlace: () => number } {
  const perSource = new Map<string, number>()
  let inFlight = 0
  let maxInFlight = 0
  let maxFromOne = 0
  const wrapped: Substrate = Object.create(sub) as Substrate
  wrapped.transfer = async (from: Place, to: Place, bytes: number): Promise<void> => {
    inFlight++
    perSource.set(from.id, (perSource.get(from.id) ?? 0) + 1)
    maxInFlight = Math.max(maxInFlight, inFlight)
    maxFromOne = Math.max(maxFromOne, perSource.get(from.id)!)
    try {
      await sub.transfer(from, to, bytes)
    } finally {
      inFlight--
      perSource.set(from.id, perSource.get(from.id)! - 1)
    }
  }
  return { sub: wrapped, maxInFlight: () => maxInFlight, maxFromOnePlace: () => maxFromOne }
}

describe('shuffle copiers', () => {
  it('a reduce fetches with parallelCopies copiers, never two at once from one TaskTracker', async () => {
    const engine = new Engine({ seed: 3, platform: definePlatform(platform(8)) })
    const base = new EngineSubstrate(engine)
    const { sub, maxInFlight, maxFromOnePlace } = counting(base)
    const master = base.hostPlace(engine.host('master'))
    const places = engine.hosts().filter(h => h.name !== 'master').map(h => base.hostPlace(h))
    const nodes: TaskTrackerNode[] = places.map(place => ({ place, mapSlots: 2, reduceSlots: 1 }))
    const costs = structuredClone(await loadCosts())
    costs.framework.jobJarBytes = 0
    costs.framework.jvmStartFlops = 0
    costs.framework.setupTaskFlops = 0
    costs.framework.cleanupTaskFlops = 0
    costs.framework.reduceSlowstart = 1
    const hdfs = new SimHdfs(sub, places, 1, 64 * 1024 * 1024, costs.hdfs)
    const mr = new SimMapReduce({ sub, hdfs, master, nodes, heartbeatS: 3, costs, settings: PAPER_HADOOP })
    // 32 maps of 4 MB output on 8 trackers (2 slots each): 4 outputs per tracker; one reduce, no output.
    const job: MrJob = {
      name: 'copiers',
      maps: Array.from({ length: 32 }, () => ({ flops: 1e6, outputBytes: 4 * MB, hdfsOutputBytes: 0 })),
      reduces: 1,
      reduceFlopsPerByte: 0,
      reduceOutputRatio: 0,
      outputPath: '/out'
    }
    const result = mr.run(job)
    await engine.run()
    const r = await result
    expect(r.counters.shuffleBytes).toBeCloseTo(32 * 4 * MB, -3)
    // 7 other trackers hold outputs: 5 copiers run at once, one per tracker.
    expect(maxFromOnePlace()).toBe(1)
    expect(maxInFlight()).toBe(costs.framework.parallelCopies)
  })
})

describe('reduce-side merge (Hadoop 0.20: reduce.input.buffer.percent 0.0)', () => {
  it('writes every shuffled byte to the reducer\'s local disk and reads it back before the reduce', async () => {
    const engine = new Engine({ seed: 5, platform: definePlatform(platform(4)) })
    const base = new EngineSubstrate(engine)
    const written = new Map<string, number>()
    const read = new Map<string, number>()
    const sub: Substrate = Object.create(base) as Substrate
    sub.write = async (place: Place, bytes: number, key: string): Promise<void> => {
      if (key.startsWith('shuffle:')) written.set(key, (written.get(key) ?? 0) + bytes)
      await base.write(place, bytes, key)
    }
    sub.read = async (place: Place, bytes: number, key: string): Promise<void> => {
      if (key.startsWith('shuffle:')) {
        // a spill is read back only once it is on disk, whole
        expect(written.get(key)).toBe(bytes)
        read.set(key, (read.get(key) ?? 0) + bytes)
      }
      await base.read(place, bytes, key)
    }
    const master = base.hostPlace(engine.host('master'))
    const places = engine.hosts().filter(h => h.name !== 'master').map(h => base.hostPlace(h))
    const costs = structuredClone(await loadCosts())
    costs.framework.jobJarBytes = 0
    const hdfs = new SimHdfs(sub, places, 1, 64 * 1024 * 1024, costs.hdfs)
    const nodes = places.map(place => ({ place, mapSlots: 2, reduceSlots: 1 }))
    const mr = new SimMapReduce({ sub, hdfs, master, nodes, heartbeatS: 3, costs, settings: PAPER_HADOOP })
    // 8 maps of 30 MB output, 2 reduces: 120 MB per reduce, under its 140 MiB shuffle buffer,
    // so only the 0.20 rule (nothing kept in memory for the reduce) puts it on disk.
    const result = mr.run({
      name: 'merge',
      maps: Array.from({ length: 8 }, () => ({ flops: 1e6, outputBytes: 30 * MB, hdfsOutputBytes: 0 })),
      reduces: 2,
      reduceFlopsPerByte: 0,
      reduceOutputRatio: 0,
      outputPath: '/out'
    })
    await engine.run()
    const r = await result
    const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0)
    expect(r.counters.shuffleBytes).toBeCloseTo(240 * MB, -3)
    expect(sum(written)).toBeCloseTo(240 * MB, -3)
    expect(sum(read)).toBeCloseTo(240 * MB, -3)
    // in-memory merges at 0.66 of the buffer: each reduce spills more than once
    expect(written.size).toBeGreaterThan(2)
  })
})
