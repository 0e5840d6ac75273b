/**
 * @packageDocumentation
 * The Hadoop benchmark of Xenos: the paper's cluster setups (PHY, VM1,
 * VM2, VM4 and variants), the jobs (HDFS put/get, Wordcount, RandomWriter +
 * Sort, PiEstimator), the Hadoop deployment of a setup (a deployment of
 * `@xenos/deployer`, the only Hadoop-specific part of deploying) with the
 * configuration files written from what was deployed, the real runner over
 * SSH and the simulated Hadoop.
 *
 * @example
 * ```ts
 * import { SETUPS, PAPER_HADOOP, hadoopConfig, hadoopNodes } from '@xenos/hadoop-bench'
 *
 * console.log(hadoopNodes(SETUPS.VM4, 12)) // 48
 * const files = hadoopConfig({ master: 'master', slaves: ['vm-1'] }, PAPER_HADOOP)
 * console.log(files['hdfs-site.xml'])
 * ```
 */
export { SETUPS, PAPER_HADOOP, PAPER_VM_MEMORY_MIB, hadoopNodes, setupById, withSettings, UnknownSetupError, InvalidSettingError } from './setups.js'
export type { SetupId, ClusterSetup, HadoopSettings } from './setups.js'
export { validateJob, emptyCounters, InvalidJobError } from './jobs.js'
export type { JobSpec, JobKind, JobCounters, JobResult } from './jobs.js'
export { hadoopConfig, siteXml, InvalidLayoutError } from './hadoop-config.js'
export type { HadoopLine, HadoopClusterLayout, HadoopConfigFiles } from './hadoop-config.js'
// ── the simulated Hadoop (on `@xenos/sim-engine`) ──────────────────────
export { SimHadoop, type SimHadoopInit, type SimRunOptions } from './sim/sim-hadoop.js'
export { SimHdfs, HdfsFileNotFoundError, HdfsNoDatanodesError, type HdfsBlock, type HdfsCosts } from './sim/hdfs.js'
export { SimMapReduce, type TaskTrackerNode, type MrJob, type MrResult, type MapInput } from './sim/mapreduce.js'
export { loadCosts, parseCosts, DEFAULT_COSTS_FILE, costFileSchema, type HadoopCosts, type JobCosts } from './sim/job-costs.js'
export { EngineSubstrate, UnknownPlaceError } from './sim/engine-substrate.js'
export { DomainMemory, setupMemoryBudget, mapJvmMiB, reduceJvmMiB, shuffleBufferMiB } from './sim/memory.js'
export type { DomainBudget, BudgetLine, HostMemory, MemoryCosts } from './sim/memory.js'
export type { Place, Substrate } from './sim/substrate.js'
export {
  createLayout, simHadoopCluster, MASTER_VM_MEMORY_MIB, type ClusterLayout, type NodeLocation, type SimHadoopClusterInit
} from './sim/sim-cluster-layout.js'
// ── the real runner, the PHY inventory ──
export { RealHadoop, type RealHadoopInit, type RealHadoopComponents, type RealRunOptions } from './real/real-hadoop.js'
export { sshRunner, sshArgs, shellQuote, type CommandRunner, type CommandResult, type SshRunnerInit } from './real/command-runner.js'
export { parseJobOutput, jobFailureReason, type ParsedJobOutput, type ClientFormat, type CounterGroups } from './real/job-output.js'
export { toJobCounters } from './real/counters.js'
export { HadoopJobError, HadoopOutputParseError, HadoopCheckError, InvalidRunnerOptionError } from './real/errors.js'
export { HadoopBenchError, LayoutError } from './errors.js'
export {
  parseInventory, loadInventory, inventoryLayout, inventoryRunner, phyRunner, inventorySchema, sshSettingsSchema, hadoopInstallSchema, hostNameSchema,
  absPathSchema, type Inventory
} from './inventory.js'
// the Hadoop deployment, built on @xenos/deployer
export {
  hadoopDeployment, hadoopMasterDeployment, type HadoopMasterDeploymentInit, hadoopSettingsOf, hadoopLayouts, hadoopConfigFor, writeHadoopConfig,
  hadoopSettingsSchema, type HadoopDeploymentInit, type HadoopDeploymentSettings, type HadoopLayouts
} from './hadoop-deployment.js'
