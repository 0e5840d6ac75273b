/**
 * Writes a whole report directory: `<figure id>.png` per figure,
 * `results.csv`, `summary.csv`, `report.md` and a self-contained
 * `report.html`.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FigureSpec, FindingResult, ResultSet, SensitivityAnalysis } from '@xenos/experiment-interface'
import { renderTornado } from './render-tornado.js'
import { htmlReport } from './html-report.js'
import { markdownReport } from './markdown-report.js'
import { renderFigure, type RenderOptions } from './render-figure.js'
import { buildReportModel, tornadoFile } from './report-model.js'
import { summarize, type Summary } from './summarize.js'
import { resultsCsv, summaryCsv } from './tables.js'

export interface WriteReportInit {
  /** Created if missing; existing files of the same names are overwritten. */
  outDir: string
  resultSet: ResultSet
  figures: readonly FigureSpec[]
  findings: readonly FindingResult[]
  /** The sensitivity of the findings to the estimated inputs (a tornado chart and a sentence each, a table of the inputs), when it was computed. */
  sensitivity?: SensitivityAnalysis | undefined
  chart?: RenderOptions
}

export interface WrittenReport {
  /** Absolute or relative paths of every file written, in writing order. */
  files: string[]
  summaries: Summary[]
}

export async function writeReport (init: WriteReportInit): Promise<WrittenReport> {
  const { outDir, resultSet, figures, findings } = init
  const summaries = summarize(resultSet.runs)
  // Build the model first: a spec that cannot be drawn fails before anything is written.
  const model = buildReportModel(resultSet, summaries, figures, findings, init.sensitivity)
  await mkdir(outDir, { recursive: true })
  const files: string[] = []
  const write = async (name: string, content: string | Buffer): Promise<void> => {
    const path = join(outDir, name)
    await writeFile(path, content)
    files.push(path)
  }
  const pngs = new Map<string, Buffer>()
  for (const section of model.figures) {
    const png = await renderFigure(section.spec, summaries, init.chart)
    pngs.set(section.spec.id, png)
    await write(section.pngFile, png)
  }
  for (const s of model.sensitivity?.findings ?? []) {
    const png = await renderTornado(s)
    pngs.set(tornadoFile(s.id), png)
    await write(tornadoFile(s.id), png)
  }
  await write('results.csv', resultsCsv(resultSet))
  await write('summary.csv', summaryCsv(summaries))
  await write('report.md', markdownReport(model))
  await write('report.html', htmlReport(model, pngs))
  return { files, summaries }
}
