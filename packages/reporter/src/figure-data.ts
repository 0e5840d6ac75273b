/**
 * Selects and arranges the summaries a figure shows: panels (e.g. write,
 * read), x groups (data sizes, node counts) and one series per setup in the
 * spec's order. Used by the chart and by the report's tables, so both show
 * the same numbers.
 */
import type { FigureSpec, ParamValue } from '@xenos/experiment-interface'
import { AmbiguousFigureDataError } from './errors.js'
import { paramsKey, type Summary } from './summarize.js'

export interface FigureSeriesData {
  setup: string
  /** One entry per x value: the summary, or undefined when there is no data for that bar. */
  points: Array<Summary | undefined>
}

export interface FigurePanelData {
  /** The panel's value of `spec.panels.param`, or undefined for a figure without panels. */
  panelValue: ParamValue | undefined
  /** Title of the panel, e.g. `op = write`; empty without panels. */
  label: string
  xValues: ParamValue[]
  series: FigureSeriesData[]
}

export interface FigureData {
  spec: FigureSpec
  panels: FigurePanelData[]
  /** The unit of the figure's metric (from the data), or '' when there is none. */
  unit: string
  /** Number of summaries drawn. */
  pointCount: number
}

/** Numbers ascending, then strings in code-unit order. */
function compareValues (a: ParamValue, b: ParamValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'number') return -1
  if (typeof b === 'number') return 1
  return a < b ? -1 : a > b ? 1 : 0
}

/** Does a summary belong to this figure (experiment, metric, `where`)? */
export function matchesFigure (spec: FigureSpec, s: Summary): boolean {
  if (s.experiment !== spec.experiment || s.metric !== spec.metric) return false
  if (!(spec.x.param in s.params)) return false
  if (spec.panels !== undefined && !(spec.panels.param in s.params)) return false
  for (const [k, v] of Object.entries(spec.where ?? {})) if (s.params[k] !== v) return false
  return spec.series.order.includes(s.setup)
}

/**
 * @throws {AmbiguousFigureDataError} when two summaries fall on one bar
 * (their params differ in something the spec neither plots nor filters)
 */
export function figureData (spec: FigureSpec, summaries: readonly Summary[]): FigureData {
  const selected = summaries.filter(s => matchesFigure(spec, s))
  const panelValues: Array<ParamValue | undefined> = spec.panels?.values ?? [undefined]
  const panels = panelValues.map((panelValue): FigurePanelData => {
    const inPanel = spec.panels === undefined ? selected : selected.filter(s => s.params[spec.panels?.param ?? ''] === panelValue)
    const xValues = spec.x.values ?? [...new Set(inPanel.map(s => s.params[spec.x.param]).filter(v => v !== undefined))].sort(compareValues)
    const series = spec.series.order.map((setup): FigureSeriesData => ({
      setup,
      points: xValues.map((x) => {
        const hits = inPanel.filter(s => s.setup === setup && s.params[spec.x.param] === x)
        if (hits.length > 1) {
          const bar = `setup ${setup}, ${spec.x.param}=${String(x)}${panelValue === undefined ? '' : `, ${spec.panels?.param ?? ''}=${String(panelValue)}`}`
          throw new AmbiguousFigureDataError(spec.id, bar, hits.map(h => paramsKey(h.params)))
        }
        return hits[0]
      })
    }))
    return { panelValue, label: spec.panels === undefined ? '' : `${spec.panels.param} = ${String(panelValue)}`, xValues, series }
  })
  const drawn = panels.flatMap(p => p.series.flatMap(s => s.points)).filter((p): p is Summary => p !== undefined)
  return { spec, panels, unit: drawn[0]?.unit ?? '', pointCount: drawn.length }
}
