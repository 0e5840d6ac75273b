/**
 * Writes a run's results and its report:
 * - `results.json`: the `ResultSet` of every value measured on the
 *   backend's clock, without the start time, so its bytes depend only on the
 *   seeds, the platform and the software (the same seed gives the same file);
 * - `wallclock.json`: the start time and the values measured on the
 *   machine's wall clock (control-plane latency, finding C12), which no seed
 *   reproduces;
 * - through the reporter: the charts, `results.csv`, `summary.csv`,
 *   `report.md` and `report.html` over both, with the findings evaluated.
 * Each JSON file is written to a temporary name then renamed, so an
 * interrupted run never leaves a half-written result file.
 *
 * On `--backend xen` the split is the same, but the backend's clock is the
 * wall clock: `results.json` then holds the lab's measurements, which the
 * seed does not reproduce (its backend field says so).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PAPER_FIGURES, stringifyResultSet, type FindingSensitivity, type ResultSet } from '@xenos/experiment-interface'
import { SENSITIVITY_FILE, type SensitivityFile } from './sensitivity.js'
import { writeReport, type WrittenReport } from '@xenos/reporter'
import { evaluateFindings } from './findings.js'

async function writeAtomically (file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`
  await writeFile(tmp, text)
  await rename(tmp, file)
}

/**
 * The findings' sensitivity to include: the `sensitivity.json` in `outDir`
 * (written by `xenos sensitivity --out` or `xenos paper --sensitivity`) when
 * it was computed on the same platform file; none otherwise.
 */
export async function readSensitivity (outDir: string, platformSha256: string): Promise<FindingSensitivity[]> {
  let text: string
  try {
    text = await readFile(join(outDir, SENSITIVITY_FILE), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  const file = JSON.parse(text) as SensitivityFile
  return file.platformSha256 === platformSha256 ? file.findings : []
}

/** Writes `sensitivity.json` atomically. */
export async function writeSensitivity (outDir: string, file: SensitivityFile): Promise<string> {
  await mkdir(outDir, { recursive: true })
  const path = join(outDir, SENSITIVITY_FILE)
  await writeAtomically(path, `${JSON.stringify(file, null, 2)}\n`)
  return path
}

export async function writeResultsAndReport (
  outDir: string, resultSet: ResultSet
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
  const sensitivity = await readSensitivity(outDir, resultSet.platform.sha256)
  const report = await writeReport({ outDir, resultSet, figures, findings, sensitivity })
  return { resultsFile, wallclockFile, report }
}
