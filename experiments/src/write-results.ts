/**
 * Writes a run's results and its report:
 * - `results.json`: the `ResultSet` of every value measured on the
 *   backend's clock, without the start time, so its bytes depend only on the
 *   seeds, the platform and the software (the same seed gives the same file);
 * - `wallclock.json`: the start time and the values measured on the
 *   machine's wall clock (control-plane latency, finding C12), which no seed
 *   reproduces;
 * - through the reporter: the charts, `results.csv`, `summary.csv`,
 *   `report.md` and `report.html` over both, with the findings evaluated;
 * - `sensitivity.json` when the findings' sensitivity to the estimated
 *   inputs was computed from these runs (and the report shows it).
 * Each JSON file is written to a temporary name then renamed, so an
 * interrupted run never leaves a half-written result file.
 *
 * On `--backend xen` the split is the same, but the backend's clock is the
 * wall clock: `results.json` then holds the lab's measurements, which the
 * seed does not reproduce (its backend field says so).
 */
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PAPER_FIGURES, stringifyResultSet, type ResultSet, type SensitivityAnalysis } from '@xenos/experiment-interface'
import { writeReport, type WrittenReport } from '@xenos/reporter'
import { evaluateFindings } from './findings.js'
import { baseRunsSha256, readSensitivity, writeSensitivity } from './sensitivity/index.js'

async function writeAtomically (file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`
  await writeFile(tmp, text)
  await rename(tmp, file)
}

export interface WriteResultsOptions {
  /**
   * The findings' sensitivity, computed from these very runs: written to
   * `sensitivity.json` and shown in the report. Without it, the report shows
   * the `sensitivity.json` already in `outDir` if it was computed from the
   * same runs on the same platform, and says it was not computed otherwise.
   */
  sensitivity?: SensitivityAnalysis
}

export async function writeResultsAndReport (
  outDir: string, resultSet: ResultSet, options: WriteResultsOptions = {}
): Promise<{ resultsFile: string, wallclockFile: string, report: WrittenReport }> {
  await mkdir(outDir, { recursive: true })
  const { startedAt, ...reproducible } = resultSet
  const resultsFile = join(outDir, 'results.json')
  await writeAtomically(resultsFile, stringifyResultSet({ ...reproducible, runs: resultSet.runs.filter(r => r.clock !== 'wall') }))
  const wallclockFile = join(outDir, 'wallclock.json')
  const wallRuns = resultSet.runs.filter(r => r.clock === 'wall')
  await writeAtomically(wallclockFile, stringifyResultSet({ ...reproducible, ...(startedAt !== undefined ? { startedAt } : {}), runs: wallRuns }))
  const experiments = new Set(resultSet.runs.map(r => r.experiment))
  const figures = PAPER_FIGURES.filter(f => experiments.has(f.experiment))
  const findings = evaluateFindings(resultSet.runs)
  const identity = { platformSha256: resultSet.platform.sha256, baseRunsSha256: baseRunsSha256(resultSet.runs) }
  if (options.sensitivity !== undefined) await writeSensitivity(outDir, identity, options.sensitivity)
  const sensitivity = options.sensitivity ?? await readSensitivity(outDir, identity)
  const report = await writeReport({ outDir, resultSet, figures, findings, sensitivity })
  return { resultsFile, wallclockFile, report }
}
