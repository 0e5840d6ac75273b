/**
 * A native setup (PHY, PHY-1CORE) on real hosts: no coordinator, no Xen.
 * The hosts come from the setup's inventory file (hadoop-bench's format:
 * the same machines booted without Xen, Hadoop installed; for PHY-1CORE
 * booted with one core, e.g. `maxcpus=1`). The first `slaveHosts` slaves of
 * the inventory are used; their Hadoop configuration is written on the
 * inventory's master over SSH and the lab's start command run there; jobs
 * run through hadoop-bench's `phyRunner`, timed on the wall clock.
 */
import type { Clock } from '@xenos/hypervisor-interface'
import type { JobResult, JobRunOptions, JobSpec, TestbedCluster } from '@xenos/experiment-interface'
import {
  PAPER_HADOOP, hadoopConfig, inventoryLayout, inventoryRunner, loadInventory, phyRunner, type ClusterSetup, type CommandRunner, type HadoopSettings,
  type Inventory
} from '@xenos/hadoop-bench'
import { installAndStartHadoop, mustRun } from './remote-hadoop-config.js'
import { hadoopConfDir, type XenTestbedFile } from './xen-testbed-file.js'
import { SetupNotConfiguredError, XenTestbedError } from './xen-errors.js'

export interface XenNativeClusterInit {
  file: XenTestbedFile
  fileName: string
  clock: Clock
  setup: ClusterSetup
  slaveHosts: number
  /** The Hadoop configuration written to the cluster. @default PAPER_HADOOP */
  settings?: HadoopSettings
  /** The runner to the inventory's master. @default SSH with the inventory's settings */
  runnerFor?: (inventory: Inventory) => CommandRunner
}

export async function deployXenNativeCluster (init: XenNativeClusterInit): Promise<TestbedCluster> {
  const { file, setup } = init
  const inventoryFile = file.native[setup.id]
  if (inventoryFile === undefined) throw new SetupNotConfiguredError(setup.id, init.fileName, 'native')
  const inventory = await loadInventory(inventoryFile)
  if (init.slaveHosts > inventory.slaves.length) {
    throw new XenTestbedError(`deploy ${setup.id}: expected at least ${init.slaveHosts} slaves in the inventory ${inventoryFile},`
      + ` found ${inventory.slaves.length}`)
  }
  const used: Inventory = { ...inventory, slaves: inventory.slaves.slice(0, init.slaveHosts) }
  const runner = (init.runnerFor ?? inventoryRunner)(used)
  const install = {
    home: used.hadoop.home,
    line: used.hadoop.line,
    ...(file.hadoop.confDir !== undefined && used.hadoop.home === file.hadoop.home ? { confDir: file.hadoop.confDir } : {})
  }
  const config = hadoopConfig(inventoryLayout(used), init.settings ?? PAPER_HADOOP, used.hadoop.line)
  await installAndStartHadoop(runner, hadoopConfDir(install), config, file.hadoop.start)
  const hadoop = phyRunner(used, init.clock, runner)
  return {
    setup: setup.id,
    slaveHosts: used.slaves.length,
    nodes: used.slaves.length,
    runJob: async (job: JobSpec, options: JobRunOptions = {}): Promise<JobResult> => {
      return await hadoop.run(job, options.onStarted !== undefined ? { onTimedStart: options.onStarted } : {})
    },
    release: async () => {
      if (file.hadoop.stop !== undefined) await mustRun(runner, file.hadoop.stop, 'stopping Hadoop')
    }
  }
}
