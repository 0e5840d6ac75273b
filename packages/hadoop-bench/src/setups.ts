/**
 * The cluster setups of the paper's Table I and its variants.
 *
 * | setup     | Hadoop nodes on 12 hosts | VCPU : core |
 * |-----------|--------------------------|-------------|
 * | PHY       | 12 (native Linux)        | -           |
 * | VM1       | 12 (1 VM per host)       | 1:2         |
 * | VM2       | 24 (2 VMs per host)      | 1:1         |
 * | VM4       | 48 (4 VMs per host)      | 2:1         |
 *
 * Variants the paper ran for PiEstimator: VM1 with 2 VCPUs per VM, and PHY
 * with the kernel restricted to one core. And the experiment the paper
 * proposes as future work: compute-only VMs over an HDFS that runs natively
 * in each host (`hdfs: 'host'`).
 */

import { HadoopBenchError } from './errors.js'

export type SetupId = 'PHY' | 'PHY-1CORE' | 'VM1' | 'VM2' | 'VM4' | 'VM1-2VCPU' | 'VM2-HDFSHOST' | 'VM4-HDFSHOST'

export interface ClusterSetup {
  id: SetupId
  /** For charts and reports. */
  label: string
  /** Hadoop slaves run in virtual machines (true) or natively on the hosts (false). */
  virtualized: boolean
  /** Slave VMs per host (0 for native setups). */
  vmsPerHost: number
  /** VCPUs of each slave VM. */
  vcpusPerVm: number
  /** Memory of each slave VM, in MiB (the paper: 384). */
  vmMemoryMiB: number
  /** Cores the native kernel may use (PHY-1CORE: 1); undefined = all. */
  nativeCores?: number
  /** Where the HDFS datanodes run: in each Hadoop node, or natively on each host (compute-only VMs). */
  hdfs: 'node' | 'host'
}

/** Slave VM memory of the paper ("Default settings for the domain are 1 virtual CPU (VCPU), 384MB of RAM"). */
export const PAPER_VM_MEMORY_MIB = 384

const vm = (id: SetupId, label: string, vmsPerHost: number, vcpusPerVm = 1, hdfs: 'node' | 'host' = 'node'): ClusterSetup =>
  ({ id, label, virtualized: true, vmsPerHost, vcpusPerVm, vmMemoryMiB: PAPER_VM_MEMORY_MIB, hdfs })

export const SETUPS: Readonly<Record<SetupId, ClusterSetup>> = Object.freeze({
  'PHY': { id: 'PHY', label: 'PHY-Cluster', virtualized: false, vmsPerHost: 0, vcpusPerVm: 0, vmMemoryMiB: 0, hdfs: 'node' },
  'PHY-1CORE': {
    id: 'PHY-1CORE', label: 'PHY-Cluster (1 core)', virtualized: false, vmsPerHost: 0, vcpusPerVm: 0, vmMemoryMiB: 0, nativeCores: 1, hdfs: 'node'
  },
  'VM1': vm('VM1', 'VM1-Cluster', 1),
  'VM2': vm('VM2', 'VM2-Cluster', 2),
  'VM4': vm('VM4', 'VM4-Cluster', 4),
  'VM1-2VCPU': vm('VM1-2VCPU', 'VM1-Cluster (2 VCPUs)', 1, 2),
  'VM2-HDFSHOST': vm('VM2-HDFSHOST', 'VM2 compute over native HDFS', 2, 1, 'host'),
  'VM4-HDFSHOST': vm('VM4-HDFSHOST', 'VM4 compute over native HDFS', 4, 1, 'host')
})

