/**
 * Runs experiment definitions on a testbed, repetition by repetition, and
 * collects a `ResultSet` that records everything needed to repeat the run:
 * every parameter, the seed of each repetition, the platform file and its
 * hash, and the software version.
 */
import type { Backend, ExperimentDefinition, PlatformInfo, ResultSet, RunRecord, TestbedFactory } from '@xenos/experiment-interface'
import { RESULT_SCHEMA_VERSION, toRunRecord } from '@xenos/experiment-interface'
import type { RunJournal } from './run-journal.js'
import { ExperimentsError } from './errors.js'

export interface RunOptions {
  backend: Backend
  factory: TestbedFactory
  platform: PlatformInfo
  /** Seed of the first repetition; repetition r uses `seed + r`. */
  seed: number
  repetitions: number
  software: ResultSet['software']
  /** Wall-clock start, ISO 8601, supplied by the caller (never read by a model). */
  startedAt: string
  /** Progress of the whole run: fraction in [0, 1] and a label. */
  onProgress?: (fraction: number, label: string) => void
  /** Where finished steps are kept as they finish, and found again when a stopped run is resumed (run-journal.ts). */
  journal?: Pick<RunJournal, 'get' | 'put'>
}

/** Options of a run that cannot be used, or a run that could not complete. */
export class RunnerError extends ExperimentsError {}

export async function runExperiments (definitions: readonly ExperimentDefinition[], options: RunOptions): Promise<ResultSet> {
  if (!Number.isInteger(options.repetitions) || options.repetitions < 1) {
    throw new RunnerError(`repetitions: expected an integer >= 1, found ${options.repetitions}`)
  }
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) throw new RunnerError(`seed: expected a non-negative integer, found ${options.seed}`)
  const runs: RunRecord[] = []
  const units = definitions.length * options.repetitions
  let unit = 0
  for (let repetition = 0; repetition < options.repetitions; repetition++) {
    const seed = options.seed + repetition
    for (const def of definitions) {
      const journaled = options.journal?.get(def.name, repetition)
      if (journaled !== undefined) {
        runs.push(...journaled)
        unit++
        options.onProgress?.(unit / units, `rep ${repetition + 1}/${options.repetitions} ${def.name} (from the journal)`)
        continue
      }
      const testbed = await options.factory({ seed })
      try {
        const measurements = await def.run(testbed, {
          seed,
          repetition,
          progress: (done, total, label) =>
            options.onProgress?.((unit + (total > 0 ? done / total : 1)) / units, `rep ${repetition + 1}/${options.repetitions} ${label}`)
        })
        const step = measurements.map(m => toRunRecord(m, seed, repetition))
        await options.journal?.put({ experiment: def.name, repetition, seed, runs: step })
        runs.push(...step)
      } catch (err) {
        throw new RunnerError(`experiment ${def.name} (seed ${seed}, repetition ${repetition}) failed: ${(err as Error).message}`, { cause: err })
      } finally {
        await testbed.close()
      }
      unit++
      options.onProgress?.(unit / units, `rep ${repetition + 1}/${options.repetitions} ${def.name} done`)
    }
  }
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    software: options.software,
    backend: options.backend,
    platform: options.platform,
    startedAt: options.startedAt,
    runs
  }
}
