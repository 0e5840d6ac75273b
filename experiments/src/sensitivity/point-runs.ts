/**
 * One run of a sensitivity analysis: one experiment, or one grid point of it
 * (a deployment of its own), on the simulated testbed of a platform file and
 * a cost file (either may be a copy with one estimate moved), on consecutive
 * seeds; on request with the paths of the files' values the run read
 * (`read-tracking.ts`). Made in this process (`runPointHere`), in worker
 * processes (`worker-pool.ts`), or found in a cache of earlier runs
 * (`cachedPointRuns`): the same job on the same code gives the same records
 * in every case.
 */
import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { parseJson, RESULT_SCHEMA_VERSION, toRunRecord, validateResultSet, type RunRecord } from '@xenos/experiment-interface'
import { parsePlatform } from '@xenos/sim-engine'
import { parseCosts } from '@xenos/hadoop-bench'
import { experimentByName } from '../definitions/index.js'
import { gridPoints, runGrid } from '../definitions/hadoop-grid.js'
import { runExperiments } from '../runner.js'
import { simTestbedFactoryOf } from '../testbeds/sim-testbed.js'
import { SensitivityError } from './errors.js'
import { watchReads } from './read-tracking.js'

export interface PointJob {
  experiment: string
  /** The index of the grid point to run alone (`gridExperiment`: its deployment of that index); the whole experiment when absent. */
  gridPoint?: number
  platformFile: string
  costsFile: string
  /** Seed of the first repetition; repetition r uses seed + r, as the paper's runs. */
  seed: number
  repetitions: number
  /** Also give the paths of the values of the two files that the run read (`PointResult.read`). */
  watchReads?: boolean
}

export interface PointResult {
  runs: RunRecord[]
  /**
   * With `watchReads`: the path of every value of the loaded files that the
   * run read, `platform:` or `costs:` then its dotted path in the loaded
   * object (`platform:hosts.3.disks.0.readBps`, `costs:jobs.pi.flopsPerSample`).
   */
  read?: string[]
  /** CPU time of the process that made it, s (what the run costs, to order runs by cost). */
  cpuS?: number
}

/** Runs one job and returns its records. */
export type PointRunner = (job: PointJob) => Promise<PointResult>

const NO_SHA = '0'.repeat(64)

/** A job's records, made in this process. */
export async function runPointHere (job: PointJob): Promise<PointResult> {
  const started = process.cpuUsage()
  const def = experimentByName(job.experiment)
  const read = new Set<string>()
  const watch = job.watchReads === true
  const loadedPlatform = parsePlatform(await readFile(job.platformFile, 'utf8'), job.platformFile)
  const loadedCosts = parseCosts(await readFile(job.costsFile, 'utf8'), job.costsFile)
  const platform = watch ? watchReads(loadedPlatform, 'platform', p => read.add(p)) : loadedPlatform
  const costs = watch ? watchReads(loadedCosts, 'costs', p => read.add(p)) : loadedCosts
  const info = { name: 'sensitivity', file: job.platformFile, sha256: NO_SHA }
  const factory = simTestbedFactoryOf(platform, costs, info)
  let runs: RunRecord[]
  if (job.gridPoint === undefined) {
    runs = (await runExperiments([def], {
      backend: 'sim',
      factory,
      platform: info,
      seed: job.seed,
      repetitions: job.repetitions,
      software: { name: '@xenos/experiments', version: 'sensitivity' },
      startedAt: '1970-01-01T00:00:00.000Z'
    })).runs
  } else {
    const point = gridPoints(def)?.[job.gridPoint]
    if (point === undefined) {
      throw new SensitivityError(`gridPoint: expected a point of ${job.experiment}'s grid (0 to ${(gridPoints(def)?.length ?? 0) - 1}), found ${job.gridPoint}`)
    }
    runs = []
    for (let repetition = 0; repetition < job.repetitions; repetition++) {
      const seed = job.seed + repetition
      const testbed = await factory({ seed, firstDeployment: job.gridPoint })
      try {
        const measurements = await runGrid(def.name, [point], testbed, { seed, repetition, progress: () => {} })
        runs.push(...measurements.map(m => toRunRecord(m, seed, repetition)))
      } finally {
        await testbed.close()
      }
    }
  }
  const used = process.cpuUsage(started)
  return { runs, ...(watch ? { read: [...read].sort() } : {}), cpuS: (used.user + used.system) / 1e6 }
}

const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex')

