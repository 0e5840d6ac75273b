/**
 * Statistics over repetitions: one summary per (experiment, setup, params,
 * metric) with n, mean, sample standard deviation, a 95% confidence interval
 * of the mean (Student t with n - 1 degrees of freedom), min and max.
 */
import type { ParamValue, RunRecord } from '@xenos/experiment-interface'
import { max, mean, min, sampleStandardDeviation } from 'simple-statistics'
import { MixedUnitsError } from './errors.js'
import { studentTQuantile } from './statistics/student-t.js'

/** The two-sided confidence level of every interval in the report. */
export const CONFIDENCE_LEVEL = 0.95

export interface Summary {
  experiment: string
  setup: string
  params: Record<string, ParamValue>
  metric: string
  unit: string
  /** Number of runs. */
  n: number
  mean: number
  /** Sample standard deviation (n - 1 in the denominator); null when n = 1. */
  sd: number | null
  /** Half width of the 95% CI of the mean, t(0.975, n-1) * sd / sqrt(n); null when n = 1. */
  ciHalfWidth: number | null
  /** mean - ciHalfWidth, or null when n = 1. */
  ciLow: number | null
  /** mean + ciHalfWidth, or null when n = 1. */
  ciHigh: number | null
  min: number
  max: number
  /** The seeds of the runs, in input order. */
  seeds: number[]
}

/** A stable text key for a params record: keys sorted, values JSON-encoded (1 and "1" differ). */
export function paramsKey (params: Record<string, ParamValue>): string {
  return Object.keys(params).sort().map(k => `${k}=${JSON.stringify(params[k])}`).join(',')
}

/** The grouping key of a run or summary. */
export function pointKey (p: { experiment: string, setup: string, params: Record<string, ParamValue>, metric: string }): string {
  return `${p.experiment} | ${p.setup} | ${paramsKey(p.params)} | ${p.metric}`
}

/** Half width of the two-sided `level` confidence interval of the mean of `values` (n >= 2). */
export function confidenceHalfWidth (values: readonly number[], level = CONFIDENCE_LEVEL): number {
  const n = values.length
  const sd = sampleStandardDeviation([...values])
  return studentTQuantile(1 - (1 - level) / 2, n - 1) * sd / Math.sqrt(n)
}

function compare (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Groups runs by (experiment, setup, params, metric) and summarizes each
 * group. The output is sorted by experiment, setup, params, metric, so the
 * same runs in any order give the same summaries.
 *
 * @throws {MixedUnitsError} when one group holds runs with different units
 */
export function summarize (runs: readonly RunRecord[]): Summary[] {
  const groups = new Map<string, RunRecord[]>()
  for (const run of runs) {
    const key = pointKey(run)
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [run])
    else group.push(run)
  }
  const summaries: Array<Summary & { sortKey: string[] }> = []
  for (const [key, group] of groups) {
    const first = group[0]
    if (first === undefined) continue
    const units = [...new Set(group.map(r => r.unit))]
    if (units.length > 1) throw new MixedUnitsError(key, units)
    const values = group.map(r => r.value)
    const n = values.length
    const sd = n >= 2 ? sampleStandardDeviation(values) : null
    const half = n >= 2 ? confidenceHalfWidth(values) : null
    const m = mean(values)
    summaries.push({
      experiment: first.experiment,
      setup: first.setup,
      params: { ...first.params },
      metric: first.metric,
      unit: first.unit,
      n,
      mean: m,
      sd,
      ciHalfWidth: half,
      ciLow: half === null ? null : m - half,
      ciHigh: half === null ? null : m + half,
      min: min(values),
      max: max(values),
      seeds: group.map(r => r.seed),
      sortKey: [first.experiment, first.setup, paramsKey(first.params), first.metric]
    })
  }
  summaries.sort((a, b) => {
    for (let i = 0; i < 4; i++) {
      const c = compare(a.sortKey[i] ?? '', b.sortKey[i] ?? '')
      if (c !== 0) return c
    }
    return 0
  })
  return summaries.map(({ sortKey: _sortKey, ...s }) => s)
}
