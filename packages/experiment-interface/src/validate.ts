/**
 * Runtime validation of the contract's documents at the boundary (files read
 * from disk, options from a command line). Each returns the typed value or
 * throws a typed error naming the source and the offending field.
 */
import { z } from 'zod'
import { DocumentValidationError, JsonParseError, ResultSetValidationError, type ValidationIssue } from './errors.js'
import type { FigureSpec } from './figures.js'
import type { FindingResult } from './findings.js'
import { emptyCounters } from './jobs.js'
import { UNITS } from './quantity.js'
import { RESULT_SCHEMA_VERSION, type ResultSet } from './results.js'
import type { SensitivityAnalysis } from './sensitivity.js'

const paramValue = z.union([z.number(), z.string()])
const paramRecord = z.record(z.string().min(1), paramValue)
const nonEmpty = z.string().min(1)

const counterValue = z.number().nonnegative()
const runCountersSchema = z.strictObject({
  nodes: counterValue.optional(),
  ...Object.fromEntries(Object.keys(emptyCounters()).map(name => [name, counterValue.optional()]))
})

const runRecordSchema = z.strictObject({
  experiment: nonEmpty,
  setup: nonEmpty,
  params: paramRecord,
  metric: nonEmpty,
  unit: z.enum(UNITS),
  value: z.number(),
  seed: z.int(),
  repetition: z.int().nonnegative(),
  clock: z.literal('wall').optional(),
  extra: runCountersSchema.optional()
})

const resultSetSchema = z.strictObject({
  schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
  software: z.strictObject({ name: nonEmpty, version: nonEmpty, gitCommit: z.string().optional() }),
  backend: z.enum(['sim', 'xen']),
  platform: z.strictObject({
    name: nonEmpty,
    file: nonEmpty,
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters'),
    assumptions: z.array(z.string()).optional()
  }),
  startedAt: z.iso.datetime({ offset: true }).optional(),
  runs: z.array(runRecordSchema)
})

const figureSpecSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'expected a file-safe id like fig4'),
  title: nonEmpty,
  experiment: nonEmpty,
  x: z.strictObject({ param: nonEmpty, label: nonEmpty, values: z.array(paramValue).optional() }),
  series: z.strictObject({ by: z.literal('setup'), order: z.array(nonEmpty).min(1) }),
  panels: z.strictObject({ param: nonEmpty, values: z.array(paramValue).min(1) }).optional(),
  metric: nonEmpty,
  yLabel: nonEmpty,
  lowerIsBetter: z.boolean(),
  where: paramRecord.optional()
})

const findingSchema = z.strictObject({
  id: nonEmpty,
  title: nonEmpty,
  statement: nonEmpty,
  status: z.enum(['PASS', 'FAIL', 'SKIPPED']),
  evidence: z.string(),
  mechanism: z.string(),
  reason: z.string().optional(),
  basis: z.enum(['prediction', 'consistent-by-calibration']).optional(),
  calibratedOn: z.string().optional()
})

const estimateInfoShape = { input: nonEmpty, base: z.number(), low: z.number(), high: z.number(), why: nonEmpty }
const sensitivitySchema = z.strictObject({
  seeds: z.array(z.int()).min(1),
  referenceRepetitions: z.int().positive(),
  estimates: z.array(z.strictObject(estimateInfoShape)),
  perturbedRuns: z.int().nonnegative(),
  findings: z.array(z.strictObject({
    id: nonEmpty,
    baseMargin: z.number(),
    seedMargins: z.array(z.number()),
    seeds: z.array(z.int()).min(1),
    inputs: z.array(z.strictObject({
      ...estimateInfoShape,
      marginAtLow: z.number().nullable(),
      marginAtHigh: z.number().nullable(),
      flipsBelow: z.number().optional(),
      flipsAbove: z.number().optional()
    })),
    fragile: z.boolean(),
    sentence: nonEmpty
  })),
  notAnalysed: z.array(z.strictObject({ id: nonEmpty, why: nonEmpty }))
})

/** Formats a zod path as `runs[3].value`. */
function fieldPath (path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out === '' ? String(key) : `.${String(key)}`
  }
  return out === '' ? '(root)' : out
}

function toIssues (error: z.ZodError): ValidationIssue[] {
  return error.issues.map(issue => ({ field: fieldPath(issue.path), message: issue.message }))
}

/**
 * Checks that `value` is a ResultSet. `source` (a file path) is named in the error.
 *
 * @throws {ResultSetValidationError} naming the source and each offending field
 */
export function validateResultSet (value: unknown, source = '<memory>'): ResultSet {
  const parsed = resultSetSchema.safeParse(value)
  if (!parsed.success) throw new ResultSetValidationError(source, toIssues(parsed.error))
  const resultSet: ResultSet = parsed.data
  return resultSet
}

/** Parses JSON text, then {@link validateResultSet}. */
export function parseResultSetJson (text: string, source = '<memory>'): ResultSet {
  return validateResultSet(parseJson(text, source), source)
}

/** Checks a list of figure specs (e.g. read from a `--figures` file). */
export function validateFigureSpecs (value: unknown, source = '<memory>'): FigureSpec[] {
  const parsed = z.array(figureSpecSchema).safeParse(value)
  if (!parsed.success) throw new DocumentValidationError('a list of figure specs', source, toIssues(parsed.error))
  const seen = new Set<string>()
  parsed.data.forEach((spec, i) => {
    if (seen.has(spec.id)) throw new DocumentValidationError('unique figure ids', source, [{ field: `[${i}].id`, message: `duplicate id "${spec.id}"` }])
    seen.add(spec.id)
  })
  const specs: FigureSpec[] = parsed.data
  return specs
}

/** Checks a list of finding results (e.g. read from a `--findings` file). */
export function validateFindingResults (value: unknown, source = '<memory>'): FindingResult[] {
  const parsed = z.array(findingSchema).safeParse(value)
  if (!parsed.success) throw new DocumentValidationError('a list of finding results', source, toIssues(parsed.error))
  const findings: FindingResult[] = parsed.data
  return findings
}

/** Checks a sensitivity analysis (e.g. read back from `sensitivity.json`). */
export function validateSensitivityAnalysis (value: unknown, source = '<memory>'): SensitivityAnalysis {
  const parsed = sensitivitySchema.safeParse(value)
  if (!parsed.success) throw new DocumentValidationError('a sensitivity analysis', source, toIssues(parsed.error))
  const analysis: SensitivityAnalysis = parsed.data
  return analysis
}

/** JSON.parse with a typed error naming the source. */
export function parseJson (text: string, source = '<memory>'): unknown {
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new JsonParseError(source, (err as Error).message, { cause: err })
  }
}

/**
 * The text of a result file: validated first (so a NaN or a missing seed
 * fails here, not silently as `null` in the file), then pretty-printed JSON.
 */
export function stringifyResultSet (resultSet: ResultSet, destination = '<memory>'): string {
  validateResultSet(resultSet, destination)
  return `${JSON.stringify(resultSet, null, 2)}\n`
}
