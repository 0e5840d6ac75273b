/**
 * The sim testbed's API path on a few hosts: real coordinators on the
 * simulated paper cluster, the deployer, modeled replication, and the
 * master migrated mid-job through `xenos.migrateService`. (The 12-host
 * runs belong to `xenos paper`.)
 */
import { describe, it, expect } from 'vitest'
import { Engine, PAPER_PLATFORM_FILE, loadPlatform } from '@xenos/sim-engine'
import { MASTER_VM_MEMORY_MIB } from '@xenos/hadoop-bench'
import { onTestbed, type Measurement } from '@xenos/experiment-interface'
import { simTestbedFactory } from './sim-testbed.js'
import { SWAP_IMAGE_BYTES, TEMPLATE_IMAGE_BYTES } from './sim-api-cluster.js'
import { deploymentMeasurements } from '../definitions/deploy.js'
import { runWithMasterMigration } from '../definitions/master-migration.js'

const GiB = 1024 ** 3
/** The Hadoop slave template the testbed deploys: its disk and swap images. */
const TEMPLATE_BYTES = TEMPLATE_IMAGE_BYTES + SWAP_IMAGE_BYTES

describe('the sim testbed through the Xenos API', () => {
  it('deployTemplate: the paper\'s whole copy moves and copies the template per host; chunked needs no local copy and is faster', async () => {
    const platform = await loadPlatform(PAPER_PLATFORM_FILE)
    const host = platform.hosts[1]!
    const disk = host.disks[0]!
    // A same-disk copy is a read and a write stream interleaving in Domain 0: its rate on each of the two
    // slaves (each host's disk zone is drawn from the seed, 1 here as in the testbed), measured alone.
    const copy = new Engine({ seed: 1, platform })
    const slaves = ['node01', 'node02'].map(n => copy.host(n))
    const ends = slaves.map(h => Promise.all([
      copy.io({ on: h, op: 'read', bytes: TEMPLATE_BYTES }).wait(),
      copy.io({ on: h, op: 'write', bytes: TEMPLATE_BYTES }).wait()
    ]).then(() => copy.nowS()))
    await copy.run()
    const localCopyBps = (await Promise.all(ends)).reduce((a, t) => a + TEMPLATE_BYTES / t, 0) / slaves.length
    // What the master's disk reads (one read serves both receivers) and a receiver's writes, alone at their zones.
    const master = copy.host('master')
    const diskBps = Math.min(master.disks[0]!.rateBps('read', master.diskPosition), ...slaves.map(h => h.disks[0]!.rateBps('write', h.diskPosition)))
    const linkPayloadBps = host.nic.bandwidthBps * platform.network.tcpEfficiency
    const tb = await (await simTestbedFactory({ platformFile: PAPER_PLATFORM_FILE }))({ seed: 1 })
    try {
      const paper = await tb.deployTemplate!('paper', 2)
      const xenos = await tb.deployTemplate!('xenos', 2)
      const copies = onTestbed(2 * TEMPLATE_BYTES, 'B')
      expect(paper).toMatchObject({ method: 'paper', hosts: 2, networkBytes: copies, localCopyBytes: copies })
      expect(xenos).toMatchObject({ method: 'xenos', hosts: 2, networkBytes: copies, localCopyBytes: onTestbed(0, 'B') })
      // The local copy runs at the disk's same-disk copy rate.
      expect(paper.localCopyRate!.value / localCopyBps).toBeGreaterThan(0.98)
      expect(paper.localCopyRate!.value / localCopyBps).toBeLessThan(1.02)
      // Two hosts pull from the master at once: its link's TCP payload rate is shared (the one that ends last
      // has it alone for a while), unless a disk is slower (when the two receivers' reads of different chunks
      // meet on the master's disk, they also pay seeks).
      expect(paper.networkRate?.value).toBeLessThanOrEqual(linkPayloadBps)
      expect(paper.networkRate?.value).toBeGreaterThan(Math.min(linkPayloadBps / 2, diskBps) * 0.85)
      expect(xenos.duration.value).toBeLessThan(paper.duration.value)
      for (const r of [paper, xenos]) {
        expect(r.duration.value).toBeGreaterThanOrEqual(r.physicalLimit.value)
        expect(r.physicalLimit.value).toBeGreaterThanOrEqual(r.lowerBound.value)
        // the template written once on each receiver's disk, at its zone, which is slower than its link's payload rate
        const slowestWriteBps = Math.min(...slaves.map(h => h.disks[0]!.rateBps('write', h.diskPosition)))
        expect(disk.writeBps).toBeLessThan(linkPayloadBps)
        expect(r.lowerBound.value).toBeCloseTo(TEMPLATE_BYTES / slowestWriteBps, 3)
        expect(r.probe.calls.value).toBeGreaterThanOrEqual(9)
        expect(r.probe.max).toMatchObject({ unit: 's', clock: 'wall' })
        expect(r.probe.max.value).toBeGreaterThan(0)
      }
    } finally {
      await tb.close()
    }
  })

  it('deployTemplate is repeatable: the same seed gives the same simulated figures despite real-time control-plane calls', async () => {
    // what results.json keeps of a deployment: every measurement not on the wall clock
    const run = async (): Promise<Measurement[]> => {
      const tb = await (await simTestbedFactory({ platformFile: PAPER_PLATFORM_FILE }))({ seed: 4 })
      try {
        return deploymentMeasurements('deploy', await tb.deployTemplate!('xenos', 3), 3).filter(m => m.clock !== 'wall')
      } finally {
        await tb.close()
      }
    }
    const first = await run()
    expect(first.map(m => m.metric)).toEqual(expect.arrayContaining(['durationS', 'physicalLimitS', 'networkBps', 'seedSentBytes']))
    expect(first.some(m => m.metric.startsWith('probe') || m.metric.startsWith('controlPlane'))).toBe(false)
    expect(await run()).toEqual(first)
  })

  it('migrates the master half way through a job: paused while its files move, tasks fail and are re-executed, the job completes later', async () => {
    const tb = await (await simTestbedFactory({ platformFile: PAPER_PLATFORM_FILE }))({ seed: 2 })
    const cluster = await tb.deployHadoop('VM1', 2, { viaXenosApi: true })
    try {
      expect(cluster.nodes).toBe(2)
      const job = { kind: 'wordcount' as const, inputBytes: GiB }
      const base = await cluster.runJob(job)
      expect(base.counters.mapsFailed).toBe(0)
      const master = cluster.master
      if (master === undefined) throw new Error('expected the master as a Xenos service, found none')
      const { job: moved, migration } = await runWithMasterMigration(tb.clock, cluster, master, job, base.durationS / 2)
      if (migration === undefined) throw new Error('expected the master migrated during the job, found the job ended first')
      const m = migration.result
      expect(m.toHost).not.toBe(m.fromHost)
      expect(m.committed).toBe(true)
      // stop-and-copy: paused from the start of the move to its end, its files (a full copy of the template) and its memory sent.
      expect(m.report.downtimeS).toBe(m.report.totalS)
      expect(m.report.bytesMoved).toBeGreaterThan(TEMPLATE_BYTES + MASTER_VM_MEMORY_MIB * 1024 ** 2)
      expect(m.report.totalS).toBeLessThan(300)
      // the simulated time of the API call is the transfer: the control plane takes none
      expect(migration.callS).toBeCloseTo(m.report.totalS, 0)
      expect(m.controlPlane).toMatchObject({ unit: 's', clock: 'wall' })
      expect(migration.startS).toBeCloseTo(base.durationS / 2, 6)
      expect(moved.counters.mapsFailed).toBeGreaterThan(0)
      expect(moved.counters.tasksReexecuted).toBe(moved.counters.mapsFailed)
      expect(moved.counters.mapsLaunched).toBe(base.counters.mapsLaunched + moved.counters.tasksReexecuted)
      expect(moved.durationS).toBeGreaterThan(base.durationS + m.report.downtimeS / 2)
    } finally {
      await cluster.release()
      await tb.close()
    }
  })

  it('a cluster made through the drivers has no master service to migrate', async () => {
    const tb = await (await simTestbedFactory({ platformFile: PAPER_PLATFORM_FILE }))({ seed: 3 })
    const cluster = await tb.deployHadoop('VM1', 1)
    try {
      expect(cluster.master).toBeUndefined()
    } finally {
      await cluster.release()
      await tb.close()
    }
  })
})
