/**
 * The backend-neutral testbed an experiment runs on. The same experiment
 * definition runs on the simulated cluster (`--backend sim`) and on real Xen
 * hosts (`--backend xen`); only the testbed behind this interface changes.
 */
import type { Clock } from '@xenos/hypervisor-interface'
import type { Backend, PlatformInfo } from './results.js'
import type { JobResult, JobSpec } from './jobs.js'
import type { CallTimes, TestbedQuantity, WallQuantity } from './quantity.js'

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
  /**
   * The Hadoop master as a Xenos service, where the cluster was deployed
   * through the Xenos API (VM setups with `viaXenosApi` on `sim`, every VM
   * setup on `xen`): what an experiment needs to migrate it.
   */
  readonly master?: XenosMaster
  /** Removes what the deployment made. */
  release(): Promise<void>
}

export interface JobRunOptions {
  /**
   * Told once the instant, on the testbed's clock, the job's timed part
   * starts (its preparation done): the origin of its `durationS`.
   */
  onStarted?: (atS: number) => void
}

/** Storage handling of a migration (`xenos.migrateService`'s `storage`). */
export type MigrationStorage = 'none' | 'stop-and-copy' | 'pre-copy'

/**
 * `xenos.migrateService` as experiments call it: a structural subset of
 * `XenosClient` (`@xenos/core`), which the real testbed passes as it is.
 */
export interface MigrationApi {
  migrateService(id: string, target: string, options: { live: boolean, storage: MigrationStorage }): Promise<ServiceMigrationResult>
}

/** What `xenos.migrateService` answers, as far as experiments read it. */
export interface ServiceMigrationResult {
  fromHost: string
  toHost: string
  /** Whether the target committed the move (the service runs there). */
  committed: boolean
  /** The driver's report, on its clock (the testbed's): total time and time paused in seconds, bytes moved. */
  report: { totalS: number, downtimeS: number, bytesMoved: number }
  /**
   * The control plane's own wall time in this call (search, prepare,
   * commit), its transfer excluded: only where the testbed can tell them
   * apart (simulated hosts, whose clock the call holds while it works).
   */
  controlPlane?: WallQuantity<'s'>
}

/** The Hadoop master service of a cluster deployed through the Xenos API. */
export interface XenosMaster {
  /** Its service id. */
  serviceId: string
  /** The API the testbed reaches the coordinators with. */
  api: MigrationApi
  /** Search query for a migration target (the service's current host is never chosen). */
  target: string
  /** Migration options: live or not, and how its disk images move. */
  live: boolean
  storage: MigrationStorage
}

/**
 * What deploying a template to hosts measured. Each figure carries its unit
 * and clock: the deployment itself on the testbed's clock, its control
 * plane's call times on the machine's wall clock.
 */
export interface DeploymentReport {
  method: 'paper' | 'xenos'
  hosts: number
  /** From the first API call to the last instance running. */
  duration: TestbedQuantity<'s'>
  /** Bytes the hosts fetched over the network. */
  networkBytes: TestbedQuantity<'B'>
  /** Bytes copied on the hosts' own disks (the paper's second, local copy). */
  localCopyBytes: TestbedQuantity<'B'>
  /** Bytes over the busiest link or disk divided by its bandwidth. */
  physicalLimit: TestbedQuantity<'s'>
  /** The least any method could take: each receiver takes in and writes the template once. */
  lowerBound: TestbedQuantity<'s'>
  /** Network bytes over the deployment's duration. */
  aggregateRate: TestbedQuantity<'B/s'>
  /** Mean throughput of one host's network transfer, where it is measured apart from the local copy (sim). */
  networkRate?: TestbedQuantity<'B/s'>
  /** Mean throughput of one host's local copy, where it is measured apart (sim). */
  localCopyRate?: TestbedQuantity<'B/s'>
  /** Mean per-host replication rate, network and local copy together, where one API call covers both (xen). */
  replicateRate?: TestbedQuantity<'B/s'>
  /** Bytes the master host (the only holder at the start) sent, where the testbed sees it (sim). */
  seedSentBytes?: TestbedQuantity<'B'>
  /** The control plane's calls during the deployment (replication calls, which carry the transfer, left out on xen). */
  controlPlane: CallTimes
  /** Control-plane calls made one at a time once the overlay is warm (searches, lookups, registry updates). */
  probe: CallTimes
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
   * control plane. Needed for the cluster's `master`. On real hosts every
   * deployment goes through the API anyway.
   */
  viaXenosApi?: boolean
  /**
   * Hadoop settings that differ from the paper's (map and reduce slots per
   * TaskTracker); the rest stay the paper's. Written into the cluster's
   * configuration files on real hosts, given to the model on the simulator.
   */
  hadoop?: HadoopOverrides
}

/** Hadoop settings an experiment may change from the paper's. */
export interface HadoopOverrides {
  /** `mapred.tasktracker.map.tasks.maximum`. */
  mapSlotsPerNode?: number
  /** `mapred.tasktracker.reduce.tasks.maximum`. */
  reduceSlotsPerNode?: number
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
