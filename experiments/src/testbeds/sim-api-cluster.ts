/**
 * A Hadoop cluster deployed on the simulated hosts through the Xenos API,
 * as on real hosts: a coordinator per host (`startSimXenos`), the master
 * host configured as in the paper ("a template of the Hadoop slave service
 * as well as an instance of the Hadoop master node"), the slave VMs
 * deployed by the `Deployer` (`@xenos/deployer`) over `xenosDeployApi`, and the
 * Hadoop model finding the VMs the coordinators' drivers made by their
 * domain names. The master is the cluster's `master`: experiments migrate
 * it with `xenos.migrateService` to a host found by search, each call
 * through the clock gate.
 *
 * The master instance is a full copy of the template (its coordinator
 * clones with `cloneMode: copy`), as every instance was in the paper's
 * Xenos ("132GB in local data copying"): its 11 GiB of files are its own
 * and move with it. The migration uses `storage: stop-and-copy`: sim-driver
 * then suspends the domain before its images are sent and resumes it on
 * the target after its memory, which is the paper's "the master [is]
 * paused while its files are moved and its state migrated" (`pre-copy`
 * would keep it running while the disk is copied, which the Xen of the
 * paper could not do).
 */
import { onWall, type JobResult, type JobRunOptions, type JobSpec, type MigrationApi, type TestbedCluster } from '@xenos/experiment-interface'
import type { ServiceConfig, TemplateConfig } from '@xenos/core'
import { Deployer } from '@xenos/deployer'
import {
  PAPER_HADOOP, hadoopDeployment, simHadoopCluster, MASTER_VM_MEMORY_MIB, type ClusterSetup, type HadoopCosts, type HadoopSettings
} from '@xenos/hadoop-bench'
import type { SimCluster } from '@xenos/sim-driver'
import { ClockGate } from '@xenos/sim-engine'
import { startSimXenos } from './sim-xenos.js'
import { TestbedError } from '../errors.js'

const GiB = 1024 ** 3
/** The Hadoop slave template of the paper: "a 10GB disk image, 1GB swap image". */
export const TEMPLATE_IMAGE_BYTES = 10 * GiB
export const SWAP_IMAGE_BYTES = GiB
export const TEMPLATE_NAME = 'hadoop-slave'
const KERNEL = 'boot/vmlinuz-2.6.24-27-xen'
/** Search for the migration target: room for the master (the source host is never chosen). */
export const MIGRATION_TARGET_QUERY = `freeMemoryMiB>=${MASTER_VM_MEMORY_MIB}`

/** The simulated cluster driven through the Xenos API could not do what was asked (a call refused, a service not found). */
export class ApiClusterError extends TestbedError {}

/** The slave template as the master host's config declares it. */
export function hadoopSlaveTemplate (vcpus: number, memoryMiB: number): TemplateConfig {
  const root = `templates/${TEMPLATE_NAME}/xvda.img`
  const swap = `templates/${TEMPLATE_NAME}/xvdb.img`
  return {
    name: TEMPLATE_NAME,
    spec: {
      name: TEMPLATE_NAME, vcpus, memoryMiB,
      disks: [{ image: root, target: 'xvda' }, { image: swap, target: 'xvdb' }],
      boot: { kind: 'pv', kernel: KERNEL, cmdline: 'root=/dev/xvda ro' },
      nics: [{ bridge: 'xenbr0' }]
    },
    images: [{ path: root, sizeBytes: TEMPLATE_IMAGE_BYTES, target: 'xvda' }, { path: swap, sizeBytes: SWAP_IMAGE_BYTES, target: 'xvdb' }],
    groups: [], attributes: {}, endpoints: [], source: 'sim-testbed:hadoop-slave'
  }
}

const MASTER_SERVICE: ServiceConfig = {
  name: 'hadoop-master', template: TEMPLATE_NAME, groups: ['hadoop'], attributes: { role: 'hadoop-master' },
  endpoints: [], owner: 'root', autostart: true, vcpus: 1, memoryMiB: MASTER_VM_MEMORY_MIB, source: 'sim-testbed:hadoop-master'
}

export interface ApiClusterInit {
  cluster: SimCluster
  setup: ClusterSetup
  slaveHosts: number
  costs: HadoopCosts
  /** The Hadoop configuration. @default PAPER_HADOOP */
  settings?: HadoopSettings
}

export async function deployViaXenos (init: ApiClusterInit): Promise<TestbedCluster> {
  const { cluster, setup } = init
  const engine = cluster.engine
  const gate = new ClockGate(engine, { wallClockMs: () => performance.now() })
  const names = cluster.hostnames()
  const masterHost = names[0]!
  const xenos = await startSimXenos({
    cluster, gate, hosts: names.slice(0, init.slaveHosts + 1),
    config: h => h === masterHost
      ? { templates: [hadoopSlaveTemplate(setup.vcpusPerVm, setup.vmMemoryMiB)], services: [MASTER_SERVICE], coordinator: { cloneMode: 'copy' } }
      : {}
  })
  try {
    const deployer = new Deployer({ api: xenos.deployApi, clock: engine.clock }, { pollS: 1 })
    const spec = hadoopDeployment(setup, { template: TEMPLATE_NAME, hostCount: init.slaveHosts, masterHost, masterHostname: MASTER_SERVICE.name })
    const deployed = await deployer.deploy(spec)
    const masters = await xenos.deployApi.searchServices('attributes.role=hadoop-master')
    const master = masters.results.find(s => s.name === MASTER_SERVICE.name)
    if (master === undefined) {
      throw new ApiClusterError(`expected the master service ${MASTER_SERVICE.name} on ${masterHost}, found none among ${masters.results.length} answers`)
    }
    if (master.state !== 'running') await xenos.deployApi.startService(master.id)
    const layout = { master: { host: master.host, vm: MASTER_SERVICE.name }, slaves: deployed.instances.map(i => ({ host: i.host, vm: i.name })) }
    const { hadoop } = simHadoopCluster({ engine, setup, layout, settings: init.settings ?? PAPER_HADOOP, costs: init.costs })
    let migrations = 0
    const api: MigrationApi = {
      migrateService: async (id, target, options) => {
        const label = `api:migrateService:${++migrations}:`
        const r = await gate.run(label, async () => await xenos.client.migrateService(id, target, options))
        // The call's control-plane wall time (search, prepare, commit): the gate times only its real work, not the simulated transfer it awaits.
        return { ...r, controlPlane: onWall(gate.stats(label).totalS, 's') }
      }
    }
    return {
      setup: setup.id,
      slaveHosts: init.slaveHosts,
      nodes: layout.slaves.length,
      runJob: async (job: JobSpec, options: JobRunOptions = {}): Promise<JobResult> => {
        return await hadoop.run(job, options.onStarted !== undefined ? { onSubmitted: options.onStarted } : {})
      },
      master: { serviceId: master.id, api, target: MIGRATION_TARGET_QUERY, live: true, storage: 'stop-and-copy' },
      release: async () => {
        await xenos.stop()
        await cluster.close()
      }
    }
  } catch (err) {
    await xenos.stop()
    throw err
  }
}
