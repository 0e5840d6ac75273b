/**
 * A simulated cluster at scale, the scenario of `xenos sim-scale` and of this
 * package's benchmark: simulate `hosts` Xen hosts, boot `vmsPerHost` domains
 * on each through the driver layer, then run `migrations` concurrent live
 * migrations; report wall time, CPU time, simulated time, events and peak
 * memory (wall, CPU and memory are the machine's; every other figure comes
 * out of the model and is the same for the same seed).
 *
 * The cluster runs in manual mode: every driver call is issued at simulated
 * time 0 of its phase, and `cluster.settle(...)` runs the engine until they settle.
 *
 * Migrations: domain k of source host s (s = 0 .. migrations/vmsPerHost - 1)
 * goes to a host of the other half of the cluster chosen by a seeded
 * permutation, so some targets receive two (sharing their down link) and
 * every source sends several at once (sharing its up link).
 */
import { performance } from 'node:perf_hooks'
import type { DomainSpec, MigrationReport, StorageMigrationMode } from '@xenos/hypervisor-interface'
import { definePlatform } from '@xenos/sim-engine'
import { SimCluster } from '../driver/sim-cluster.js'

export interface ClusterScaleOptions {
  /** @default 10000 */
  hosts?: number
  /** @default 4 */
  vmsPerHost?: number
  /** @default 1000 */
  migrations?: number
  /** @default 'pre-copy' (images and memory both move while the domain runs) */
  storage?: StorageMigrationMode
  /** Image of each domain, bytes. @default 1 GiB */
  imageBytes?: number
  /** @default 1 */
  seed?: number
  /** Told when a phase begins: `boot` (every domain created and started at once), then `migrations`. */
  onPhase?: (phase: 'boot' | 'migrations') => void
}

export interface ClusterScaleFigures {
  hosts: number
  domains: number
  migrations: number
  storage: StorageMigrationMode
  bootWallS: number
  migrateWallS: number
  totalWallS: number
  /** CPU seconds of this process (user + system): steadier than wall time on a shared machine. */
  bootCpuS: number
  migrateCpuS: number
  bootSimS: number
  migrateSimS: number
  engineEvents: number
  flowCompletions: number
  peakRssMiB: number
  peakHeapMiB: number
  meanMigrationS: number
  maxMigrationS: number
  meanDowntimeS: number
  converged: number
}

const MiB = 1024 * 1024

function permutation (n: number, seed: number): number[] {
  // A fixed affine permutation: a multiplier coprime with n.
  let a = 7919 + seed * 2
  const gcd = (x: number, y: number): number => y === 0 ? x : gcd(y, x % y)
  while (gcd(a, n) !== 1) a++
  return Array.from({ length: n }, (_, i) => (i * a + seed) % n)
}

/**
 * Resolves once the `n` calls `call(0)` .. `call(n - 1)` have all fulfilled (rejects with the first
 * failure), keeping none of their values: `Promise.all` would hold a `DomainInfo` per domain, and
 * a closure and a reaction per call, until the last domain boots.
 */
function allDone (n: number, call: (i: number) => Promise<unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    let left = n
    const one = (): void => { if (--left === 0) resolve() }
    if (n === 0) resolve()
    for (let i = 0; i < n; i++) call(i).then(one, reject)
  })
}

