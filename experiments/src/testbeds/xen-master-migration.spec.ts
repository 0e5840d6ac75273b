import { describe, expect, it } from 'vitest'
import type { Clock } from '@xenos/hypervisor-interface'
import type { JobResult } from '@xenos/experiment-interface'
import type { XenosClient } from '@xenos/core'
import { emptyCounters } from '@xenos/experiment-interface'
import { runWithMasterMigration } from './xen-master-migration.js'

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

function client (migrate: XenosClient['migrateService']): XenosClient {
  return { migrateService: migrate } as unknown as XenosClient
}

const init = { masterId: 'svc-1', target: 'freeMemoryMiB>=1024', live: true, storage: 'stop-and-copy' as const, fraction: 0.5, expectedDurationS: 100 }
const moved = { service: {}, fromHost: 'node00', toHost: 'node03', committed: true, report: { totalS: 4, downtimeS: 1, bytesMoved: 42 } }

describe('a job with its master migrated part way through', () => {
  it('waits the fraction of the expected duration from the measured command\'s start, then migrates through the API', async () => {
    const clock = testClock(true)
    const calls: unknown[][] = []
    const r = await runWithMasterMigration({ ...init, clock, client: client(async (...args) => { calls.push(args); return moved as never }) }, async (onTimedStart) => {
      onTimedStart(0)
      await settle()
      return job
    })
    expect(clock.sleeps).toEqual([50])
    expect(calls).toEqual([['svc-1', 'freeMemoryMiB>=1024', { live: true, storage: 'stop-and-copy' }]])
    expect(r.extra).toMatchObject({ migrationDuringJob: 1, migrationStartS: 50, migrationTotalS: 4, migrationDowntimeS: 1, migrationBytes: 42, migrationCommitted: 1, migratedAway: 1 })
  })

  it('migrates nothing when the job ends first, or fails in its preparation', async () => {
    const never = client(async () => { throw new Error('must not be called') })
    const ended = await runWithMasterMigration({ ...init, clock: testClock(false), client: never }, async (onTimedStart) => { onTimedStart(0); await settle(); return job })
    expect(ended.extra).toEqual({ migrationDuringJob: 0 })
    await expect(runWithMasterMigration({ ...init, clock: testClock(false), client: never }, async () => { throw new Error('input generation failed') })).rejects.toThrow('input generation failed')
  })

  it('reports a failed migration after the job, and refuses a fraction without an expected duration', async () => {
    const clock = testClock(true)
    const failing = client(async () => { throw new Error('no host matches freeMemoryMiB>=1024') })
    await expect(runWithMasterMigration({ ...init, clock, client: failing }, async (onTimedStart) => { onTimedStart(0); await settle(); return job })).rejects.toThrow('no host matches')
    await expect(runWithMasterMigration({ ...init, expectedDurationS: 0, clock, client: failing }, async () => job)).rejects.toThrow(/expected a fraction >= 0 with a positive expectedDurationS, found 0.5 and 0/)
  })
})
