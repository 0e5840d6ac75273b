import { describe, it, expect } from 'vitest'
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { DEFAULT_COSTS_FILE } from '@xenos/hadoop-bench'
import { ResultSetValidationError, type RunRecord } from '@xenos/experiment-interface'
import { PointRunError, SensitivityError } from './errors.js'
import { cachedPointRuns, runPointHere, type PointJob, type PointResult } from './point-runs.js'
import { workerPool } from './worker-pool.js'

const here = dirname(fileURLToPath(import.meta.url))
const repo = join(here, '..', '..', '..')
/** The worker from its TypeScript sources, as the built one runs from dist. */
const SOURCE_WORKER = {
  module: join(here, 'point-worker.ts'),
  execArgv: [
    '--conditions=@xenos/source', '--experimental-transform-types', '--no-warnings',
    '--import', join(repo, 'packages', 'xenos-core', 'test', 'support', 'ts-register.mjs')
  ]
}

const record = (value: number): RunRecord =>
  ({ experiment: 'pi', setup: 'VM1', params: { maps: 120 }, metric: 'durationS', unit: 's', value, seed: 1, repetition: 0 })

describe('cachedPointRuns', () => {
  it('runs a job once and finds it again; another input file\'s content or other code runs it again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xenos-point-cache-'))
    try {
      const costs = join(dir, 'costs.yaml')
      await copyFile(DEFAULT_COSTS_FILE, costs)
      let runs = 0
      const run = async (): Promise<PointResult> => ({ runs: [record(40 + runs++)] })
      const job: PointJob = { experiment: 'pi', platformFile: PAPER_PLATFORM_FILE, costsFile: costs, seed: 1, repetitions: 1 }
      const cache = cachedPointRuns(run, { dir: join(dir, 'cache'), codeFingerprint: 'a' })
      expect(await cache.run(job)).toEqual({ runs: [record(40)] })
      expect(await cache.run(job)).toEqual({ runs: [record(40)] })
      expect([runs, cache.hits()]).toEqual([1, 1])
      await writeFile(costs, `${await readFile(costs, 'utf8')}# another file\n`)
      expect(await cache.run(job)).toEqual({ runs: [record(41)] })
      expect(await cachedPointRuns(run, { dir: join(dir, 'cache'), codeFingerprint: 'b' }).run(job)).toEqual({ runs: [record(42)] })
      expect(await cache.run({ ...job, seed: 2 })).toEqual({ runs: [record(43)] })
      // One grid point is a job of its own.
      expect(await cache.run({ ...job, gridPoint: 3 })).toEqual({ runs: [record(44)] })
      expect((await readdir(join(dir, 'cache'))).filter(f => f.endsWith('.json'))).toHaveLength(5)
      // Entries of other code can never be used again: pruned, the current code's kept.
      expect(await cache.pruneStale()).toBe(1)
      expect((await readdir(join(dir, 'cache'))).filter(f => f.endsWith('.json'))).toHaveLength(4)
      expect(await cache.run(job)).toEqual({ runs: [record(41)] })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('refuses a damaged entry instead of using it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xenos-point-cache-'))
    try {
      const job: PointJob = { experiment: 'pi', platformFile: PAPER_PLATFORM_FILE, costsFile: DEFAULT_COSTS_FILE, seed: 1, repetitions: 1 }
      const cache = cachedPointRuns(async () => ({ runs: [record(40)] }), { dir, codeFingerprint: 'a' })
      await cache.run(job)
      const [entry] = await readdir(dir)
      const text = await readFile(join(dir, entry!), 'utf8')
      await writeFile(join(dir, entry!), text.replace('"value":40', '"value":"forty"'))
      const err = await cache.run(job).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ResultSetValidationError)
      expect((err as Error).message).toMatch(/runs\[0\]\.value/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('keeps the values a watched run read, and refuses a watched run that does not say them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xenos-point-cache-'))
    try {
      const job: PointJob = { experiment: 'pi', platformFile: PAPER_PLATFORM_FILE, costsFile: DEFAULT_COSTS_FILE, seed: 1, repetitions: 1, watchReads: true }
      let made = 0
      const watched = async (): Promise<PointResult> => { made++; return { runs: [record(40)], read: ['costs:jobs.pi.flopsPerSample'], cpuS: 0.5 } }
      const cache = cachedPointRuns(watched, { dir, codeFingerprint: 'a' })
      const first = await cache.run(job)
      expect(await cache.run(job)).toEqual(first)
      expect([made, first.read, first.cpuS]).toEqual([1, ['costs:jobs.pi.flopsPerSample'], 0.5])
      const unsaid = cachedPointRuns(async () => ({ runs: [record(40)] }), { dir: join(dir, 'other'), codeFingerprint: 'a' })
      await expect(unsaid.run(job)).rejects.toThrow(/expected the paths of the values the run read \(strings\), found undefined/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('runPointHere', () => {
  it('a grid point run alone gives its records of the whole experiment; watched, it names the values it read', async () => {
    const job: PointJob = { experiment: 'pi', platformFile: PAPER_PLATFORM_FILE, costsFile: DEFAULT_COSTS_FILE, seed: 2, repetitions: 1 }
    const whole = (await runPointHere(job)).runs
    // Pi's points: PHY, VM1, VM2, VM4, VM1-2VCPU, PHY-1CORE.
    const phy1 = await runPointHere({ ...job, gridPoint: 5, watchReads: true })
    const vm2 = await runPointHere({ ...job, gridPoint: 2, watchReads: true })
    expect(phy1.runs).toEqual(whole.filter(r => r.setup === 'PHY-1CORE'))
    expect(vm2.runs).toEqual(whole.filter(r => r.setup === 'VM2'))
    // Pi reads its own cost and no other job's; a native host's working set only on native hosts, a guest's only with guests.
    for (const r of [phy1, vm2]) {
      expect(r.read).toContain('costs:jobs.pi.flopsPerSample')
      expect(r.read!.some(p => p.startsWith('costs:jobs.sort.'))).toBe(false)
    }
    expect(phy1.read).toContain('platform:pageCache.nativeWorkingSetMiB')
    expect(phy1.read).not.toContain('platform:pageCache.guestWorkingSetMiB')
    expect(vm2.read).toContain('platform:pageCache.guestWorkingSetMiB')
    expect(vm2.read).not.toContain('platform:pageCache.nativeWorkingSetMiB')
    expect(phy1.cpuS).toBeGreaterThan(0)
  })
})

describe('workerPool', () => {
  it('a run made in a worker process has the same records as one made here; a failing run says which and why', async () => {
    const job: PointJob = { experiment: 'pi', platformFile: PAPER_PLATFORM_FILE, costsFile: DEFAULT_COSTS_FILE, seed: 1, repetitions: 1 }
    const pool = workerPool({ workers: 1, ...SOURCE_WORKER })
    try {
      const [there, wrong] = await Promise.allSettled([pool.run(job), pool.run({ ...job, experiment: 'no-such-experiment' })])
      expect(there.status).toBe('fulfilled')
      expect((there as PromiseFulfilledResult<PointResult>).value.runs).toEqual((await runPointHere(job)).runs)
      // The pool counts its worker's whole CPU time: the run's, and the worker's start-up.
      expect(pool.cpuS()).toBeGreaterThan((there as PromiseFulfilledResult<PointResult>).value.cpuS!)
      expect(wrong.status).toBe('rejected')
      const err = (wrong as PromiseRejectedResult).reason as Error
      expect(err).toBeInstanceOf(PointRunError)
      expect(err.message).toMatch(/run of no-such-experiment on seed 1 .* failed in a worker process: UnknownExperimentError: expected an experiment/)
    } finally {
      await pool.close()
    }
    await expect(pool.run(job)).rejects.toThrow(SensitivityError)
  })

  it('refuses a pool without workers', () => {
    expect(() => workerPool({ workers: 0 })).toThrow(/workers: expected an integer >= 1, found 0/)
  })
})
