import { describe, expect, it } from 'vitest'
import type { Clock } from '@xenos/hypervisor-interface'
import {
  emptyCounters, onWall,
  type JobResult, type JobRunOptions, type MigrationApi, type ServiceMigrationResult, type Testbed, type TestbedCluster, type XenosMaster
} from '@xenos/experiment-interface'
import { masterMigration, migrationMeasurements, runWithMasterMigration, MasterMigrationError } from './master-migration.js'

const job: JobResult = { job: { kind: 'pi', maps: 1, samplesPerMap: 1 }, durationS: 9, counters: emptyCounters() }

/** A clock whose `sleep` ends at once (`instant`) or only when its signal aborts. */
function testClock (instant: boolean): Clock & { sleeps: number[] } {
  let now = 0
  const sleeps: number[] = []
  return {
    sleeps,
    nowS: () => now,
    sleep: async (s, signal) => {
      sleeps.push(s)
      if (signal?.aborted === true) throw new Error('aborted')
      if (instant) { now += s; return }
      await new Promise<void>((_resolve, reject) => { signal?.addEventListener('abort', () => { reject(new Error('aborted')) }, { once: true }) })
    }
  }
}

/** Lets every pending promise callback run (the migration's steps). */
const settle = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

const moved: ServiceMigrationResult = { fromHost: 'node00', toHost: 'node03', committed: true, report: { totalS: 4, downtimeS: 1, bytesMoved: 42 } }

function master (migrate: MigrationApi['migrateService']): XenosMaster {
  return { serviceId: 'svc-1', api: { migrateService: migrate }, target: 'freeMemoryMiB>=1024', live: true, storage: 'stop-and-copy' }
}

/** A cluster whose job starts at once and ends when `body` resolves. */
function cluster (body: (options: JobRunOptions) => Promise<JobResult>): TestbedCluster {
  return { setup: 'VM1', slaveHosts: 12, nodes: 12, runJob: async (_job, options = {}) => await body(options), release: async () => undefined }
}
const startsAndEnds = cluster(async (options) => { options.onStarted?.(0); await settle(); return job })

describe('a job with its master migrated part way through', () => {
  it('waits the given time from the job\'s timed start on the testbed\'s clock, then migrates through the API with the master\'s options', async () => {
    const clock = testClock(true)
    const calls: unknown[][] = []
    const r = await runWithMasterMigration(clock, startsAndEnds, master(async (...args) => { calls.push(args); return moved }), job.job, 50)
    expect(clock.sleeps).toEqual([50])
    expect(calls).toEqual([['svc-1', 'freeMemoryMiB>=1024', { live: true, storage: 'stop-and-copy' }]])
    expect(r).toEqual({ job, migration: { startS: 50, callS: 0, result: moved } })
  })

  it('migrates nothing when the job ends first, or fails in its preparation', async () => {
    const never = master(async () => { throw new Error('must not be called') })
    expect(await runWithMasterMigration(testClock(false), startsAndEnds, never, job.job, 50)).toEqual({ job })
    const failing = cluster(async () => { throw new Error('input generation failed') })
    await expect(runWithMasterMigration(testClock(false), failing, never, job.job, 50)).rejects.toThrow('input generation failed')
  })

  it('reports a failed migration after the job, names both failures, and refuses a migration point that is not a time', async () => {
    const failingApi = master(async () => { throw new Error('no host matches freeMemoryMiB>=1024') })
    await expect(runWithMasterMigration(testClock(true), startsAndEnds, failingApi, job.job, 50)).rejects.toThrow('no host matches')
    const failingJob = cluster(async (options) => { options.onStarted?.(0); await settle(); await settle(); throw new Error('job failed') })
    await expect(runWithMasterMigration(testClock(true), failingJob, failingApi, job.job, 0))
      .rejects.toThrow(/found both failed: job: job failed; migration: no host matches/)
    await expect(runWithMasterMigration(testClock(true), startsAndEnds, failingApi, job.job, Number.NaN)).rejects.toThrow(MasterMigrationError)
  })
})

describe('the master migration\'s measurements', () => {
  const point = { experiment: 'master-migration', setup: 'VM1', params: { dataSizeGB: 8, migrated: 'yes' } }

  it('carry the unit and clock each value was measured with: the control plane on the wall clock, the rest on the testbed\'s', () => {
    const ms = migrationMeasurements(point, { startS: 80, callS: 160, result: { ...moved, controlPlane: onWall(0.4, 's') } })
    expect(ms.map(m => [m.metric, m.value, m.unit, m.clock])).toEqual([
      ['migrationDuringJob', 1, '', 'testbed'], ['migrationStartS', 80, 's', 'testbed'], ['migrationCallS', 160, 's', 'testbed'],
      ['migrationTotalS', 4, 's', 'testbed'], ['migrationDowntimeS', 1, 's', 'testbed'], ['migrationBytes', 42, 'B', 'testbed'],
      ['migrationCommitted', 1, '', 'testbed'], ['migratedAway', 1, '', 'testbed'], ['controlPlaneMigrateS', 0.4, 's', 'wall']
    ])
    const stayed = migrationMeasurements(point, { startS: 80, callS: 160, result: { ...moved, toHost: 'node00', committed: false } })
    const flags = stayed.filter(m => m.metric === 'migratedAway' || m.metric === 'migrationCommitted').map(m => [m.metric, m.value])
    expect(flags).toEqual([['migrationCommitted', 0], ['migratedAway', 0]])
    expect(stayed.map(m => m.metric)).not.toContain('controlPlaneMigrateS')
  })

  it('record only that no migration happened when the job ended first', () => {
    expect(migrationMeasurements(point, undefined).map(m => [m.metric, m.value])).toEqual([['migrationDuringJob', 0]])
  })

  it('the experiment migrates half way through the unmigrated run\'s duration, and needs a master deployed as a Xenos service', async () => {
    const clock = testClock(true)
    let runs = 0
    const deployed: TestbedCluster = {
      ...cluster(async (options) => { runs++; options.onStarted?.(clock.nowS()); await settle(); return { ...job, durationS: runs === 1 ? 100 : 130 } }),
      master: master(async () => moved)
    }
    const testbed = { backend: 'sim', clock, deployHadoop: async () => deployed } as unknown as Testbed
    const ms = await masterMigration.run(testbed, { seed: 1, repetition: 0, progress: () => undefined })
    expect(clock.sleeps).toEqual([50])
    const value = (metric: string, migrated: string): number | undefined => ms.find(m => m.metric === metric && m.params.migrated === migrated)?.value
    expect([value('durationS', 'no'), value('durationS', 'yes'), value('extraJobS', 'yes'), value('migrationStartS', 'yes')]).toEqual([100, 130, 30, 50])
    const withoutMaster = { ...testbed, deployHadoop: async () => ({ ...deployed, master: undefined }) } as unknown as Testbed
    await expect(masterMigration.run(withoutMaster, { seed: 1, repetition: 0, progress: () => undefined }))
      .rejects.toThrow(/a Hadoop master deployed as a Xenos service/)
  })
})
