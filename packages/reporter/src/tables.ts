/**
 * The two CSV tables of a report: `results.csv` (one row per run, every
 * param, the seed, platform and software version, so a run can be repeated)
 * and `summary.csv` (one row per summarized point).
 */
import type { ResultSet } from '@xenos/experiment-interface'
import { toCsv, type CsvCell } from './csv.js'
import { CONFIDENCE_LEVEL, paramsKey, type Summary } from './summarize.js'

function keysOf (records: ReadonlyArray<object | undefined>): string[] {
  const keys = new Set<string>()
  for (const r of records) for (const k of Object.keys(r ?? {})) keys.add(k)
  return [...keys].sort()
}

/** `results.csv`: columns for every param (`param.<name>`) and counter (`extra.<name>`) seen in any run. */
export function resultsCsv (resultSet: ResultSet): string {
  const paramKeys = keysOf(resultSet.runs.map(r => r.params))
  const extraKeys = keysOf(resultSet.runs.map(r => r.extra))
  const columns = [
    'experiment', 'setup', ...paramKeys.map(k => `param.${k}`), 'metric', 'unit', 'value', 'seed', 'repetition',
    ...extraKeys.map(k => `extra.${k}`),
    'backend', 'platform', 'platformFile', 'platformSha256', 'software', 'softwareVersion', 'gitCommit', 'startedAt'
  ]
  const { software, platform } = resultSet
  const rows = resultSet.runs.map((r): CsvCell[] => [
    r.experiment, r.setup, ...paramKeys.map(k => r.params[k]), r.metric, r.unit, r.value, r.seed, r.repetition,
    ...extraKeys.map(k => (r.extra as Readonly<Record<string, number | undefined>> | undefined)?.[k]),
    resultSet.backend, platform.name, platform.file, platform.sha256, software.name, software.version, software.gitCommit, resultSet.startedAt
  ])
  return toCsv(columns, rows)
}

/** `summary.csv`: n, mean, sd, CI bounds, min, max per point; params both as columns and as one key. */
export function summaryCsv (summaries: readonly Summary[]): string {
  const paramKeys = keysOf(summaries.map(s => s.params))
  const pct = Math.round(CONFIDENCE_LEVEL * 100)
  const columns = [
    'experiment', 'setup', ...paramKeys.map(k => `param.${k}`), 'params', 'metric', 'unit',
    'n', 'mean', 'sd', `ci${pct}HalfWidth`, `ci${pct}Low`, `ci${pct}High`, 'min', 'max', 'seeds'
  ]
  const rows = summaries.map((s): CsvCell[] => [
    s.experiment, s.setup, ...paramKeys.map(k => s.params[k]), paramsKey(s.params), s.metric, s.unit,
    s.n, s.mean, s.sd, s.ciHalfWidth, s.ciLow, s.ciHigh, s.min, s.max, s.seeds.join(' ')
  ])
  return toCsv(columns, rows)
}
