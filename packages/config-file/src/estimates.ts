/**
 * Estimated inputs: a data file (a simulated platform, a cost file) lists in
 * an `estimates` block every value that is not measured or read from a
 * specification, keyed by its dotted path in the file, with the range its
 * source allows. The sensitivity analysis moves each across that range; the
 * loader checks that every listed path exists and that its value lies in its
 * range, so the list cannot drift from the values.
 *
 * @example
 * ```yaml
 * memory:
 *   kernelMiB: 40
 * estimates:
 *   memory.kernelMiB: { low: 24, high: 64, why: "a minimal domain up to one with more daemons" }
 * ```
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml'
import { z } from 'zod'
import { ConfigError, ConfigFileError, describeFound } from './config-error.js'
import { position } from './yaml-validate.js'

export const estimateSchema = z.strictObject({
  /** Lowest plausible value, in the value's unit. */
  low: z.number(),
  /** Highest plausible value, in the value's unit. */
  high: z.number(),
  /** Where the range comes from, in a sentence. */
  why: z.string().min(1)
}).refine(e => e.low <= e.high, { message: 'low <= high' })

/** Dotted paths (`hostTypes.e7200.disks.0.readBps`) to their ranges. */
export const estimatesSchema = z.record(z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'a dotted path'), estimateSchema)

export type Estimate = z.output<typeof estimateSchema>
export type Estimates = z.output<typeof estimatesSchema>

/** One estimated input of one file, with its value in the file. */
export interface EstimatedInput extends Estimate {
  /** The file it is in. */
  file: string
  /** Dotted path inside the file. */
  path: string
  /** Its value in the file. */
  value: number
}

function pathKeys (path: string): Array<string | number> {
  return path.split('.').map(k => /^\d+$/.test(k) ? Number(k) : k)
}

/**
 * The estimated inputs of a YAML file's text, each checked: its path must
 * name a number in the file and the number must lie in its range. Throws a
 * `ConfigFileError` naming the line of every problem. (The block's own shape
 * is checked by the file's schema, which includes `estimatesSchema`.)
 */
export function readEstimates (text: string, file: string): EstimatedInput[] {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter })
  const raw = doc.toJS() as { estimates?: unknown } | null
  const parsed = estimatesSchema.safeParse(raw?.estimates ?? {})
  const block = doc.get('estimates', true)
  const where = (path: string): { line: number, column: number } => {
    const pair = isMap(block) ? block.items.find(i => isScalar(i.key) && i.key.value === path) : undefined
    return position(lineCounter, (pair?.key ?? block ?? undefined) as Node | undefined)
  }
  if (!parsed.success) {
    const at = where('')
    const expected = 'a mapping of dotted paths to { low, high, why } with low <= high'
    throw new ConfigFileError(file, [new ConfigError(file, at.line, at.column, 'estimates', expected, parsed.error.issues[0]?.message ?? 'an invalid block')])
  }
  const errors: ConfigError[] = []
  const out: EstimatedInput[] = []
  for (const [path, e] of Object.entries(parsed.data)) {
    const node = doc.getIn(pathKeys(path), true)
    const at = where(path)
    const value = isScalar(node) ? node.value : node
    if (typeof value !== 'number') {
      const found = describeFound(isMap(node) || isSeq(node) ? {} : value)
      errors.push(new ConfigError(file, at.line, at.column, `estimates.${path}`, `a path to a number in ${file}`, found))
      continue
    }
    if (value < e.low || value > e.high) {
      errors.push(new ConfigError(file, at.line, at.column, `estimates.${path}`, `the value within its range [${e.low}, ${e.high}]`, String(value)))
      continue
    }
    out.push({ file, path, value, ...e })
  }
  if (errors.length > 0) throw new ConfigFileError(file, errors)
  return out
}

/** The file's text with the number at `path` replaced by `value` (comments and layout kept). */
export function withValueAt (text: string, file: string, path: string, value: number): string {
  const doc: Document = parseDocument(text)
  const keys = pathKeys(path)
  const node = doc.getIn(keys, true)
  if (!isScalar(node) || typeof node.value !== 'number') {
    throw new ConfigFileError(file, [new ConfigError(file, 0, 0, path, 'a path to a number', describeFound(isScalar(node) ? node.value : node))])
  }
  node.value = value
  return doc.toString({ lineWidth: 0 })
}
