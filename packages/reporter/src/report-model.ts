/**
 * What a report shows, computed once and rendered twice (Markdown, HTML):
 * the run context, per figure its tables of means ± CI, the findings, and
 * the summaries that no figure draws (deploy, migration, ...).
 */
import type { FigureSpec, FindingResult, FindingSensitivity, ParamValue, ResultSet, SensitivityAnalysis } from '@xenos/experiment-interface'
import { figureData, matchesFigure, type FigureData } from './figure-data.js'
import { formatInput, formatMeanCi } from './format.js'
import { paramsKey, type Summary } from './summarize.js'

/** One table of a figure: a row per x value, a column per setup, cells `mean ± CI unit (n)`. */
export interface FigureTable {
  caption: string
  header: string[]
  rows: string[][]
}

export interface FigureSection {
  spec: FigureSpec
  /** File name of the PNG beside the report, e.g. `fig4.png`. */
  pngFile: string
  data: FigureData
  tables: FigureTable[]
}

export interface ReportModel {
  resultSet: ResultSet
  figures: FigureSection[]
  findings: readonly FindingResult[]
  /** Sensitivity of the findings to the estimated inputs, when it was computed. */
  sensitivity: SensitivityAnalysis | undefined
  /** Summaries no figure draws, as a table. */
  other: FigureTable
  counts: { pass: number, fail: number, skipped: number }
}

/** A safe HTML id / Markdown anchor for a finding or figure id: `C1` -> `finding-c1`. */
export function anchorOf (id: string, prefix = 'finding'): string {
  return `${prefix}-${id.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`
}

function figureTables (spec: FigureSpec, data: FigureData): FigureTable[] {
  return data.panels.map(panel => ({
    caption: panel.label === '' ? spec.title : panel.label,
    header: [spec.x.label, ...panel.series.map(s => s.setup)],
    rows: panel.xValues.map((x: ParamValue, i) => [String(x), ...panel.series.map((s) => {
      const p = s.points[i]
      return p === undefined ? 'no data' : formatMeanCi(p)
    })])
  }))
}

export function buildReportModel (
  resultSet: ResultSet, summaries: readonly Summary[], figures: readonly FigureSpec[], findings: readonly FindingResult[],
  sensitivity?: SensitivityAnalysis
): ReportModel {
  const sections = figures.map((spec): FigureSection => {
    const data = figureData(spec, summaries)
    return { spec, pngFile: `${spec.id}.png`, data, tables: figureTables(spec, data) }
  })
  const rest = summaries.filter(s => !figures.some(f => matchesFigure(f, s)))
  const other: FigureTable = {
    caption: 'Other measurements',
    header: ['Experiment', 'Setup', 'Params', 'Metric', 'Mean ± 95% CI', 'Min', 'Max'],
    rows: rest.map(s => [s.experiment, s.setup, paramsKey(s.params), s.metric, formatMeanCi(s), String(s.min), String(s.max)])
  }
  const count = (status: FindingResult['status']): number => findings.filter(f => f.status === status).length
  return { resultSet, figures: sections, findings, sensitivity, other, counts: { pass: count('PASS'), fail: count('FAIL'), skipped: count('SKIPPED') } }
}

/** Said above the findings: what a verdict means off the paper's own cluster. */
export const FINDINGS_SCOPE = 'The findings are the paper\'s statements about its own cluster (the simulated platform paper-2010 describes it);'
  + ' on another platform or on real hosts, a verdict says how that hardware behaves differently, not whether the model is wrong.'

/** True when a finding's inputs were calibrated on the figures it checks (its PASS is consistency, not a prediction). */
export function calibrated (f: FindingResult): boolean {
  return f.basis === 'consistent-by-calibration'
}

/** What a calibrated finding's inputs were calibrated on. */
export function calibratedOn (f: FindingResult): string {
  return f.calibratedOn ?? 'inputs were calibrated on the figures this finding checks'
}

/** The basis beside a calibrated finding's verdict: a PASS is consistency; a FAIL had calibrated inputs and fails even so. */
export function basisLabel (f: FindingResult): string {
  return f.status === 'PASS' ? 'consistent by calibration' : 'partly calibrated'
}

