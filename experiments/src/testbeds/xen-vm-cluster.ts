/**
 * A VM setup of the paper (VM1, VM2, VM4, VM1-2VCPU, VMn-HDFSHOST) deployed
 * on real Xen hosts through the Xenos API only: the generic
 * `Deployer` (`@xenos/deployer`) over `DeployApi` puts the Hadoop master service on the master
 * host (its template from the testbed file), then the slave VMs on the
 * chosen slave hosts (no other host: every host outside them is excluded);
 * the Hadoop configuration of the deployed VMs (`hadoopConfigFor`: the
 * slaves are the instances' guest host names) is written on the master VM
 * over SSH and the lab's start command run. Jobs run through hadoop-bench's
 * `RealHadoop` over SSH to the master VM, timed on the wall clock; the
 * master is the cluster's `master`, which experiments migrate with
 * `xenos.migrateService` through the testbed's client.
 * `release` stops Hadoop (the lab's stop command) and tears both
 * deployments down.
 */
import type { Clock } from '@xenos/hypervisor-interface'
import type { JobResult, JobRunOptions, JobSpec, TestbedCluster } from '@xenos/experiment-interface'
import type { XenosClient } from '@xenos/core'
import { Deployer, type DeployApi, type DeployProgress, type DeploymentSpec } from '@xenos/deployer'
import {
  RealHadoop, hadoopConfigFor, hadoopDeployment, hadoopMasterDeployment, sshRunner, type ClusterSetup, type CommandRunner, type HadoopSettings
} from '@xenos/hadoop-bench'
import { installAndStartHadoop, mustRun } from './remote-hadoop-config.js'
import { hadoopConfDir, type XenTestbedFile } from './xen-testbed-file.js'
import { SetupNotConfiguredError, XenTestbedError } from './xen-errors.js'

export interface XenVmClusterInit {
  file: XenTestbedFile
  /** The testbed file's path, for messages. */
  fileName: string
  client: XenosClient
  api: DeployApi
  clock: Clock
  setup: ClusterSetup
  slaveHosts: number
  /** The Hadoop configuration written to the cluster. @default PAPER_HADOOP */
  settings?: HadoopSettings
  onProgress?: (event: DeployProgress) => void
}

/** The SSH runner to a master reached at `host`, with the testbed file's SSH settings. */
export function masterRunner (file: XenTestbedFile, host: string): CommandRunner {
  const s = file.ssh
  return sshRunner({
    host,
    ...(s.user !== undefined ? { user: s.user } : {}),
    ...(s.keyFile !== undefined ? { keyFile: s.keyFile } : {}),
    ...(s.port !== undefined ? { port: s.port } : {}),
    ...(s.command !== undefined ? { sshCommand: s.command } : {}),
    ...(s.options !== undefined ? { sshOptions: s.options } : {})
  })
}

/** The real runner over `runner` with the testbed file's Hadoop install. */
export function realHadoop (hadoop: XenTestbedFile['hadoop'], runner: CommandRunner, clock: Clock): RealHadoop {
  return new RealHadoop({
    hadoopHome: hadoop.home,
    line: hadoop.line,
    ...(hadoop.examplesJar !== undefined ? { examplesJar: hadoop.examplesJar } : {}),
    ...(hadoop.localWorkDir !== undefined ? { localWorkDir: hadoop.localWorkDir } : {}),
    ...(hadoop.hdfsWorkDir !== undefined ? { hdfsWorkDir: hadoop.hdfsWorkDir } : {})
  }, { runner, clock })
}

export async function deployXenVmCluster (init: XenVmClusterInit): Promise<TestbedCluster> {
  const { file, api, setup } = init
  const templates = file.setups[setup.id]
  if (templates === undefined) throw new SetupNotConfiguredError(setup.id, init.fileName, 'setups')
  const chosen = file.slaveHosts.slice(0, init.slaveHosts)
  const all = await api.searchHosts('')
  const present = new Set(all.results.map(h => h.hostname))
  const missing = [file.masterHost, ...chosen].filter(h => !present.has(h))
  if (missing.length > 0) {
    const silent = all.nonResponders.length > 0 ? ` (no answer from ${all.nonResponders.join(', ')})` : ''
    throw new XenTestbedError(`deploy ${setup.id}: expected coordinators on ${[file.masterHost, ...chosen].join(', ')},`
      + ` found none answering for ${missing.join(', ')}${silent}`)
  }
  const deployer = new Deployer({ api, clock: init.clock, ...(init.onProgress !== undefined ? { onProgress: init.onProgress } : {}) }, { pollS: 1 })
  const masterSpec = hadoopMasterDeployment({ template: templates.master, masterHost: file.masterHost })
  const deployments: string[] = []
  let runner: CommandRunner | undefined
  const release = async (): Promise<void> => {
    const errors: unknown[] = []
    if (runner !== undefined && file.hadoop.stop !== undefined) {
      try { await mustRun(runner, file.hadoop.stop, 'stopping Hadoop') } catch (err) { errors.push(err) }
    }
    for (const d of deployments.splice(0).reverse()) {
      try { await deployer.teardown(d) } catch (err) { errors.push(err) }
    }
    if (errors.length === 1) throw errors[0]
    if (errors.length > 1) {
      const messages = errors.map(e => (e as Error).message).join('; ')
      throw new AggregateError(errors, `release ${setup.id}: expected a clean teardown, found ${errors.length} failures: ${messages}`)
    }
  }
  try {
    deployments.push(masterSpec.deployment)
    const masterResult = await deployer.deploy(masterSpec)
    const master = masterResult.instances[0]
    if (master === undefined) throw new XenTestbedError(`deploy ${setup.id}: expected the master service on ${file.masterHost}, found none`)
    const base = hadoopDeployment(setup, {
      template: templates.slaves, hostCount: chosen.length, masterHost: file.masterHost, masterHostname: master.guestHostname, line: file.hadoop.line
    })
    const spec: DeploymentSpec = { ...base, hosts: { ...base.hosts, exclude: [...present].filter(h => !chosen.includes(h)) } }
    deployments.push(spec.deployment)
    const slaves = await deployer.deploy(spec)
    runner = masterRunner(file, master.guestHostname)
    await installAndStartHadoop(runner, hadoopConfDir(file.hadoop), hadoopConfigFor(slaves, spec, init.settings), file.hadoop.start)
    const hadoop = realHadoop(file.hadoop, runner, init.clock)
    return {
      setup: setup.id,
      slaveHosts: chosen.length,
      nodes: slaves.instances.length,
      runJob: async (job: JobSpec, options: JobRunOptions = {}): Promise<JobResult> => {
        return await hadoop.run(job, options.onStarted !== undefined ? { onTimedStart: options.onStarted } : {})
      },
      master: { serviceId: master.serviceId, api: init.client, target: file.migration.target, live: file.migration.live, storage: file.migration.storage },
      release
    }
  } catch (err) {
    try {
      await release()
    } catch (cleanup) {
      throw new XenTestbedError(`deploy ${setup.id} failed (${(err as Error).message}), and so did removing what it made: ${(cleanup as Error).message}`,
        { cause: err })
    }
    throw err
  }
}