export async function clusterScale (o: ClusterScaleOptions = {}): Promise<ClusterScaleFigures> {
  const hosts = o.hosts ?? 10_000
  const vmsPerHost = o.vmsPerHost ?? 4
  const migrations = o.migrations ?? 1000
  const storage = o.storage ?? 'pre-copy'
  const imageBytes = o.imageBytes ?? 1024 * MiB
  const seed = o.seed ?? 1
  const sources = Math.ceil(migrations / vmsPerHost)
  if (sources > hosts / 2) throw new RangeError(`expected migrations / vmsPerHost <= hosts / 2, found ${sources} > ${hosts / 2}`)

  let peakRss = 0
  let peakHeap = 0
  const sample = (): void => {
    const m = process.memoryUsage()
    peakRss = Math.max(peakRss, m.rss)
    peakHeap = Math.max(peakHeap, m.heapUsed)
  }
  const cpuS = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6 }
  const cpu0 = cpuS()
  const wall0 = performance.now()
  // The paper's node type with room for a fifth guest, so migrations have somewhere to go.
  const platform = definePlatform({
    name: 'bench-cluster',
    network: { switchLatencyS: 5e-6, tcpEfficiency: 0.94 },
    virtualization: { dom0DiskFlopsPerByte: 2, dom0NetFlopsPerByte: 4, diskLatencyS: 1e-4, netLatencyS: 5e-5 },
    pageCache: { dirtyRatio: 0.2, guestWorkingSetMiB: 128, dom0WorkingSetMiB: 256, nativeWorkingSetMiB: 256 },
    hostTypes: {
      node: {
        cores: 2,
        coreSpeedFlops: 2.53e9,
        memoryMiB: 2048 + 512,
        memoryBandwidthBps: 5e9,
        dom0: { memoryMiB: 512, vcpus: 1 },
        disks: [{
          name: 'sda', capacityBytes: 500e9, readBps: 80e6, writeBps: 70e6,
          rpm: 7200, averageSeekS: 8.5e-3, trackSeekS: 0.8e-3, readRequestBytes: 131072, writeRequestBytes: 4194304
        }],
        nic: { bandwidthBps: 125e6, latencyS: 5e-5 }
      }
    },
    hosts: [{ prefix: 'n', count: hosts, start: 0, pad: 5, type: 'node' }]
  })
  const cluster = new SimCluster({ platform, seed, mode: 'manual' })
  const engine = cluster.engine
  const names = cluster.hostnames()
  const drivers = names.map(h => cluster.driver(h))
  sample()

  // Phase 1: every domain is created and started at once. Creating takes no simulated time, so
  // every domain is created first and then all are started, at the same simulated instant: the
  // calls waiting for the boots are then the starts alone (less memory in flight).
  o.onPhase?.('boot')
  const bootStart = engine.nowS()
  const domainNames: string[] = []
  const owners: Array<(typeof drivers)[number]> = []
  const specs: DomainSpec[] = []
  for (const d of drivers) {
    for (let k = 0; k < vmsPerHost; k++) {
      const name = [d.hostname, `vm${k}`].join('-')
      const spec: DomainSpec = {
        name, vcpus: 1, memoryMiB: 384,
        disks: [{ image: `images/${name}.img`, target: 'xvda' }],
        boot: { kind: 'pvh', kernel: '/boot/vmlinuz' },
        nics: [{ bridge: 'xenbr0' }],
        annotations: { 'sim.dirtyRateBps': String((k + 1) * 2 * MiB) }
      }
      domainNames.push(name)
      owners.push(d)
      specs.push(spec)
    }
  }
  await cluster.settle(allDone(specs.length, (i) => {
    const spec = specs[i] as DomainSpec
    return (owners[i] as (typeof drivers)[number]).createImage(spec.disks[0]?.image ?? '', imageBytes).then(() => owners[i]?.createDomain(spec))
  }))
  specs.length = 0
  await cluster.settle(allDone(domainNames.length, i => (owners[i] as (typeof drivers)[number]).startDomain(domainNames[i] as string)))
  const bootSimS = engine.nowS() - bootStart
  const bootWallS = (performance.now() - wall0) / 1000
  const bootCpuS = cpuS() - cpu0
  sample()

  // Phase 2: the migrations, all at once.
  o.onPhase?.('migrations')
  const perm = permutation(hosts - sources, seed)
  const runs: Array<Promise<MigrationReport>> = []
  for (let i = 0; i < migrations; i++) {
    const s = Math.floor(i / vmsPerHost)
    const k = i % vmsPerHost
    const target = names[sources + (perm[i] ?? 0)] as string
    const source = drivers[s] as (typeof drivers)[number]
    runs.push(source.migrateDomain(`${source.hostname}-vm${k}`, { host: target }, { storage }))
  }
  const migStartWall = performance.now()
  const migStartCpu = cpuS()
  const migStart = engine.nowS()
  const sampler = setInterval(sample, 50)
  const reports = await cluster.settle(Promise.all(runs))
  clearInterval(sampler)
  sample()
  const migrateSimS = engine.nowS() - migStart
  const migrateWallS = (performance.now() - migStartWall) / 1000
  const migrateCpuS = cpuS() - migStartCpu
  const stats = engine.stats
  const totals = reports.map(r => r.totalS)
  return {
    hosts,
    domains: hosts * vmsPerHost,
    migrations,
    storage,
    bootWallS,
    migrateWallS,
    totalWallS: (performance.now() - wall0) / 1000,
    bootCpuS,
    migrateCpuS,
    bootSimS,
    migrateSimS,
    engineEvents: stats.events,
    flowCompletions: stats.flowCompletions,
    peakRssMiB: peakRss / MiB,
    peakHeapMiB: peakHeap / MiB,
    meanMigrationS: totals.reduce((a, b) => a + b, 0) / totals.length,
    maxMigrationS: Math.max(...totals),
    meanDowntimeS: reports.reduce((a, r) => a + r.downtimeS, 0) / reports.length,
    converged: reports.filter(r => r.converged).length
  }
}

