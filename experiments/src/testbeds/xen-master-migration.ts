/**
 * A job on real hosts with the Hadoop master migrated part way through it:
 * the job runs; once `fraction` of the expected duration has passed on the
 * wall clock since its measured command started (its preparation excluded), `xenos.migrateService` moves the master's VM to a host found
 * by search (never its current host). Both are awaited; the result carries
 * the migration's figures beside the job's. If the job ends before the
 * migration point, nothing is migrated and `migrationDuringJob` is 0.
 */
import type { Clock } from '@xenos/hypervisor-interface'
import type { JobResult } from '@xenos/experiment-interface'
import type { MigrateResult, XenosClient } from '@xenos/core'
import { XenTestbedError } from './xen-errors.js'

export interface MasterMigrationInit {
  client: XenosClient
  clock: Clock
  /** The master's service id. */
  masterId: string
  /** Search query for the target host. */
  target: string
  live: boolean
  storage: 'none' | 'stop-and-copy' | 'pre-copy'
  fraction: number
  expectedDurationS: number
}

/**
 * Runs `runJob`, which calls `onTimedStart` when the measured command starts
 * (after the job's untimed preparation: `RealHadoop.run`'s option), and
 * migrates the master `fraction` of `expectedDurationS` after that.
 */
export async function runWithMasterMigration (init: MasterMigrationInit, runJob: (onTimedStart: (atS: number) => void) => Promise<JobResult>): Promise<JobResult> {
  if (!(init.fraction >= 0) || !(init.expectedDurationS > 0)) {
    throw new XenTestbedError(`migrateMasterAtFraction: expected a fraction >= 0 with a positive expectedDurationS, found ${init.fraction} and ${init.expectedDurationS}`)
  }
  const { clock } = init
  const jobDone = new AbortController()
  let started: (atS: number) => void = () => undefined
  const startedAt = new Promise<number>((resolve) => { started = resolve })
  const ended = new Promise<undefined>((resolve) => { jobDone.signal.addEventListener('abort', () => { resolve(undefined) }, { once: true }) })
  const migration = (async (): Promise<{ result: MigrateResult, startS: number, callS: number } | undefined> => {
    const t0 = await Promise.race([startedAt, ended])
    if (t0 === undefined || jobDone.signal.aborted) return undefined
    try {
      await clock.sleep(init.fraction * init.expectedDurationS, jobDone.signal)
    } catch (err) {
      if (jobDone.signal.aborted) return undefined
      throw err
    }
    const startS = clock.nowS()
    const result = await init.client.migrateService(init.masterId, init.target, { live: init.live, storage: init.storage })
    return { result, startS: startS - t0, callS: clock.nowS() - startS }
  })()
  const [jobOutcome, migrationOutcome] = await Promise.allSettled([runJob((atS) => { started(atS) }).finally(() => { jobDone.abort() }), migration])
  if (jobOutcome.status === 'rejected') {
    if (migrationOutcome.status === 'rejected') {
      throw new XenTestbedError(`expected the job to complete with its master migrated, found both failed: job: ${(jobOutcome.reason as Error).message}; migration: ${(migrationOutcome.reason as Error).message}`, { cause: jobOutcome.reason })
    }
    throw jobOutcome.reason
  }
  if (migrationOutcome.status === 'rejected') throw migrationOutcome.reason
  const job = jobOutcome.value
  const m = migrationOutcome.value
  if (m === undefined) return { ...job, extra: { ...job.extra, migrationDuringJob: 0 } }
  return {
    ...job,
    extra: {
      ...job.extra,
      migrationDuringJob: 1,
      migrationStartS: m.startS,
      migrationTotalS: m.result.report.totalS,
      migrationDowntimeS: m.result.report.downtimeS,
      migrationBytes: m.result.report.bytesMoved,
      migrationCommitted: m.result.committed ? 1 : 0,
      migratedAway: m.result.toHost !== m.result.fromHost ? 1 : 0,
      // The whole API call on the wall clock: search, prepare, the transfer itself, commit.
      migrationCallS: m.callS
    }
  }
}
