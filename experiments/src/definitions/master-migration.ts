/**
 * `master-migration` (finding C11): Wordcount of 8 GB on VM1 (12 slave
 * hosts, deployed through the Xenos API so the master is a Xenos service),
 * first unmigrated, then with the master migrated half way through the job
 * by `xenos.migrateService` to a host found by search. The paper ran a
 * Wordcount of its own choosing; 8 GB is its Figure 6 size.
 */
import type { ExperimentDefinition, JobResult, Measurement } from '@xenos/experiment-interface'
import { GiB } from './hadoop-grid.js'
import { clockOf, unitOf } from './deploy.js'

const SETUP = 'VM1'
const HOSTS = 12
const SIZE_GB = 8
const AT_FRACTION = 0.5

function counters (r: JobResult): Record<string, number> {
  return { mapsLaunched: r.counters.mapsLaunched, mapsFailed: r.counters.mapsFailed, tasksReexecuted: r.counters.tasksReexecuted }
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
      context.progress(1, 3, 'master-migration unmigrated')
      const base = await cluster.runJob(job)
      context.progress(2, 3, 'master-migration migrated')
      const moved = await cluster.runJob(job, { migrateMasterAtFraction: AT_FRACTION, expectedDurationS: base.durationS })
      context.progress(3, 3, 'master-migration done')
      const point = (migrated: string, r: JobResult): Measurement[] => {
        const params = { dataSizeGB: SIZE_GB, migrated }
        const out: Measurement[] = [{ experiment: 'master-migration', setup: SETUP, params, metric: 'durationS', unit: 's', value: r.durationS, extra: counters(r) }]
        for (const [metric, value] of Object.entries(counters(r))) out.push({ experiment: 'master-migration', setup: SETUP, params, metric, unit: 'tasks', value })
        return out
      }
      const extra = moved.extra ?? {}
      const migration: Measurement[] = Object.entries(extra)
        .filter(([k]) => k.startsWith('migration') || k.startsWith('controlPlane') || k === 'migratedAway')
        .map(([metric, value]) => ({ experiment: 'master-migration', setup: SETUP, params: { dataSizeGB: SIZE_GB, migrated: 'yes' }, metric, unit: unitOf(metric), value, ...clockOf(metric) }))
      return [
        ...point('no', base),
        ...point('yes', moved),
        { experiment: 'master-migration', setup: SETUP, params: { dataSizeGB: SIZE_GB, migrated: 'yes' }, metric: 'extraJobS', unit: 's', value: moved.durationS - base.durationS },
        ...migration
      ]
    } finally {
      await cluster.release()
    }
  }
}