/** Writes the figures through `out`, one `name value` per line, then each also as one JSON line `{bench, value, unit, peer, ratio}` (no peer). */
export function printClusterScale (f: ClusterScaleFigures, out: (s: string) => void): void {
  out(`cluster-scale: ${f.hosts} hosts x ${f.domains / f.hosts} VMs booted, ${f.migrations} concurrent live migrations (storage ${f.storage})\n`)
  out(`  wall time        boot ${f.bootWallS.toFixed(2)} s, migrations ${f.migrateWallS.toFixed(2)} s, total ${f.totalWallS.toFixed(2)} s (target < 60 s)\n`)
  out(`  cpu time         boot ${f.bootCpuS.toFixed(2)} s, migrations ${f.migrateCpuS.toFixed(2)} s (this process, user + system)\n`)
  out(`  peak memory      rss ${f.peakRssMiB.toFixed(0)} MiB, heap ${f.peakHeapMiB.toFixed(0)} MiB\n`)
  out(`  simulated        boot ${f.bootSimS.toFixed(2)} s, migrations ${f.migrateSimS.toFixed(2)} s; `
    + `${f.engineEvents} events, ${f.flowCompletions} flow completions\n`)
  out(`  migrations       mean ${f.meanMigrationS.toFixed(2)} s, max ${f.maxMigrationS.toFixed(2)} s, `
    + `mean downtime ${f.meanDowntimeS.toFixed(3)} s, converged ${f.converged}/${f.migrations}\n`)
  // Each figure also as one JSON line {bench, value, unit, peer, ratio} (no peer here), to compare across commits.
  const name = `cluster-${f.hosts}-hosts`
  for (const [bench, value, unit] of [
    [`${name}-boot-wall`, f.bootWallS, 's'], [`${name}-boot-cpu`, f.bootCpuS, 's'],
    [`${name}-migrations-wall`, f.migrateWallS, 's'], [`${name}-migrations-cpu`, f.migrateCpuS, 's'],
    [`${name}-total-wall`, f.totalWallS, 's'], [`${name}-peak-rss`, f.peakRssMiB, 'MiB']
  ] as const) out(JSON.stringify({ bench, value: Number(value.toPrecision(6)), unit, peer: null, ratio: null }) + '\n')
}
