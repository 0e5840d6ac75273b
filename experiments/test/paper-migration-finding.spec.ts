/**
 * Finding C11 on the shipped platform: the `master-migration` experiment
 * (real coordinators on the 13 simulated hosts, Wordcount 8 GB on VM1, the
 * master migrated half way by `xenos.migrateService`) run once, judged as
 * `xenos paper` judges it.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { masterMigration } from '../src/definitions/index.js'
import { runOnShippedPlatform, type ShippedRun } from './shipped-paper.js'

let shipped: ShippedRun

describe('the master migration on the shipped platform (one seed)', () => {
  beforeAll(async () => {
    shipped = await runOnShippedPlatform([masterMigration])
  }, 600_000) // thirteen real coordinators and a migration: minutes of wall time on a machine running other suites

  it('C11: the migration takes under 5 minutes; maps fail and are re-executed; the job completes, later than unmigrated', () => {
    expect(shipped.finding('C11').status).toBe('PASS')
    const moved = shipped.run('master-migration', 'VM1', { dataSizeGB: 8, migrated: 'yes' })
    const base = shipped.run('master-migration', 'VM1', { dataSizeGB: 8, migrated: 'no' })
    expect(moved.extra?.mapsFailed).toBeGreaterThan(0)
    expect(moved.extra?.tasksReexecuted).toBe(moved.extra?.mapsFailed)
    expect(base.extra?.mapsFailed).toBe(0)
    expect(moved.value).toBeGreaterThan(base.value)
  })
})
