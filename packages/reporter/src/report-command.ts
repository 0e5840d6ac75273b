/**
 * The `xenos report` command as a function, for the CLI to mount:
 * `xenos report --in results.json --out DIR [--figures figures.json] [--findings findings.json]`.
 * Figures default to the paper's (`PAPER_FIGURES`); findings come from the
 * `--findings` file, else from the injected `evaluateFindings`, else none.
 */
import { parseArgs } from 'node:util'
import { PAPER_FIGURES, type FigureSpec, type FindingResult, type ResultSet } from '@xenos/experiment-interface'
import { ReportUsageError } from './errors.js'
import { readFigureSpecsFile, readFindingsFile, readResultSetFile } from './read-inputs.js'
import { writeReport, type WrittenReport } from './write-report.js'

export interface ReportCommandDeps {
  /** Figures drawn when `--figures` is not given. @default PAPER_FIGURES */
  figures?: readonly FigureSpec[]
  /** Checks the findings on the results when `--findings` is not given (the app injects the experiments' checks). */
  evaluateFindings?: (resultSet: ResultSet) => FindingResult[] | Promise<FindingResult[]>
  /** Where progress lines go. @default console.log */
  log?: (line: string) => void
}

/**
 * @param argv the arguments after `report`, e.g. `['--in', 'results.json', '--out', 'out']`
 * @throws {ReportUsageError} for missing or unknown options; input errors name the file and field
 */
export async function runReportCommand (argv: readonly string[], deps: ReportCommandDeps = {}): Promise<WrittenReport> {
  let values: { in?: string, out?: string, figures?: string, findings?: string }
  try {
    values = parseArgs({
      args: [...argv],
      options: { in: { type: 'string' }, out: { type: 'string' }, figures: { type: 'string' }, findings: { type: 'string' } },
      allowPositionals: false,
      strict: true
    }).values
  } catch (err) {
    throw new ReportUsageError(`expected only --in, --out, --figures and --findings, found: ${(err as Error).message}`, { cause: err })
  }
  if (values.in === undefined || values.in === '') throw new ReportUsageError('expected --in <results.json>, found none')
  if (values.out === undefined || values.out === '') throw new ReportUsageError('expected --out <directory>, found none')
  const log = deps.log ?? ((line: string) => { console.log(line) })

  const resultSet = await readResultSetFile(values.in)
  const figures = values.figures === undefined ? (deps.figures ?? PAPER_FIGURES) : await readFigureSpecsFile(values.figures)
  const findings = values.findings !== undefined
    ? await readFindingsFile(values.findings)
    : (deps.evaluateFindings === undefined ? [] : await deps.evaluateFindings(resultSet))
  log(`report: ${resultSet.runs.length} runs from ${values.in}, ${figures.length} figures, ${findings.length} findings`)
  const written = await writeReport({ outDir: values.out, resultSet, figures, findings })
  for (const file of written.files) log(`wrote ${file}`)
  return written
}
