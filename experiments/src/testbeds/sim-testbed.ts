/**
 * The simulated testbed: a `SimCluster` of the platform file (one per
 * deployment, as the paper rebooted its hosts between native and Xen runs),
 * Hadoop's VMs created through each host's `HypervisorDriver` (template
 * image, copy-on-write clone, create, start), and the jobs run by
 * hadoop-bench's Hadoop model on the engine's resources.
 *
 * Host roles: the platform's first host is the master host (the paper's
 * thirteenth host, which takes no slaves); the others are slave hosts, used
 * in platform order.
 *
 * Native setups (PHY, PHY-1CORE) run on the platform's native twin (same
 * hardware, no Xen), restricted to one core for PHY-1CORE.
 *
 * The control plane is used only where an experiment needs the API, to
 * keep the whole paper within minutes: `deployHadoop(..., { viaXenosApi:
 * true })` and `deployTemplate` start a real coordinator per simulated host
 * (libp2p over loopback, XML-RPC; `sim-xenos.ts`) for that deployment, and
 * deploy through the deployer (`sim-api-cluster.ts`,
 * `sim-deploy-template.ts`); the Figure 4-8 grids create their VMs through
 * the drivers directly, as below, which gives the same VMs without the
 * several seconds of wall time that starting 13 coordinators costs.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { HypervisorDriver } from '@xenos/hypervisor-interface'
import type {
  DeployHadoopOptions, DeploymentReport, DeployTemplateOptions, JobResult, JobRunOptions, JobSpec, Testbed, TestbedCluster
} from '@xenos/experiment-interface'
import { IMAGE_BACKENDS, loadPlatform, nativePlatform, restrictCores, type Platform } from '@xenos/sim-engine'
import { SimCluster } from '@xenos/sim-driver'
import { deployViaXenos } from './sim-api-cluster.js'
import { deployTemplateOnSim } from './sim-deploy-template.js'
import {
  PAPER_HADOOP, withSettings, loadCosts, setupById, simHadoopCluster, MASTER_VM_MEMORY_MIB, type ClusterLayout, type ClusterSetup, type HadoopCosts,
  type NodeLocation
} from '@xenos/hadoop-bench'
import { TestbedError } from '../errors.js'

/** The Hadoop slave template of the paper: "a 10GB disk image, 1GB swap image". */
const TEMPLATE_IMAGE_BYTES = 10 * 1024 ** 3
const SWAP_IMAGE_BYTES = 1024 ** 3
const KERNEL = 'boot/vmlinuz-2.6.24-27-xen'

export { TestbedError }

export interface SimTestbedInit {
  /** Platform file (YAML or JSON). */
  platformFile: string
  /** Hadoop cost file; the shipped Hadoop 0.20 costs when omitted. */
  costsFile?: string
}

/** What a simulated platform assumes that its results' reader should know: its description and its guests' disk path. */
export function platformAssumptions (platform: Platform): string[] {
  return [...(platform.description === undefined ? [] : [platform.description]), `Guest disks: ${IMAGE_BACKENDS[platform.virtualization.imageBackend]}`]
}

/**
 * A factory of simulated testbeds: one per repetition seed. `firstDeployment`
 * (default 0) is the index of the testbed's first deployment in its
 * experiment, which picks its stream of the seed: an experiment's grid point
 * run alone on a testbed whose first deployment is the point's index gives
 * the records it gives in the whole experiment.
 */
export type SimTestbedFactory = (options: { seed: number, firstDeployment?: number }) => Promise<Testbed>

/** A factory of simulated testbeds of a platform file and a cost file, for the runner: one per repetition seed. */
export async function simTestbedFactory (init: SimTestbedInit): Promise<SimTestbedFactory> {
  const bytes = await readFile(init.platformFile)
  const platform = await loadPlatform(init.platformFile)
  const costs = await loadCosts(init.costsFile)
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  return simTestbedFactoryOf(platform, costs, { name: platform.name, file: init.platformFile, sha256, assumptions: platformAssumptions(platform) })
}

/** The same, of a platform and costs already loaded (`info`: the platform as the result file records it). */
export function simTestbedFactoryOf (platform: Platform, costs: HadoopCosts, info: Testbed['platform']): SimTestbedFactory {
  if (platform.hosts.length < 2) {
    throw new TestbedError(`platform ${info.file}: expected a master host and at least one slave host, found ${platform.hosts.length} host(s)`)
  }
  return async ({ seed, firstDeployment = 0 }) => new SimTestbed(platform, info, costs, seed, firstDeployment)
}

class SimTestbed implements Testbed {
  readonly backend = 'sim' as const
  readonly slaveHostCount: number
  private current: SimCluster | undefined
  private deployments: number

  constructor (
    private readonly base: Platform, readonly platform: Testbed['platform'], private readonly costs: HadoopCosts, private readonly seed: number,
    firstDeployment: number
  ) {
    if (!Number.isSafeInteger(firstDeployment) || firstDeployment < 0) {
      throw new TestbedError(`firstDeployment: expected an integer >= 0, found ${firstDeployment}`)
    }
    this.slaveHostCount = base.hosts.length - 1
    this.deployments = firstDeployment
  }

