/**
 * `Testbed.deployTemplate` on the simulated cluster: the Hadoop slave
 * template (10 GiB disk + 1 GiB swap) starts on the master host; the
 * deployer puts it and one instance on each of `hosts` slave hosts through
 * the coordinators' API, the coordinators replicating it with the method
 * asked (their `replicationMethod`, which `xenos.replicateTemplate` uses):
 * - `paper`: `whole-copy`, the whole image from one holder, then a second
 *   local copy;
 * - `xenos`: `chunked`, from every host that holds it and every host
 *   fetching it at the same time (the image's swarm).
 * The deployer works on `options.concurrency` hosts at a time (the
 * deployment file's `concurrency`; the deployer's default, 4, without it).
 *
 * Reported: the simulated time from the first API call to the last
 * instance running; and, from what the coordinators answered to each
 * `xenos.replicateTemplate` (xenos-core's transfer, run over the cluster's
 * image port), the bytes fetched over the network and copied locally, the
 * mean throughput of one host's network transfer and of its local copy,
 * the bytes the master (the only holder at the start) sent;
 * the physical limit: the most any one link or disk had to carry for this
 * deployment, over its bandwidth (holders' disk reads left out, since a
 * holder's page cache may serve repeated reads), and the lower bound of
 * any method (each receiver takes in and writes the template once); and the
 * control plane's wall-clock times.
 */
import { callTimes, onTestbed, type DeploymentReport, type DeployTemplateOptions } from '@xenos/experiment-interface'
import { Deployer, validateDeployment } from '@xenos/deployer'
import { ClockGate, type CallStats, type Platform } from '@xenos/sim-engine'
import type { SimCluster } from '@xenos/sim-driver'
import { hadoopSlaveTemplate, TEMPLATE_NAME } from './sim-api-cluster.js'
import { startSimXenos, type Replication, type SimXenos } from './sim-xenos.js'

/** One host's replication of the template, as its coordinator reported it (sources named by host). */
export interface HostFetch {
  host: string
  /** Bytes received over the network. */
  bytes: number
  /** Bytes copied locally afterwards (whole-copy). */
  localCopyBytes: number
  /** Bytes each source sent. */
  sentBy: Record<string, number>
}

export async function deployTemplateOnSim (
  cluster: SimCluster, platform: Platform, method: 'paper' | 'xenos', hosts: number, options: DeployTemplateOptions = {}
): Promise<DeploymentReport> {
  const engine = cluster.engine
  const gate = new ClockGate(engine, { wallClockMs: () => performance.now() })
  const [masterHost, ...others] = cluster.hostnames()
  const slaves = others.slice(0, hosts)
  const xenos = await startSimXenos({
    cluster, gate, hosts: [masterHost!, ...slaves],
    config: h => ({
      coordinator: { replicationMethod: method === 'paper' ? 'whole-copy' : 'chunked' },
      ...(h === masterHost ? { templates: [hadoopSlaveTemplate(1, 384)] } : {})
    })
  })
  try {
    const deployer = new Deployer({ api: xenos.deployApi, clock: engine.clock }, { pollS: 1 })
    const spec = validateDeployment({
      deployment: `template-${method}`, template: TEMPLATE_NAME,
      hosts: { count: hosts, exclude: [masterHost!] }, instancesPerHost: 1, groups: [], attributes: { role: 'deploy-test' },
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency })
    })
    const t0 = engine.nowS()
    await deployer.deploy(spec)
    const durationS = engine.nowS() - t0
    const cp = { ...gate.stats('api:'), heldS: gate.heldS() }
    const probe = await probeControlPlane(xenos, gate, slaves[0]!)
    const replications = xenos.replications.filter(r => !r.result.alreadyPresent)
    const fetches = replications.map(r => hostFetch(r, xenos))
    const networkBytes = sum(fetches.map(f => f.bytes))
    const localCopyBytes = sum(fetches.map(f => f.localCopyBytes))
    const rate = (bytes: (r: Replication) => number, seconds: (r: Replication) => number): number => {
      const rates = replications.map(r => bytes(r) / seconds(r)).filter(x => Number.isFinite(x))
      return rates.length === 0 ? 0 : sum(rates) / rates.length
    }
    return {
      method,
      hosts,
      duration: onTestbed(durationS, 's'),
      networkBytes: onTestbed(networkBytes, 'B'),
      localCopyBytes: onTestbed(localCopyBytes, 'B'),
      physicalLimit: onTestbed(physicalLimitS(platform, fetches, zoneRate(cluster)), 's'),
      lowerBound: onTestbed(lowerBoundS(platform, fetches, zoneRate(cluster)), 's'),
      aggregateRate: onTestbed(networkBytes / durationS, 'B/s'),
      networkRate: onTestbed(rate(r => r.result.bytes, r => r.result.networkS), 'B/s'),
      localCopyRate: onTestbed(rate(r => r.result.localCopyBytes, r => r.result.localCopyS), 'B/s'),
      seedSentBytes: onTestbed(sum(fetches.map(f => f.sentBy[masterHost!] ?? 0)), 'B'),
      controlPlane: callTimes(cp),
      // the gate's held time is its whole life's, not the probe's: calls one at a time hold it for their own time anyway
      probe: callTimes({ calls: probe.calls, maxS: probe.maxS, meanS: probe.meanS, totalS: probe.totalS })
    }
  } finally {
    await xenos.stop()
  }
}

