/**
 * Real Xenos coordinators on the hosts of a simulated cluster: one
 * `startXenosHost` per host (libp2p overlay over loopback, XML-RPC API),
 * each over its host's sim-driver through the `ClockGate`, its templates
 * travelling by xenos-core's own transfer over the cluster's image port
 * (chunks as flows of the simulated network, reads and writes on the
 * simulated disks; `SimCluster.imagePort`). The experiments reach them only
 * through `XenosClient` and the deployer's `xenosDeployApi`, as on real
 * hosts; the gate times every call they make (wall clock, finding C12).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ClusterAuthority, startXenosHost, xenosClient,
  type CoordinatorInit, type Credentials, type Principal, type ReplicateResult, type ServiceConfig, type TemplateConfig, type XenosClient, type XenosHost
} from '@xenos/core'
import { xenosDeployApi, type DeployApi } from '@xenos/deployer'
import { waitFor } from '@xenos/hypervisor-interface'
import type { SimCluster } from '@xenos/sim-driver'
import type { ClockGate } from '@xenos/sim-engine'
import { TestbedError } from '../errors.js'

const ADMIN_TOKEN = 'sim-testbed-admin'

/**
 * Wall-clock deadlines of the coordinators' searches, peer calls and API calls here, in ms. A search
 * ends as soon as every host answered and a call as soon as it is answered, but a call may wait for
 * simulated work (a boot, a replication, a migration) whose wall time depends on the machine: the
 * deadline (the longest the API accepts for a search) is only there to end a hung run, so no result
 * depends on how fast the machine is.
 */
export const SIM_WALL_DEADLINE_MS = 600_000

/**
 * Failure detection of the coordinators here: they share one process, so none fails unless the
 * testbed stops it; probes that wait long keep a loaded machine from making them suspect each other
 * (which would leave hosts out of searches).
 */
const SIM_MEMBERSHIP = { probeIntervalMs: 5000, probeTimeoutMs: 30_000, exchangeTimeoutMs: 60_000 }

/** The simulated Xenos coordinators could not be started or answered unexpectedly. */
export class SimXenosError extends TestbedError {}

/** What one host's service config directory holds. */
export interface SimHostConfig {
  templates?: TemplateConfig[]
  services?: ServiceConfig[]
  coordinator?: Pick<CoordinatorInit, 'cloneMode' | 'replicationMethod'>
}

export interface SimXenosInit {
  cluster: SimCluster
  gate: ClockGate
  /** Hosts to run a coordinator on (the first bootstraps the others). */
  hosts: readonly string[]
  config: (hostname: string) => SimHostConfig
  /** Real-time bound on the overlay forming, in ms (generous: the coordinators are real processes sharing a possibly busy machine). @default 180000 */
  joinTimeoutMs?: number
}

/** One `xenos.replicateTemplate` made through `deployApi`, as the coordinator answered it. */
export interface Replication {
  host: string
  result: ReplicateResult
}

export interface SimXenos {
  readonly hosts: readonly XenosHost[]
  /** A client of the first host's API, as an administrator. */
  readonly client: XenosClient
  /** The deployer's API over `client`, every call gated and timed (`api:<method>`). */
  readonly deployApi: DeployApi
  /** The replications made through `deployApi`, in the order they ended. */
  readonly replications: readonly Replication[]
  stop (): Promise<void>
}

