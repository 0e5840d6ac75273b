/**
 * The cost parameters of the simulated Hadoop, read from a data file
 * (`costs/hadoop-0.20.yaml`) where each number has its source. Validated
 * with zod; a bad file gives a `CostFileError` naming file, line, field,
 * what was expected and what was found.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { LineCounter, parseDocument } from 'yaml'
import { z } from 'zod'

const positive = z.number().positive()
const nonNegative = z.number().nonnegative()

const reducesSchema = z.union([
  z.strictObject({ fixed: z.number().int().min(0) }),
  z.strictObject({ perReduceSlot: z.number().positive().max(10) })
])

const jobCostSchema = z.strictObject({
  mapFlopsPerByte: nonNegative.optional(),
  flopsPerSample: nonNegative.optional(),
  mapOutputRatio: nonNegative,
  reduceFlopsPerByte: nonNegative,
  reduceOutputRatio: nonNegative,
  reduces: reducesSchema,
  mapsPerHost: z.number().int().positive().optional()
})

export const costFileSchema = z.strictObject({
  framework: z.strictObject({
    jvmStartFlops: nonNegative,
    childHeapMiB: positive,
    sortBufferMiB: positive,
    reduceSlowstart: z.number().min(0).max(1),
    parallelCopies: z.number().int().min(1),
    shuffleBufferFraction: z.number().gt(0).lte(1),
    setupTaskFlops: nonNegative,
    cleanupTaskFlops: nonNegative,
    jobJarBytes: nonNegative,
    unreportedTaskTimeoutS: positive
  }),
  jobs: z.strictObject({
    wordcount: jobCostSchema,
    sort: jobCostSchema,
    randomwriter: jobCostSchema,
    pi: jobCostSchema
  }),
  hdfs: z.strictObject({
    flopsPerByte: nonNegative,
    clientFlopsPerByte: nonNegative
  })
})

export type HadoopCosts = z.output<typeof costFileSchema>
export type JobCosts = z.output<typeof jobCostSchema>

export class CostFileError extends Error {
  constructor (readonly file: string, readonly line: number | undefined, readonly field: string, readonly expected: string, readonly found: string) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${field}: expected ${expected}, found ${found}`)
    this.name = 'CostFileError'
  }
}

/** Parses and validates a cost file's text. */
export function parseCosts (text: string, file: string): HadoopCosts {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false })
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!
    throw new CostFileError(file, lineCounter.linePos(e.pos[0]).line, '(document)', 'valid YAML', e.message)
  }
  const data: unknown = doc.toJS()
  const result = costFileSchema.safeParse(data)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol')
  const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined
  const parent = path.length > 0 ? doc.getIn(path.slice(0, -1), true) as { range?: [number, number, number] } | undefined : undefined
  const pos = node?.range?.[0] ?? parent?.range?.[0]
  const found = valueAt(data, path)
  throw new CostFileError(file, pos !== undefined ? lineCounter.linePos(pos).line : undefined,
    path.join('.') || '(root)', issue.message, found === undefined ? 'nothing' : JSON.stringify(found))
}

function valueAt (data: unknown, path: ReadonlyArray<string | number>): unknown {
  let cur = data
  for (const k of path) {
    if (typeof cur !== 'object' || cur === null) return undefined
    cur = (cur as Record<string | number, unknown>)[k]
  }
  return cur
}

/** The shipped Hadoop 0.20 cost file. */
export const DEFAULT_COSTS_FILE = fileURLToPath(new URL('../../costs/hadoop-0.20.yaml', import.meta.url))

export async function loadCosts (file: string = DEFAULT_COSTS_FILE): Promise<HadoopCosts> {
  return parseCosts(await readFile(file, 'utf8'), file)
}