export interface PointCache {
  /** Directory of the cached runs (one file per job). */
  dir: string
  /**
   * What identifies the code that makes the runs (a hash of the built
   * packages): a run is reused only by the same code on the same inputs.
   */
  codeFingerprint: string
}

/**
 * Removes the cache's entries made by other code than `cache.codeFingerprint`
 * (they can never be used again: the code that made them is gone); returns
 * how many. An entry that cannot be read is removed too.
 */
async function pruneStale (cache: PointCache): Promise<number> {
  let names: string[]
  try {
    names = await readdir(cache.dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw err
  }
  let removed = 0
  for (const name of names.filter(n => /^[0-9a-f]{64}\.json$/.test(n))) {
    const file = join(cache.dir, name)
    let code: unknown
    try {
      code = (JSON.parse(await readFile(file, 'utf8')) as { identity?: { code?: unknown } } | null)?.identity?.code
    } catch {
      // Not JSON (a torn write): it can never be used.
      code = undefined
    }
    if (code !== cache.codeFingerprint) {
      await rm(file, { force: true })
      removed++
    }
  }
  return removed
}

const NO_PLATFORM = { name: 'sensitivity-cache', file: '-', sha256: '0'.repeat(64) }

/** The records of a cache entry, validated as a result file's runs are. */
function validRuns (runs: unknown, file: string): RunRecord[] {
  const wrapped = { schemaVersion: RESULT_SCHEMA_VERSION, software: { name: 'sensitivity-cache', version: '1' }, backend: 'sim', platform: NO_PLATFORM, runs }
  return validateResultSet(wrapped, file).runs
}

/**
 * A runner that keeps every job's records in `cache.dir` under a key made of
 * the code's fingerprint, the experiment, the seeds and the contents of the
 * two input files, and reuses them when the same job comes again. Each entry
 * holds its identity (checked when read, with its records) and is written
 * atomically.
 */
export function cachedPointRuns (run: PointRunner, cache: PointCache): { run: PointRunner, hits: () => number, pruneStale: () => Promise<number> } {
  let hits = 0
  return {
    hits: () => hits,
    pruneStale: async () => await pruneStale(cache),
    run: async (job) => {
      const identity = {
        version: 2,
        code: cache.codeFingerprint,
        experiment: job.experiment,
        gridPoint: job.gridPoint ?? null,
        seed: job.seed,
        repetitions: job.repetitions,
        watchReads: job.watchReads === true,
        platform: sha256(await readFile(job.platformFile)),
        costs: sha256(await readFile(job.costsFile))
      }
      const file = join(cache.dir, `${sha256(JSON.stringify(identity))}.json`)
      let text: string | undefined
      try {
        text = await readFile(file, 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      }
      if (text !== undefined) {
        const entry = parseJson(text, file) as { identity?: unknown, runs?: unknown, read?: unknown, cpuS?: unknown } | null
        if (isDeepStrictEqual(entry?.identity, identity)) {
          hits++
          return { runs: validRuns(entry?.runs, file), ...validExtras(entry, identity.watchReads, file) }
        }
      }
      const result = await run(job)
      const runs = validRuns(result.runs, `${job.experiment} on seed ${job.seed}`)
      const extras = validExtras(result, identity.watchReads, `${job.experiment} on seed ${job.seed}`)
      await mkdir(cache.dir, { recursive: true })
      const tmp = `${file}.tmp-${process.pid}`
      await writeFile(tmp, `${JSON.stringify({ identity, runs, ...extras })}\n`)
      await rename(tmp, file)
      return { runs, ...extras }
    }
  }
}

/** The read paths (required when watched) and CPU time of a result or cache entry, checked. */
function validExtras (entry: { read?: unknown, cpuS?: unknown } | null, watched: boolean, where: string): Pick<PointResult, 'read' | 'cpuS'> {
  const read = entry?.read
  if (watched && (!Array.isArray(read) || !read.every(p => typeof p === 'string'))) {
    throw new SensitivityError(`${where}: expected the paths of the values the run read (strings), found ${JSON.stringify(read)}`)
  }
  const cpuS = entry?.cpuS
  if (cpuS !== undefined && (typeof cpuS !== 'number' || !(cpuS >= 0))) throw new SensitivityError(`${where}: expected a CPU time >= 0, found ${String(cpuS)}`)
  return { ...(watched ? { read: read as string[] } : {}), ...(cpuS !== undefined ? { cpuS } : {}) }
}
