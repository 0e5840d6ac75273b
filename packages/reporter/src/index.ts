/**
 * @packageDocumentation
 *
 * The Xenos reporter: statistics over repetitions (mean, sample standard
 * deviation, 95% confidence interval with Student's t), one PNG chart per
 * figure in the paper's form (grouped bars per setup with error bars, drawn
 * with chart.js through chartjs-node-canvas), and a report directory with
 * `results.csv`, `summary.csv`, `report.md` and a self-contained
 * `report.html` showing each chart and each finding's verdict, evidence and
 * mechanism, and, when given the findings' sensitivity to the estimated
 * inputs, a tornado chart and a sentence per finding and a table of the
 * inputs. It reads only the experiment contract
 * (`@xenos/experiment-interface`).
 *
 * @example
 * ```ts
 * import { PAPER_FIGURES } from '@xenos/experiment-interface'
 * import { readResultSetFile, writeReport, runReportCommand } from '@xenos/reporter'
 *
 * const resultSet = await readResultSetFile('results/paper/results.json')
 * await writeReport({ outDir: 'results/paper/report', resultSet, figures: PAPER_FIGURES, findings: [] })
 * // or, as the CLI does:
 * await runReportCommand(['--in', 'results/paper/results.json', '--out', 'results/paper/report'])
 * ```
 */
export { summarize, paramsKey, pointKey, confidenceHalfWidth, CONFIDENCE_LEVEL, type Summary } from './summarize.js'
export { studentTQuantile, studentTCdf } from './statistics/student-t.js'
export { csvField, toCsv, type CsvCell } from './csv.js'
export { resultsCsv, summaryCsv } from './tables.js'
export { figureData, type FigureData, type FigurePanelData, type FigureSeriesData } from './figure-data.js'
export { renderFigure, SETUP_COLORS, type RenderOptions } from './render-figure.js'
export { renderTornado, tornadoBars } from './render-tornado.js'
export { ciWhiskersPlugin, type Whisker, type CiWhiskersInit } from './ci-whiskers-plugin.js'
export { formatNumber, formatMeanCi, formatInput } from './format.js'
export { buildReportModel, type ReportModel } from './report-model.js'
export { markdownReport } from './markdown-report.js'
export { htmlReport } from './html-report.js'
export { writeReport, type WriteReportInit, type WrittenReport } from './write-report.js'
export { readResultSetFile, readFigureSpecsFile, readFindingsFile } from './read-inputs.js'
export { runReportCommand, type ReportCommandDeps } from './report-command.js'
export * from './errors.js'
