/**
 * `master-migration` (finding C11): Wordcount of 8 GB on VM1 (12 slave
 * hosts, deployed through the Xenos API so the master is a Xenos service),
 * first unmigrated, then with the master migrated half way through the job
 * by `xenos.migrateService` to a host found by search. The paper ran a
 * Wordcount of its own choosing; 8 GB is its Figure 6 size.
 *
 * The migration is written here once, against the testbed's clock and the
 * API the testbed reaches its coordinators with, for every backend:
 * - when: `AT_FRACTION` of the unmigrated run's duration after the migrated
 *   run's timed start (the origin of its `durationS`: the job's submission,
 *   its preparation excluded), on the testbed's clock;
 * - measured: the migration's start from the job's timed start
 *   (`migrationStartS`) and the API call's duration (`migrationCallS`), both
 *   on the testbed's clock; the driver's report (`migrationTotalS`,
 *   `migrationDowntimeS`, `migrationBytes`); whether the target committed
 *   and the service moved; where the testbed can tell it apart from the
 *   transfer, the control plane's own wall time in the call
 *   (`controlPlaneMigrateS`, wall clock);
 * - when the job ends before the migration point, nothing is migrated:
 *   `migrationDuringJob` is 0 and no migration figure is recorded (a
 *   migration after the job would not be the paper's experiment);
 * - both the job and the migration are awaited: a failed job fails the
 *   experiment, and so does a failed migration once the job has ended.
 */
import {
  measurement, onTestbed,
  type ExperimentDefinition, type JobResult, type JobSpec, type Measurement, type MeasurementPoint, type Quantity,
  type ServiceMigrationResult, type TestbedCluster, type XenosMaster
} from '@xenos/experiment-interface'
import type { Clock } from '@xenos/hypervisor-interface'
import { GiB } from './hadoop-grid.js'
import { UnsupportedTestbedError } from './deploy.js'
import { ExperimentsError } from '../errors.js'

const SETUP = 'VM1'
const HOSTS = 12
const SIZE_GB = 8
const AT_FRACTION = 0.5

/** The master migration experiment could not migrate the master or measure the job as asked. */
export class MasterMigrationError extends ExperimentsError {}

/** A migration made during a job: when it started and how long the API call took, on the testbed's clock, and the API's answer. */
export interface MidJobMigration {
  /** Seconds from the job's timed start to the migration request. */
  startS: number
  /** Seconds the `xenos.migrateService` call took. */
  callS: number
  result: ServiceMigrationResult
}

/** A job run with its master migrated part way; `migration` is absent when the job ended before the migration point. */
export interface MigratedJob {
  job: JobResult
  migration?: MidJobMigration
}

/**
 * Runs `job` on `cluster` and migrates `master` once `afterS` seconds of
 * `clock` have passed since the job's timed start, unless the job ends
 * first (see the module comment).
 */
export async function runWithMasterMigration (clock: Clock, cluster: TestbedCluster, master: XenosMaster, job: JobSpec, afterS: number): Promise<MigratedJob> {
  if (!(afterS >= 0) || !Number.isFinite(afterS)) {
    throw new MasterMigrationError(`migration point: expected a finite number of seconds >= 0 after the job's start, found ${afterS}`)
  }
  const jobDone = new AbortController()
  let started: (atS: number) => void = () => undefined
  const startedAt = new Promise<number>((resolve) => { started = resolve })
  const ended = new Promise<undefined>((resolve) => { jobDone.signal.addEventListener('abort', () => { resolve(undefined) }, { once: true }) })
  const migration = (async (): Promise<MidJobMigration | undefined> => {
    const t0 = await Promise.race([startedAt, ended])
    if (t0 === undefined || jobDone.signal.aborted) return undefined
    try {
      await clock.sleep(afterS, jobDone.signal)
    } catch (err) {
      if (jobDone.signal.aborted) return undefined
      throw err
    }
    const startS = clock.nowS()
    const result = await master.api.migrateService(master.serviceId, master.target, { live: master.live, storage: master.storage })
    return { startS: startS - t0, callS: clock.nowS() - startS, result }
  })()
  const run = cluster.runJob(job, { onStarted: (atS) => { started(atS) } }).finally(() => { jobDone.abort() })
  const [jobOutcome, migrationOutcome] = await Promise.allSettled([run, migration])
  if (jobOutcome.status === 'rejected') {
    if (migrationOutcome.status === 'rejected') {
      const jobError = (jobOutcome.reason as Error).message
      const migrationError = (migrationOutcome.reason as Error).message
      const found = `found both failed: job: ${jobError}; migration: ${migrationError}`
      throw new MasterMigrationError(`expected the job to complete with its master migrated, ${found}`, { cause: jobOutcome.reason })
    }
    throw jobOutcome.reason
  }
  if (migrationOutcome.status === 'rejected') throw migrationOutcome.reason
  return { job: jobOutcome.value, ...(migrationOutcome.value !== undefined ? { migration: migrationOutcome.value } : {}) }
}