export async function startSimXenos (init: SimXenosInit): Promise<SimXenos> {
  const { cluster, gate } = init
  if (init.hosts.length === 0) throw new SimXenosError('startSimXenos: expected at least one host, found none')
  const dir = await mkdtemp(join(tmpdir(), 'xenos-sim-testbed-'))
  // a closed overlay, as on real hosts: the cluster's credentials live in the testbed's temporary directory
  const authority = await ClusterAuthority.create(join(dir, 'cluster'))
  const hosts: XenosHost[] = []
  const authenticate = (cred: Credentials): Principal => {
    if (cred.token !== ADMIN_TOKEN) throw new SimXenosError('expected the sim testbed\'s admin token, found another')
    return { user: 'root', role: 'admin' }
  }
  const start = async (name: string, bootstrap: string[]): Promise<XenosHost> => {
    const cfg = init.config(name)
    return await startXenosHost({
      dataDir: join(dir, name),
      trust: await authority.hostTrust(join(dir, name), name),
      bootstrap,
      monitorIntervalMs: 0,
      membership: SIM_MEMBERSHIP,
      peerCallTimeoutMs: SIM_WALL_DEADLINE_MS,
      coordinator: { createMissingImages: true, searchDeadlineMs: SIM_WALL_DEADLINE_MS, ...cfg.coordinator }
    }, {
      driver: gate.releasing(cluster.driver(name)),
      images: cluster.imagePort(name, { gate }),
      authenticate,
      configSource: { load: async () => ({ templates: cfg.templates ?? [], services: cfg.services ?? [], problems: [] }) },
      onError: (err) => { if (!cluster.closed) console.error(`xenos host ${name}:`, err) }
    })
  }
  try {
    const [first, ...rest] = init.hosts
    hosts.push(await start(first!, []))
    const boot = [hosts[0]!.node.multiaddrs()[0]!.toString()]
    // every start is awaited, so that a host that started is stopped below when another failed
    const started = await Promise.allSettled(rest.map(async name => await start(name, boot)))
    for (const s of started) if (s.status === 'fulfilled') hosts.push(s.value)
    const failed = started.find(s => s.status === 'rejected')
    if (failed !== undefined) throw failed.reason
    // each host's count of live members, taken again only when its table changes (not on every poll)
    const known = hosts.map(h => h.membership.members().length)
    const unsubscribe = hosts.map((h, i) => h.membership.onChange(() => { known[i] = h.membership.members().length }))
    try {
      await waitFor(() => known.every(n => n >= hosts.length - 1), {
        timeoutS: (init.joinTimeoutMs ?? 180_000) / 1000, what: `${hosts.length} coordinators to know each other`
      })
    } finally {
      for (const u of unsubscribe) u()
    }
  } catch (err) {
    const stopError = await stopAll(hosts).then(() => undefined, (e: unknown) => e)
    await rm(dir, { recursive: true, force: true })
    if (stopError === undefined) throw err
    throw new SimXenosError(`starting ${init.hosts.length} coordinators failed: ${(err as Error).message}; `
      + `stopping those that started failed too: ${(stopError as Error).message}`, { cause: err })
  }
  const client = xenosClient({ endpoints: [hosts[0]!.apiUrl], credentials: { scheme: 'bearer', token: ADMIN_TOKEN }, timeoutMs: SIM_WALL_DEADLINE_MS })
  const raw = xenosDeployApi(client, { searchDeadlineMs: SIM_WALL_DEADLINE_MS })
  const apiUrlOf = new Map(hosts.map(h => [h.coordinator.hostname, h.apiUrl]))
  const replications: Replication[] = []
  const deployApi: DeployApi = {
    searchHosts: async q => await gate.run('api:searchHosts', async () => await raw.searchHosts(q)),
    searchServices: async q => await gate.run('api:searchServices', async () => await raw.searchServices(q)),
    replicateTemplate: async (t, h) => {
      const url = apiUrlOf.get(h)
      if (url === undefined) throw new SimXenosError(`replicateTemplate: expected a coordinator on ${h}, found none`)
      const result = await gate.run('api:replicateTemplate', async () => await client.callAt(url, 'xenos.replicateTemplate', [t]) as ReplicateResult)
      replications.push({ host: h, result })
    },
    createInstance: async (t, h, o) => await gate.run('api:createInstance', async () => await raw.createInstance(t, h, o)),
    startService: async id => await gate.run('api:startService', async () => await raw.startService(id)),
    getService: async id => await gate.run('api:getService', async () => await raw.getService(id)),
    destroyService: async (id) => { await gate.run('api:destroyService', async () => { await raw.destroyService(id) }) }
  }
  let stopped = false
  return {
    hosts,
    client,
    deployApi,
    replications,
    async stop () {
      if (stopped) return
      stopped = true
      client.close()
      try {
        await stopAll(hosts)
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    }
  }
}

/**
 * Stop every coordinator at once. One after another, each stop would leave
 * the others probing it, declaring it failed and spreading that before their
 * own turn (about half a second of wall time per host, for nothing: the
 * whole cluster goes). Every stop is tried; the first failure is thrown.
 */
async function stopAll (hosts: readonly XenosHost[]): Promise<void> {
  const outcomes = await Promise.allSettled(hosts.map(async (h) => { await h.stop() }))
  const failed = outcomes.find(o => o.status === 'rejected')
  if (failed !== undefined) throw failed.reason
}