/** Hadoop settings the paper used ("HDFS replication factor is set to 2 ... a maximum of 2 map-tasks and 2 reduce-tasks"). */
export interface HadoopSettings {
  replication: number
  blockSizeBytes: number
  mapSlotsPerNode: number
  reduceSlotsPerNode: number
  /** TaskTracker heartbeat interval, in seconds (Hadoop 0.20: 3 s minimum). */
  heartbeatS: number
  /** Maximum heap of each task's child JVM, MiB (`mapred.child.java.opts` -Xmx). */
  childHeapMiB: number
  /** A map's in-memory sort buffer, MiB (`io.sort.mb`), allocated when the task starts. */
  ioSortMiB: number
  /** Fraction of a reducer's heap that holds shuffled map output (`mapred.job.shuffle.input.buffer.percent`). */
  shuffleInputBufferPercent: number
  /** Maximum heap of each Hadoop daemon (DataNode, TaskTracker, NameNode, JobTracker), MiB (`HADOOP_HEAPSIZE`). */
  daemonHeapMiB: number
}

export const PAPER_HADOOP: Readonly<HadoopSettings> = Object.freeze({
  replication: 2,
  blockSizeBytes: 64 * 1024 * 1024, // dfs.block.size default in Hadoop 0.20
  mapSlotsPerNode: 2,
  reduceSlotsPerNode: 2,
  heartbeatS: 3, // MRConstants.HEARTBEAT_INTERVAL_MIN in Hadoop 0.20 (3000 ms)
  // The paper changed no other setting ("No optimizations to Hadoop ... were made"): Hadoop 0.20's defaults.
  childHeapMiB: 200, // mapred.child.java.opts default -Xmx200m (src/mapred/mapred-default.xml, 0.20)
  ioSortMiB: 100, // io.sort.mb default 100 (mapred-default.xml, 0.20)
  shuffleInputBufferPercent: 0.70, // mapred.job.shuffle.input.buffer.percent default 0.70 (mapred-default.xml, 0.20)
  daemonHeapMiB: 1000 // HADOOP_HEAPSIZE default 1000 (bin/hadoop: JAVA_HEAP_MAX=-Xmx1000m, 0.20)
})

/** A copy of `base` with some settings changed (the `slots` experiment sweeps the slot counts). */
export function withSettings (base: HadoopSettings, changes: Partial<HadoopSettings>): HadoopSettings {
  const s = { ...base, ...changes }
  for (const key of ['mapSlotsPerNode', 'reduceSlotsPerNode'] as const) {
    if (!Number.isInteger(s[key]) || s[key] < 1) throw new InvalidSettingError(key, 'an integer >= 1', s[key])
  }
  for (const key of ['childHeapMiB', 'ioSortMiB', 'daemonHeapMiB', 'heartbeatS', 'blockSizeBytes', 'replication'] as const) {
    if (!(s[key] > 0) || !Number.isFinite(s[key])) throw new InvalidSettingError(key, 'a finite number > 0', s[key])
  }
  if (!(s.shuffleInputBufferPercent > 0 && s.shuffleInputBufferPercent <= 1)) {
    throw new InvalidSettingError('shuffleInputBufferPercent', 'a fraction in (0, 1]', s.shuffleInputBufferPercent)
  }
  if (s.ioSortMiB >= s.childHeapMiB) throw new InvalidSettingError('ioSortMiB', `less than the child heap (${s.childHeapMiB} MiB)`, s.ioSortMiB)
  return Object.freeze(s)
}

export class InvalidSettingError extends HadoopBenchError {
  constructor (readonly field: string, readonly expected: string, readonly found: unknown) {
    super(`Hadoop setting ${field}: expected ${expected}, found ${String(found)}`)
  }
}

/** Hadoop nodes (TaskTrackers) a setup gives on `hosts` slave hosts. */
export function hadoopNodes (setup: ClusterSetup, hosts: number): number {
  return setup.virtualized ? hosts * setup.vmsPerHost : hosts
}

export class UnknownSetupError extends HadoopBenchError {
  constructor (readonly found: string) {
    super(`expected a cluster setup, one of ${Object.keys(SETUPS).join(', ')}; found "${found}"`)
  }
}

export function setupById (id: string): ClusterSetup {
  const s = (SETUPS as Record<string, ClusterSetup>)[id]
  if (s === undefined) throw new UnknownSetupError(id)
  return s
}
