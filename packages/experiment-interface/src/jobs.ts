/**
 * The benchmark jobs, backend-neutral: what to run, and what a run reports.
 */
import { ExperimentContractError } from './errors.js'

export type JobSpec =
  | { kind: 'hdfs-put', sizeBytes: number }
  | { kind: 'hdfs-get', sizeBytes: number }
  | { kind: 'wordcount', inputBytes: number }
  | { kind: 'randomwriter', sizeBytes: number }
  | { kind: 'sort', inputBytes: number }
  | { kind: 'pi', maps: number, samplesPerMap: number }

export type JobKind = JobSpec['kind']

/** Counters a job reports (Hadoop's names in the comments). */
export interface JobCounters {
  /** Launched map tasks (TOTAL_LAUNCHED_MAPS). */
  mapsLaunched: number
  /** Launched reduce tasks (TOTAL_LAUNCHED_REDUCES). */
  reducesLaunched: number
  /** Failed map tasks (NUM_FAILED_MAPS). */
  mapsFailed: number
  /** Failed reduce tasks (NUM_FAILED_REDUCES). */
  reducesFailed: number
  /** Map tasks run again after a failure. */
  tasksReexecuted: number
  /** Data-local map tasks (DATA_LOCAL_MAPS). */
  dataLocalMaps: number
  /** HDFS bytes read (HDFS_BYTES_READ). */
  hdfsBytesRead: number
  /** HDFS bytes written (HDFS_BYTES_WRITTEN). */
  hdfsBytesWritten: number
  /** Reduce shuffle bytes (REDUCE_SHUFFLE_BYTES). */
  shuffleBytes: number
}

/**
 * When a MapReduce job's phases happened: instants of the testbed's clock
 * (`Testbed.clock.nowS()`), in seconds.
 */
export interface JobPhases {
  firstMapStartS: number
  lastMapEndS: number
  /** Absent for a job without reduces. */
  firstReduceStartS?: number
  endS: number
}

export interface JobResult {
  job: JobSpec
  /** From the job's timed start (its submission, preparation excluded) to its completion, on the testbed's clock, in seconds. */
  durationS: number
  counters: JobCounters
  /** The phases of a MapReduce job, where the testbed sees them (the simulated Hadoop). */
  phases?: JobPhases
  /** The duration Hadoop's job client printed, in seconds (real Hadoop, where its output has it). */
  clientReportedDurationS?: number
  /** PiEstimator's estimate of pi (real Hadoop, `pi` jobs). */
  piEstimate?: number
}

export function emptyCounters (): JobCounters {
  return {
    mapsLaunched: 0, reducesLaunched: 0, mapsFailed: 0, reducesFailed: 0, tasksReexecuted: 0,
    dataLocalMaps: 0, hdfsBytesRead: 0, hdfsBytesWritten: 0, shuffleBytes: 0
  }
}

/** A job spec that cannot be run: `field` names the bad field. */
export class InvalidJobError extends ExperimentContractError {
  static override readonly code = 'ERR_INVALID_JOB'
  constructor (readonly field: string, readonly expected: string, readonly found: unknown) {
    super(`job ${field}: expected ${expected}, found ${JSON.stringify(found)}`, InvalidJobError.code)
    this.name = 'InvalidJobError'
  }
}

const positive = (v: unknown, field: string): void => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw new InvalidJobError(field, 'a positive integer', v)
}

/** Validates a job spec at the boundary. */
export function validateJob (job: JobSpec): JobSpec {
  switch (job.kind) {
    case 'hdfs-put': case 'hdfs-get': case 'randomwriter': positive(job.sizeBytes, 'sizeBytes'); break
    case 'wordcount': case 'sort': positive(job.inputBytes, 'inputBytes'); break
    case 'pi': positive(job.maps, 'maps'); positive(job.samplesPerMap, 'samplesPerMap'); break
    default: throw new InvalidJobError('kind', 'hdfs-put, hdfs-get, wordcount, randomwriter, sort or pi', (job as { kind: unknown }).kind)
  }
  return job
}
