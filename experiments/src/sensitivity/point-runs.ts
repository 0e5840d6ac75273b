/**
 * One run of a sensitivity analysis: one experiment on the simulated testbed
 * of a platform file and a cost file (either may be a copy with one estimate
 * moved), on consecutive seeds. Made in this process (`runPointHere`), in
 * worker processes (`worker-pool.ts`), or found in a cache of earlier runs
 * (`cachedPointRuns`): the same job on the same code gives the same records
 * in every case.
 */
import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { parseJson, RESULT_SCHEMA_VERSION, validateResultSet, type RunRecord } from '@xenos/experiment-interface'
import { experimentByName } from '../definitions/index.js'
import { runExperiments } from '../runner.js'
import { simTestbedFactory } from '../testbeds/sim-testbed.js'

export interface PointJob {
  experiment: string
  platformFile: string
  costsFile: string
  /** Seed of the first repetition; repetition r uses seed + r, as the paper's runs. */
  seed: number
  repetitions: number
}

/** Runs one job and returns its records. */
export type PointRunner = (job: PointJob) => Promise<RunRecord[]>

/** A job's records, made in this process. */
export async function runPointHere (job: PointJob): Promise<RunRecord[]> {
  const rs = await runExperiments([experimentByName(job.experiment)], {
    backend: 'sim',
    factory: await simTestbedFactory({ platformFile: job.platformFile, costsFile: job.costsFile }),
    platform: { name: 'sensitivity', file: job.platformFile, sha256: '0'.repeat(64) },
    seed: job.seed,
    repetitions: job.repetitions,
    software: { name: '@xenos/experiments', version: 'sensitivity' },
    startedAt: '1970-01-01T00:00:00.000Z'
  })
  return rs.runs
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
        version: 1,
        code: cache.codeFingerprint,
        experiment: job.experiment,
        seed: job.seed,
        repetitions: job.repetitions,
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
        const entry = parseJson(text, file) as { identity?: unknown, runs?: unknown } | null
        if (isDeepStrictEqual(entry?.identity, identity)) {
          hits++
          return validRuns(entry?.runs, file)
        }
      }
      const runs = validRuns(await run(job), `${job.experiment} on seed ${job.seed}`)
      await mkdir(cache.dir, { recursive: true })
      const tmp = `${file}.tmp-${process.pid}`
      await writeFile(tmp, `${JSON.stringify({ identity, runs })}\n`)
      await rename(tmp, file)
      return runs
    }
  }
}
