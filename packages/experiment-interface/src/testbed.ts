/**
 * The backend-neutral testbed an experiment runs on. The same experiment
 * definition runs on the simulated cluster (`--backend sim`) and on real Xen
 * hosts (`--backend xen`); only the testbed behind this interface changes.
 */
import type { Clock } from '@xenos/hypervisor-interface'
import type { Backend, PlatformInfo } from './results.js'
import type { JobResult, JobSpec } from './jobs.js'

/** A Hadoop cluster deployed in one of the paper's setups. */
export interface TestbedCluster {
  /** Setup id, e.g. `PHY`, `VM2`. */
  readonly setup: string
  /** Physical slave hosts it spans. */
  readonly slaveHosts: number
  /** Hadoop slave nodes (TaskTrackers / datanodes). */
  readonly nodes: number
  /** Runs one job; its duration is measured on the testbed's clock. */
  runJob(job: JobSpec, options?: JobRunOptions): Promise<JobResult>
  /** Removes what the deployment made. */
  release(): Promise<void>
}

export interface JobRunOptions {
  /**
   * Migrate the Hadoop master to another host (found by search) once this
   * fraction of the job's expected duration has passed. VM setups only.
   */
  migrateMasterAtFraction?: number
  /** The expected duration used with `migrateMasterAtFraction`, in seconds of the testbed's clock. */
  expectedDurationS?: number
}

/** What deploying a template to hosts measured. */
export interface DeploymentReport {
  method: 'paper' | 'xenos'
  hosts: number
  durationS: number
  networkBytes: number
  localCopyBytes: number
  /** Bytes over the slowest link or disk divided by its bandwidth: the physical lower bound, in seconds. */
  physicalLimitS: number
  /**
   * Backend-specific figures, units in the keys: e.g. `networkBps` (mean
   * throughput of one host's network transfer), `localCopyBps`, and the
   * control plane's wall-clock times (`controlPlaneMaxS`, ...).
   */
  extra?: Record<string, number>
}

export interface DeployTemplateOptions {
  /**
   * Hosts the deployer works on at once (the deployment file's
   * `concurrency`). @default the deployer's own (4)
   */
  concurrency?: number
}

export interface DeployHadoopOptions {
  /**
   * Deploy through the Xenos API (coordinators and the deployer, the master
   * a Xenos service) even where the testbed has a faster path that skips the
   * control plane. Needed for `migrateMasterAtFraction`. On real hosts every
   * deployment goes through the API anyway.
   */
  viaXenosApi?: boolean
}

export interface Testbed {
  readonly backend: Backend
  readonly platform: PlatformInfo
  /** The testbed's clock (simulated time on `sim`). */
  readonly clock: Clock
  /** Physical hosts available for slaves (the master host excluded). */
  readonly slaveHostCount: number
  /** Deploys Hadoop in `setup` on `slaveHosts` slave hosts. */
  deployHadoop(setup: string, slaveHosts: number, options?: DeployHadoopOptions): Promise<TestbedCluster>
  /** Deploys a template and one instance to `hosts` hosts with the given replication method. */
  deployTemplate?(method: 'paper' | 'xenos', hosts: number, options?: DeployTemplateOptions): Promise<DeploymentReport>
  close(): Promise<void>
}

/** Makes a testbed for one repetition. */
export type TestbedFactory = (options: { seed: number }) => Promise<Testbed>