/** A replication with its sources named by host (a coordinator names a peer by its id where it has not learnt its name). */
function hostFetch (r: Replication, xenos: SimXenos): HostFetch {
  const hostOf = new Map(xenos.hosts.map(h => [h.peerId, h.coordinator.hostname]))
  const sentBy: Record<string, number> = {}
  for (const [source, bytes] of Object.entries(r.result.bytesBySource)) {
    const name = hostOf.get(source) ?? source
    sentBy[name] = (sentBy[name] ?? 0) + bytes
  }
  return { host: r.host, bytes: r.result.bytes, localCopyBytes: r.result.localCopyBytes, sentBy }
}

/**
 * The control plane alone, one call at a time once the overlay is warm (no
 * transfer running, no other call in flight): searches, a service lookup, a
 * registry update (an instance created and destroyed on `host`, which holds
 * the template) and a replication request for a template already there.
 * Wall-clock times of the real calls, through the gate (`probe:<method>`).
 */
async function probeControlPlane (xenos: SimXenos, gate: ClockGate, host: string): Promise<CallStats> {
  const api = xenos.deployApi
  for (let i = 0; i < 3; i++) {
    await gate.run('probe:searchHosts', async () => await api.searchHosts(''))
    await gate.run('probe:searchServices', async () => await api.searchServices('attributes.role=deploy-test'))
  }
  const probe = { name: 'probe-instance', groups: [], attributes: {} }
  const made = await gate.run('probe:createInstance', async () => await api.createInstance(TEMPLATE_NAME, host, probe))
  await gate.run('probe:getService', async () => await api.getService(made.id))
  await gate.run('probe:destroyService', async () => { await api.destroyService(made.id) })
  await gate.run('probe:replicateTemplate', async () => { await api.replicateTemplate(TEMPLATE_NAME, host) })
  return gate.stats('probe:')
}

/** A host's disk rate for its own files, bytes/s (its zone's); absent: the disk's outermost rate. */
export type DiskRate = (host: string, op: 'read' | 'write') => number | undefined

/** Each host's disk at the zone where its files lie, on the cluster's engine. */
function zoneRate (cluster: SimCluster): DiskRate {
  return (host, op) => {
    const h = cluster.engine.host(host)
    return h.disks[0]?.rateBps(op, h.diskPosition)
  }
}

/**
 * The least any method could take: each receiver must take in every byte of
 * the template over its link and write it on its disk once.
 */
export function lowerBoundS (platform: Platform, fetches: readonly HostFetch[], rate: DiskRate = () => undefined): number {
  let worst = 0
  for (const host of new Set(fetches.map(f => f.host))) {
    const d = platform.hosts.find(h => h.name === host)
    const disk = d?.disks[0]
    if (d === undefined || disk === undefined) continue
    const bytes = sum(fetches.filter(f => f.host === host).map(f => f.bytes))
    worst = Math.max(worst, bytes / (d.nic.bandwidthBps * platform.network.tcpEfficiency), bytes / (rate(host, 'write') ?? disk.writeBps))
  }
  return worst
}

/** The busiest link or disk's bytes over its bandwidth (see the module comment). */
export function physicalLimitS (platform: Platform, fetches: readonly HostFetch[], rate: DiskRate = () => undefined): number {
  const byName = new Map(platform.hosts.map(h => [h.name, h]))
  const load = new Map<string, { out: number, in: number, read: number, write: number }>()
  const of = (h: string): { out: number, in: number, read: number, write: number } => {
    let l = load.get(h)
    if (l === undefined) { l = { out: 0, in: 0, read: 0, write: 0 }; load.set(h, l) }
    return l
  }
  for (const f of fetches) {
    for (const [holder, bytes] of Object.entries(f.sentBy)) of(holder).out += bytes
    const r = of(f.host)
    r.in += f.bytes
    r.write += f.bytes + f.localCopyBytes
    r.read += f.localCopyBytes
  }
  let worst = 0
  for (const [h, l] of load) {
    const d = byName.get(h)
    const disk = d?.disks[0]
    if (d === undefined || disk === undefined) continue
    const linkBps = d.nic.bandwidthBps * platform.network.tcpEfficiency
    worst = Math.max(worst, l.out / linkBps, l.in / linkBps, l.read / (rate(h, 'read') ?? disk.readBps) + l.write / (rate(h, 'write') ?? disk.writeBps))
  }
  return worst
}

const sum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0)
