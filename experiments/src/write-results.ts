/**
 * Writes a run's results and its report: `results.json` (the `ResultSet`),
 * `results.csv`, and through the reporter the charts, `summary.csv`,
 * `report.md` and `report.html`, with the findings evaluated.
 * `results.json` is written first, to a temporary name then renamed, so an
 * interrupted run never leaves a half-written result file.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PAPER_FIGURES, stringifyResultSet, type ResultSet } from '@xenos/experiment-interface'
import { writeReport, type WrittenReport } from '@xenos/reporter'
import { evaluateFindings } from './findings.js'

export async function writeResultsAndReport (outDir: string, resultSet: ResultSet): Promise<{ resultsFile: string, report: WrittenReport }> {
  await mkdir(outDir, { recursive: true })
  const resultsFile = join(outDir, 'results.json')
  const tmp = `${resultsFile}.tmp-${process.pid}`
  await writeFile(tmp, stringifyResultSet(resultSet))
  await rename(tmp, resultsFile)
  const experiments = new Set(resultSet.runs.map(r => r.experiment))
  const figures = PAPER_FIGURES.filter(f => experiments.has(f.experiment))
  const findings = evaluateFindings(resultSet.runs)
  const report = await writeReport({ outDir, resultSet, figures, findings })
  return { resultsFile, report }
}