/** The measurements of a migrated run's migration (see the module comment). */
export function migrationMeasurements (point: MeasurementPoint, m: MidJobMigration | undefined): Measurement[] {
  if (m === undefined) return [measurement(point, 'migrationDuringJob', onTestbed(0, ''))]
  const figures: Array<[string, Quantity | undefined]> = [
    ['migrationDuringJob', onTestbed(1, '')],
    ['migrationStartS', onTestbed(m.startS, 's')],
    ['migrationCallS', onTestbed(m.callS, 's')],
    ['migrationTotalS', onTestbed(m.result.report.totalS, 's')],
    ['migrationDowntimeS', onTestbed(m.result.report.downtimeS, 's')],
    ['migrationBytes', onTestbed(m.result.report.bytesMoved, 'B')],
    ['migrationCommitted', onTestbed(m.result.committed ? 1 : 0, '')],
    ['migratedAway', onTestbed(m.result.toHost !== m.result.fromHost ? 1 : 0, '')],
    ['controlPlaneMigrateS', m.result.controlPlane]
  ]
  return figures.flatMap(([metric, q]) => q === undefined ? [] : [measurement(point, metric, q)])
}

function jobMeasurements (point: MeasurementPoint, r: JobResult): Measurement[] {
  const counts = { mapsLaunched: r.counters.mapsLaunched, mapsFailed: r.counters.mapsFailed, tasksReexecuted: r.counters.tasksReexecuted }
  return [
    measurement(point, 'durationS', onTestbed(r.durationS, 's'), counts),
    ...Object.entries(counts).map(([metric, value]) => measurement(point, metric, onTestbed(value, 'tasks')))
  ]
}

export const masterMigration: ExperimentDefinition = {
  name: 'master-migration',
  title: 'Wordcount 8 GB on VM1 with the Hadoop master migrated half way (xenos.migrateService), against unmigrated',
  parameters: { setup: SETUP, slaveHosts: HOSTS, dataSizeGB: SIZE_GB, migrateAtFraction: AT_FRACTION },
  run: async (testbed, context) => {
    const job = { kind: 'wordcount' as const, inputBytes: SIZE_GB * GiB }
    context.progress(0, 3, 'master-migration deploy VM1 through the API')
    const cluster = await testbed.deployHadoop(SETUP, HOSTS, { viaXenosApi: true })
    try {
      const master = cluster.master
      if (master === undefined) throw new UnsupportedTestbedError('master-migration', 'a Hadoop master deployed as a Xenos service')
      context.progress(1, 3, 'master-migration unmigrated')
      const base = await cluster.runJob(job)
      context.progress(2, 3, 'master-migration migrated')
      const moved = await runWithMasterMigration(testbed.clock, cluster, master, job, AT_FRACTION * base.durationS)
      context.progress(3, 3, 'master-migration done')
      const point = (migrated: string): MeasurementPoint => ({ experiment: 'master-migration', setup: SETUP, params: { dataSizeGB: SIZE_GB, migrated } })
      return [
        ...jobMeasurements(point('no'), base),
        ...jobMeasurements(point('yes'), moved.job),
        measurement(point('yes'), 'extraJobS', onTestbed(moved.job.durationS - base.durationS, 's')),
        ...migrationMeasurements(point('yes'), moved.migration)
      ]
    } finally {
      await cluster.release()
    }
  }
}
