/**
 * Runs experiment definitions once on the shipped platform (the paper's
 * cluster, `paper-2010.yaml`), as `xenos paper` does with three seeds, and
 * judges the findings on the runs: what the shipped-platform finding specs
 * share.
 */
import { PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import type { ExperimentDefinition, FindingResult, ResultSet, RunRecord } from '@xenos/experiment-interface'
import { runExperiments } from '../src/runner.js'
import { simTestbedFactory } from '../src/testbeds/sim-testbed.js'
import { evaluateFindings } from '../src/findings.js'

export interface ShippedRun {
  readonly results: ResultSet
  /** The finding `id` judged on these runs. */
  finding(id: string): FindingResult
  /** The one `durationS` run of a point (one repetition, so one run). */
  run(experiment: string, setup: string, params: Record<string, string | number>): RunRecord
}

export async function runOnShippedPlatform (definitions: readonly ExperimentDefinition[], seed = 1): Promise<ShippedRun> {
  const factory = await simTestbedFactory({ platformFile: PAPER_PLATFORM_FILE })
  const results = await runExperiments(definitions, {
    backend: 'sim', factory, seed, repetitions: 1, startedAt: '2026-01-01T00:00:00.000Z',
    platform: { name: 'paper-2010', file: PAPER_PLATFORM_FILE, sha256: 'a'.repeat(64) },
    software: { name: 'test', version: '0' }
  })
  const findings = evaluateFindings(results.runs)
  return {
    results,
    finding: (id) => {
      const f = findings.find(x => x.id === id)
      if (f === undefined) throw new Error(`expected finding ${id}, found none`)
      return f
    },
    run: (experiment, setup, params) => {
      const runs = results.runs.filter(r => r.experiment === experiment && r.setup === setup && r.metric === 'durationS'
        && Object.entries(params).every(([k, v]) => r.params[k] === v))
      if (runs.length !== 1) throw new Error(`expected one run of ${experiment} ${setup} ${JSON.stringify(params)}, found ${runs.length}`)
      return runs[0]!
    }
  }
}
