/**
 * The cost parameters of the simulated Hadoop, read from a data file
 * (`costs/hadoop-0.20.yaml`) where each number has its source. Validated
 * with zod; a bad file gives a `ConfigFileError` naming file, line, field,
 * what was expected and what was found.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { estimatesSchema, parseYamlFile, readEstimates } from '@xenos/config-file'

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
    reduceSlowstart: z.number().min(0).max(1),
    parallelCopies: z.number().int().min(1),
    shuffleMergePercent: z.number().gt(0).lte(1),
    shuffleSingleSegmentFraction: z.number().gt(0).lte(1),
    reduceInputBufferFraction: z.number().min(0).lte(1),
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
  memory: z.strictObject({
    /** Kernel and base system of a domain (guest, Domain 0 or native host), MiB. */
    kernelMiB: nonNegative,
    /** Resident memory of one Hadoop daemon JVM, MiB. */
    daemonResidentMiB: nonNegative,
    /** A child JVM's memory besides its task buffer, MiB. */
    childJvmOverheadMiB: nonNegative,
    /** Page cache the kernel keeps before it swaps anonymous memory, MiB. */
    pageCacheFloorMiB: nonNegative,
    /** Bytes per disk request of swap-ins (the fault's readahead cluster). */
    swapReadRequestBytes: z.number().positive(),
    /** Bytes per disk request of swap-outs (reclaim's batch). */
    swapWriteRequestBytes: z.number().positive()
  }),
  variance: z.strictObject({
    /** Coefficient of variation of a task's CPU work (lognormal, mean 1). */
    taskCpuCv: z.number().min(0).max(2)
  }),
  hdfs: z.strictObject({
    flopsPerByte: nonNegative,
    clientFlopsPerByte: nonNegative
  }),
  /** Estimated values (dotted paths into this file) with the range their source allows. */
  estimates: estimatesSchema.default({})
})

export type HadoopCosts = z.output<typeof costFileSchema>
export type JobCosts = z.output<typeof jobCostSchema>

/** Parses and validates a cost file's text; throws `ConfigFileError` naming file, line, field, expected and found. */
export function parseCosts (text: string, file: string): HadoopCosts {
  const costs = parseYamlFile(costFileSchema, text, file)
  readEstimates(text, file)
  return costs
}

/** The shipped Hadoop 0.20 cost file. */
export const DEFAULT_COSTS_FILE = fileURLToPath(new URL('../../costs/hadoop-0.20.yaml', import.meta.url))

export async function loadCosts (file: string = DEFAULT_COSTS_FILE): Promise<HadoopCosts> {
  return parseCosts(await readFile(file, 'utf8'), file)
}
