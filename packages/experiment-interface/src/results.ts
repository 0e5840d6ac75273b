/**
 * The result file schema: what the experiment runner writes (`results.json`)
 * and the reporter reads. One file holds every run of one invocation, with
 * enough context (software version, backend, platform file and its hash, the
 * seed of every run) to repeat it exactly.
 */
import type { JobCounters } from './jobs.js'
import type { Unit } from './quantity.js'

/** The schema version this package reads and writes. Bump on any breaking change. */
export const RESULT_SCHEMA_VERSION = 1

/** Which testbed produced the runs: the simulated cluster or real Xen hosts. */
export type Backend = 'sim' | 'xen'

/** A parameter value: a number carries its unit in the key (`dataSizeGB`), as a point's coordinate. */
export type ParamValue = number | string

/** A job's counters recorded beside its duration: Hadoop's counters and the cluster's Hadoop nodes. */
export interface RunCounters extends Partial<JobCounters> {
  /** Hadoop slave nodes (TaskTrackers) of the cluster the job ran on. */
  nodes?: number
}

/** The software that produced the results. */
export interface SoftwareInfo {
  /** Package name, e.g. `@xenos/cli`. */
  name: string
  /** Semantic version of that package. */
  version: string
  /** The git commit of the working tree, when known. */
  gitCommit?: string
}

/** The platform description (hosts, links, disks) the runs were made on. */
export interface PlatformInfo {
  /** The platform's own name, e.g. `paper-cluster-2010`. */
  name: string
  /** The platform file as given to the runner (path, relative or absolute). */
  file: string
  /** SHA-256 of the platform file's bytes, lowercase hex (64 characters). */
  sha256: string
  /** What the platform assumes that a reader of its results should know (its description, how guest disks are backed). */
  assumptions?: string[]
}

/**
 * One measured value of one repetition of one experiment point.
 *
 * @example
 * ```ts
 * const run: RunRecord = {
 *   experiment: 'hdfs-datasize', setup: 'VM1',
 *   params: { dataSizeGB: 4, op: 'write' },
 *   metric: 'durationS', unit: 's', value: 312.4, seed: 2, repetition: 1
 * }
 * ```
 */
export interface RunRecord {
  /** Experiment name, e.g. `hdfs-datasize`, `wordcount`, `pi`. */
  experiment: string
  /** Cluster setup, e.g. `PHY`, `VM1`, `VM2`, `VM4`, `VM1-2VCPU`, `PHY-1CORE`. */
  setup: string
  /** The point's parameters, units in the keys: `{ dataSizeGB: 4, op: 'write' }`, `{ datanodes: 8 }`. */
  params: Record<string, ParamValue>
  /** What was measured, e.g. `durationS`, `networkBytes` (a name only: its unit and clock are the fields below). */
  metric: string
  /** The unit of `value`, set where it was measured. */
  unit: Unit
  /** The measured value (finite). */
  value: number
  /** The seed of the random source used for this run (integer). */
  seed: number
  /** Repetition index, from 0. */
  repetition: number
  /**
   * `wall` for a value measured on the machine's wall clock (control-plane
   * latency: real API calls and searches), which no seed reproduces; absent
   * for values on the testbed's clock (simulated time on `sim`): the
   * `MeasuredOn` of the value's `Quantity`. On `xen` the testbed's clock is
   * the wall clock as well, so every value depends on the lab rather than
   * the seed; `wall` still sets the control-plane figures apart, as on `sim`.
   */
  clock?: 'wall'
  /** The job's counters, beside a job's duration, e.g. `{ nodes: 12, mapsFailed: 3 }`. */
  extra?: RunCounters
}

/** The content of a result file. */
export interface ResultSet {
  schemaVersion: typeof RESULT_SCHEMA_VERSION
  software: SoftwareInfo
  backend: Backend
  platform: PlatformInfo
  /**
   * When the runner started, ISO 8601 (e.g. `2026-11-25T09:00:00.000Z`).
   * Wall-clock time supplied by the runner; never read inside a model.
   * Absent from `results.json`, whose bytes depend only on the seeds and
   * inputs; kept in `wallclock.json` beside it.
   */
  startedAt?: string
  runs: RunRecord[]
}
