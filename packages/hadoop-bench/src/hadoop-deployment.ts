/**
 * The only Hadoop-specific part of deploying (the generic deployer is
 * `@xenos/deployer`): a deployment for a cluster setup of the paper's Table I, and from the deployed instances the Hadoop
 * layout (master and slave lists) and configuration files, written with
 * `hadoopConfig` (HDFS replication 2, 2 map and 2 reduce slots per
 * TaskTracker).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { DeploymentPlanError, validateDeployment, type DeploymentResult, type DeploymentSpec } from '@xenos/deployer'
import { hadoopConfig, type HadoopClusterLayout, type HadoopConfigFiles, type HadoopLine } from './hadoop-config.js'
import { PAPER_HADOOP, type ClusterSetup, type HadoopSettings } from './setups.js'

export interface HadoopDeploymentInit {
  /** Deployment name (labels the instances). @default `hadoop-<setup id, lower case>` */
  deployment?: string
  /** Template of the slave service; the setup's VCPUs per VM come from it (e.g. a 2-VCPU template for VM1-2VCPU). */
  template: string
  /** Slave hosts wanted (the paper: 12). */
  hostCount: number
  /** The host that runs the Hadoop master: it takes no slaves. */
  masterHost: string
  /** Extra search conditions on hosts (e.g. `freeMemoryMiB>=768`). */
  hostQuery?: string
  /** Hadoop line of the installed Hadoop in the template. @default '1' */
  line?: HadoopLine
  /** The master's host name as the slaves must reach it (the master VM's guest host name). */
  masterHostname: string
}

/** The settings the Hadoop part reads from a deployment's `settings.hadoop`. */
export const hadoopSettingsSchema = z.strictObject({
  setup: z.string(),
  line: z.enum(['1', '2+']).default('1'),
  master: z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/, 'a host name'),
  hdfs: z.enum(['node', 'host']).default('node')
})
export type HadoopDeploymentSettings = z.output<typeof hadoopSettingsSchema>

/** The deployment for a virtualized setup: `vmsPerHost` slave VMs on each of `hostCount` hosts, none on the master's host. */
export function hadoopDeployment (setup: ClusterSetup, init: HadoopDeploymentInit): DeploymentSpec {
  if (!setup.virtualized) {
    throw new DeploymentPlanError(init.deployment ?? setup.id, 'a virtualized setup (native setups run from an inventory file)', `${setup.id} (native)`)
  }
  return validateDeployment({
    deployment: init.deployment ?? `hadoop-${setup.id.toLowerCase()}`,
    template: init.template,
    hosts: { count: init.hostCount, ...(init.hostQuery !== undefined ? { query: init.hostQuery } : {}), exclude: [init.masterHost] },
    instancesPerHost: setup.vmsPerHost,
    groups: ['hadoop'],
    attributes: { role: 'hadoop-slave' },
    settings: { hadoop: { setup: setup.id, line: init.line ?? '1', master: init.masterHostname, hdfs: setup.hdfs } }
  })
}

export interface HadoopMasterDeploymentInit {
  /** @default 'hadoop-master' */
  deployment?: string
  /** Template of the master service (NameNode and JobTracker / ResourceManager). */
  template: string
  /** The host the master runs on (the paper's master host; later migrated away from). */
  masterHost: string
}

/**
 * The deployment of the Hadoop master: one instance on `masterHost`, found
 * by search like any other. Its guest host name is what the slaves'
 * configuration names as master (`masterHostname` of `hadoopDeployment`).
 */
export function hadoopMasterDeployment (init: HadoopMasterDeploymentInit): DeploymentSpec {
  return validateDeployment({
    deployment: init.deployment ?? 'hadoop-master',
    template: init.template,
    hosts: { count: 1, query: `hostname=${init.masterHost}` },
    instancesPerHost: 1,
    groups: ['hadoop'],
    attributes: { role: 'hadoop-master' }
  })
}

/** Reads `settings.hadoop` of a deployment; a `DeploymentPlanError` names what is wrong. */
export function hadoopSettingsOf (spec: DeploymentSpec): HadoopDeploymentSettings {
  const r = hadoopSettingsSchema.safeParse(spec.settings.hadoop)
  if (r.success) return r.data
  const issue = r.error.issues[0]!
  const field = `settings.hadoop.${issue.path.map(String).join('.')}`
  throw new DeploymentPlanError(spec.deployment, `${field}: ${issue.message}`, JSON.stringify(spec.settings.hadoop ?? null))
}

export interface HadoopLayouts {
  /** JobTracker / ResourceManager and the TaskTrackers / NodeManagers (the slave VMs). */
  mapreduce: HadoopClusterLayout
  /** NameNode and the DataNodes: the slave VMs, or the hosts themselves when HDFS runs natively (`hdfs: host`). */
  hdfs: HadoopClusterLayout
}

/** The Hadoop layouts of a deployed cluster: slaves are the instances' guest host names in host, slot order. */
export function hadoopLayouts (result: DeploymentResult, settings: HadoopDeploymentSettings): HadoopLayouts {
  const vms = result.instances.map(i => i.guestHostname)
  const mapreduce = { master: settings.master, slaves: vms }
  return { mapreduce, hdfs: settings.hdfs === 'host' ? { master: settings.master, slaves: [...result.hosts] } : mapreduce }
}

/**
 * The configuration files for the deployed cluster. With native HDFS the
 * `slaves` file lists the TaskTrackers (the VMs) and `hdfs-slaves` the
 * DataNodes (the hosts): Hadoop 1's `start-dfs.sh` reads the file named by
 * `HADOOP_SLAVES`, so point it at `hdfs-slaves` when starting HDFS.
 */
export function hadoopConfigFor (
  result: DeploymentResult, spec: DeploymentSpec, settings: HadoopSettings = PAPER_HADOOP
): HadoopConfigFiles & { 'hdfs-slaves'?: string } {
  const hs = hadoopSettingsOf(spec)
  const layouts = hadoopLayouts(result, hs)
  const files = hadoopConfig(layouts.mapreduce, settings, hs.line)
  if (hs.hdfs === 'host') return { ...files, 'hdfs-slaves': hadoopConfig(layouts.hdfs, settings, hs.line).slaves }
  return files
}

/** Writes the files into `dir` (made if missing); returns the paths written. */
export async function writeHadoopConfig (dir: string, files: Readonly<Partial<Record<string, string>>> | HadoopConfigFiles): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  const written: string[] = []
  for (const [name, text] of Object.entries(files) as Array<[string, string | undefined]>) {
    if (text === undefined) continue
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new RangeError(`config file name: expected a plain file name, found ${JSON.stringify(name)}`)
    const path = join(dir, name)
    await writeFile(path, text)
    written.push(path)
  }
  return written
}