  get clock (): Testbed['clock'] {
    if (this.current === undefined) throw new TestbedError('expected a deployed cluster before reading the testbed clock, found none')
    return this.current.engine.clock
  }

  async deployHadoop (setupId: string, slaveHosts: number, options: DeployHadoopOptions = {}): Promise<TestbedCluster> {
    const setup = setupById(setupId)
    if (!Number.isInteger(slaveHosts) || slaveHosts < 1 || slaveHosts > this.slaveHostCount) {
      throw new TestbedError(`deployHadoop ${setupId}: expected 1 to ${this.slaveHostCount} slave hosts, found ${slaveHosts}`)
    }
    const settings = withSettings(PAPER_HADOOP, options.hadoop ?? {})
    if (this.current !== undefined) await this.current.close()
    let platform = setup.virtualized ? this.base : nativePlatform(this.base)
    if (setup.nativeCores !== undefined) platform = restrictCores(platform, setup.nativeCores)
    // Each deployment gets its own stream of the repetition's seed, so the
    // order experiments run in does not change any one's results.
    const cluster = new SimCluster({ platform, seed: this.seed * 1000 + (this.deployments++), placementSeed: this.seed, mode: 'live' })
    this.current = cluster
    if (options.viaXenosApi === true && setup.virtualized) {
      try {
        const viaApi = await deployViaXenos({ cluster, setup, slaveHosts, costs: this.costs, settings })
        return { ...viaApi, release: async () => { await viaApi.release(); if (this.current === cluster) this.current = undefined } }
      } catch (err) {
        await cluster.close()
        throw err
      }
    }
    const [masterHost, ...rest] = cluster.hostnames()
    const slaves = rest.slice(0, slaveHosts)
    const layout = setup.virtualized
      ? await deployVms(cluster, setup, masterHost!, slaves)
      : { master: { host: masterHost! }, slaves: slaves.map(host => ({ host })) }
    const { hadoop } = simHadoopCluster({ engine: cluster.engine, setup, layout, settings, costs: this.costs })
    return {
      setup: setup.id,
      slaveHosts,
      nodes: layout.slaves.length,
      runJob: async (job: JobSpec, runOptions: JobRunOptions = {}): Promise<JobResult> => {
        return await hadoop.run(job, runOptions.onStarted !== undefined ? { onSubmitted: runOptions.onStarted } : {})
      },
      release: async () => { await cluster.close(); if (this.current === cluster) this.current = undefined }
    }
  }

  async deployTemplate (method: 'paper' | 'xenos', hosts: number, options: DeployTemplateOptions = {}): Promise<DeploymentReport> {
    if (method !== 'paper' && method !== 'xenos') throw new TestbedError(`deployTemplate: expected method "paper" or "xenos", found ${String(method)}`)
    if (!Number.isInteger(hosts) || hosts < 1 || hosts > this.slaveHostCount) {
      throw new TestbedError(`deployTemplate ${method}: expected 1 to ${this.slaveHostCount} hosts, found ${hosts}`)
    }
    if (this.current !== undefined) await this.current.close()
    const cluster = new SimCluster({ platform: this.base, seed: this.seed * 1000 + (this.deployments++), placementSeed: this.seed, mode: 'live' })
    this.current = cluster
    try {
      return await deployTemplateOnSim(cluster, this.base, method, hosts, options)
    } finally {
      await cluster.close()
      if (this.current === cluster) this.current = undefined
    }
  }

  async close (): Promise<void> {
    await this.current?.close()
    this.current = undefined
  }
}

/** Creates the master VM and the slave VMs through the hosts' drivers, as the deployer would. */
async function deployVms (cluster: SimCluster, setup: ClusterSetup, masterHost: string, slaves: readonly string[]): Promise<ClusterLayout> {
  const boot = async (driver: HypervisorDriver, name: string, vcpus: number, memoryMiB: number): Promise<NodeLocation> => {
    const root = `instances/${name}.img`
    const swap = `instances/${name}-swap.img`
    await driver.cloneImage('templates/hadoop.img', root, { mode: driver.capabilities().copyOnWriteClone ? 'cow' : 'copy' })
    await driver.createImage(swap, SWAP_IMAGE_BYTES)
    await driver.createDomain({
      name, vcpus, memoryMiB,
      disks: [{ image: root, target: 'xvda' }, { image: swap, target: 'xvdb' }],
      boot: { kind: 'pv', kernel: KERNEL, cmdline: 'root=/dev/xvda ro' },
      nics: [{ bridge: 'xenbr0' }]
    })
    await driver.startDomain(name)
    return { host: driver.hostname, vm: name }
  }
  const withTemplate = async (host: string): Promise<HypervisorDriver> => {
    const driver = cluster.driver(host)
    await driver.createImage('templates/hadoop.img', TEMPLATE_IMAGE_BYTES)
    return driver
  }
  const master = await boot(await withTemplate(masterHost), 'hadoop-master', 1, MASTER_VM_MEMORY_MIB)
  const nodes: NodeLocation[] = []
  for (const host of slaves) {
    const driver = await withTemplate(host)
    for (let i = 1; i <= setup.vmsPerHost; i++) nodes.push(await boot(driver, `hadoop-slave-${i}`, setup.vcpusPerVm, setup.vmMemoryMiB))
  }
  return { master, slaves: nodes }
}