/** The sentence that explains a calibrated finding's basis. */
export function basisDetail (f: FindingResult): string {
  return f.status === 'PASS'
    ? `consistent by calibration, not a prediction: ${calibratedOn(f)}`
    : `some inputs were calibrated on the figures it checks, and it does not hold even so: ${calibratedOn(f)}`
}

/** File name of a finding's tornado chart beside the report. */
export function tornadoFile (id: string): string {
  return `sensitivity-${id.replace(/[^A-Za-z0-9-]/g, '_')}.png`
}

/** Said where no sensitivity was computed. */
export const SENSITIVITY_NOT_RUN = 'Not computed for this report: `xenos paper` computes it after the figures unless given --no-sensitivity, '
  + 'and `xenos sensitivity FINDING... --out DIR` for some findings; each moves every estimated input across its plausible range and judges the findings again.'

/** How the analysis was made, in a paragraph. */
export function sensitivityMethod (a: SensitivityAnalysis): string {
  const seeds = a.seeds.length === 1 ? `seed ${a.seeds[0]}` : `seeds ${a.seeds.join(', ')}`
  const exact = a.seeds.length >= a.referenceRepetitions
  const margins = exact
    ? 'A finding\'s margin at an end is its margin on those runs. '
    : `A finding's margin at an end is the report's margin (${a.referenceRepetitions} repetitions) moved by the change that end made on ${seeds}`
      + ' against the base inputs on the same seed (the same draws of task spread and disk placement). '
  return `Each of the ${a.estimates.length} estimated inputs (the values the platform and cost files mark as estimates, each with the range its source`
    + ' allows, listed under "Estimated inputs") was moved alone to each end of its range, and the runs of the findings it can change were made'
    + ` again on ${seeds} (${a.perturbedRuns} runs: each experiment point the findings look up whose run on the base inputs read a value that end`
    + ` changes; a run that reads none of them is the base run, whose records stand for it). ${margins}`
    + 'The margin is the distance of the deciding quantity from the claim\'s threshold (>= 0 holds). A verdict is fragile when the end of some input\'s'
    + ' range flips it, whichever way it falls; where it flips between the base value and that end is interpolated linearly. A flip inside a range whose'
    + ' two ends agree with the base value, or one that needs two inputs moved at once, is not seen.'
}

/** The analysis of one finding, when it was analysed. */
export function findingSensitivity (model: ReportModel, id: string): FindingSensitivity | undefined {
  return model.sensitivity?.findings.find(s => s.id === id)
}

/** Why a finding was not analysed, when the analysis left it out. */
export function notAnalysedWhy (model: ReportModel, id: string): string | undefined {
  return model.sensitivity?.notAnalysed.find(s => s.id === id)?.why
}

/** The sensitivity at a glance: how many analysed verdicts are fragile and how many robust; undefined when not computed. */
export function sensitivityCounts (model: ReportModel): string | undefined {
  const a = model.sensitivity
  if (a === undefined) return undefined
  const fragile = a.findings.filter(f => f.fragile)
  return `${fragile.length} fragile${fragile.length > 0 ? ` (${fragile.map(f => f.id).join(', ')})` : ''}, ${a.findings.length - fragile.length} robust`
    + ` to the ${a.estimates.length} estimated inputs`
}

/** The label of a finding's sensitivity at a glance. */
export function sensitivityLabel (model: ReportModel, id: string): string {
  if (model.sensitivity === undefined) return 'not computed'
  const s = findingSensitivity(model, id)
  if (s !== undefined) return s.fragile ? 'fragile' : 'robust'
  return 'not analysed'
}

/** Every estimated input: its value, its plausible range and source, and the findings whose verdict it flips within that range. */
export function estimatesTable (a: SensitivityAnalysis): FigureTable {
  return {
    caption: 'Estimated inputs',
    header: ['Input', 'Value', 'Plausible range', 'Source of the range', 'Flips'],
    rows: a.estimates.map((e) => {
      const flips = a.findings.filter(f => f.inputs.some(i => i.input === e.input && (i.flipsBelow !== undefined || i.flipsAbove !== undefined)))
      return [e.input, formatInput(e.base), `${formatInput(e.low)} to ${formatInput(e.high)}`, e.why, flips.map(f => f.id).join(', ') || 'none']
    })
  }
}
