/**
 * Figure specs: how the reporter turns runs into one chart in the paper's
 * form (grouped bars, one bar per setup, one group per x value, error bars
 * for the 95% confidence interval).
 */
import type { ParamValue } from './results.js'

/** The x axis: which run parameter gives the bar groups. */
export interface FigureAxis {
  /** The run parameter, e.g. `dataSizeGB` or `datanodes`. */
  param: string
  /** Axis label with its unit, e.g. `Data size (GB)`. */
  label: string
  /** The groups to show, in order. Default: every value found, numbers ascending. */
  values?: ParamValue[]
}

/** The bar series: one per cluster setup, in this order (and only these). */
export interface FigureSeries {
  by: 'setup'
  order: string[]
}

/** Optional split into panels side by side, e.g. `op` write and read. */
export interface FigurePanels {
  param: string
  values: ParamValue[]
}

/**
 * @example
 * ```ts
 * const fig4: FigureSpec = {
 *   id: 'fig4', title: 'HDFS: PHY vs VM1 with varying data sizes', experiment: 'hdfs-datasize',
 *   x: { param: 'dataSizeGB', label: 'Data size (GB)', values: [1, 4, 8] },
 *   series: { by: 'setup', order: ['PHY', 'VM1'] },
 *   panels: { param: 'op', values: ['write', 'read'] },
 *   metric: 'durationS', yLabel: 'Time (s)', lowerIsBetter: true
 * }
 * ```
 */
export interface FigureSpec {
  /** File-safe id, e.g. `fig4`..`fig8`; the PNG is written as `<id>.png`. */
  id: string
  title: string
  /** Only runs of this experiment are drawn. */
  experiment: string
  x: FigureAxis
  series: FigureSeries
  panels?: FigurePanels
  /** Only runs with this metric are drawn, e.g. `durationS`. */
  metric: string
  /** Y axis label with unit, e.g. `Time (s)`. */
  yLabel: string
  /** True for durations: shown in the report beside the chart. */
  lowerIsBetter: boolean
  /** Only runs whose params match all of these, e.g. `{ phase: 'sort' }`. */
  where?: Record<string, ParamValue>
}
