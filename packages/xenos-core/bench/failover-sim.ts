/**
 * Failover on a simulated paper cluster, with real coordinators,
 * deterministic: every host runs the framework's coordinator (`coordinator()`,
 * its failover agent, its services' life cycle, checkpoints, takeovers and
 * fencing as on real hosts) over its simulated driver (`SimCluster`, manual
 * mode), its state kept in memory (`memoryStateStore`), reached through the
 * simulated overlay of `sim-overlay.ts`: the framework's membership, its
 * XML-RPC methods answered by each host's own method registry, and
 * checkpoints fetched by guardians with xenos-core's verified-chunk transfer
 * over the cluster's image port (the checkpoint's save header travels in its
 * first chunk, so the guardian's copy restores).
 *
 * Measured, on the simulated clock, from outside the framework: the drivers'
 * domains (which run, per service, at every driver call that changes one),
 * the coordinators' events, the checkpoints the failed host's driver saved
 * and the bytes the fetchers received. For a host crash (the engine's fault
 * knob, `crashHost`; its coordinator and membership stop with it): the time
 * until each of its `resume` services runs again, the work each lost (the
 * time from the checkpoint it resumed from to the crash), and the bytes
 * moved; for a partition of one host that heals: the largest number of
 * copies of one service running at once (the claim is one), fencing and the
 * stale copies destroyed.
 */
import type { DomainInfo, HypervisorDriver } from '@xenos/hypervisor-interface'
import { SimCluster } from '@xenos/sim-driver'
import { loadPlatform, PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { coordinator, type Coordinator } from '../src/coordinator/coordinator.js'
import type { CoordinatorEvent } from '../src/coordinator/event-log.js'
import { checkpointCopyPath } from '../src/coordinator/failover-port.js'
import type { ImageFetcher, TemplateConfig } from '../src/coordinator/ports.js'
import { memoryStateStore, type MemoryStateFile } from '../src/coordinator/state-store.js'
import type { FailoverInit } from '../src/failover/agent.js'
import { restartPolicy, type RestartPolicy } from '../src/failover/policy.js'
import { idGenerator } from '../src/ids.js'
import type { SwimInit } from '../src/overlay/membership/swim.js'
import { queryMatcher } from '../src/search/query.js'
import { staticConfig } from '../src/testing/static-config.js'
import { SimOverlay } from './sim-overlay.js'

export interface FailoverSimInit {
  seed: number
  /** Services on the host that fails. @default 20 */
  services?: number
  /** Memory of each service, in MiB. @default 64 */
  memoryMiB?: number
  /** @default resume, every 60 s, 2 replicas */
  policy?: Partial<RestartPolicy>
  /** How long everything runs before the host fails, in simulated seconds (after the services run). @default 150 */
  warmupS?: number
  /** `crash`: the host dies (its guests and its coordinator with it). `partition`: its link is cut for `partitionS`, then restored. @default 'crash' */
  fault?: 'crash' | 'partition'
  /** @default 60 */
  partitionS?: number
  /** How long to run after the fault, in simulated seconds. @default 120 */
  afterS?: number
  /** @default checks every 1 s, takeover delay 10 s */
  failover?: FailoverInit
  membership?: SwimInit
}

export interface FailoverSimResult {
  hosts: number
  services: number
  /** Per service taken over: seconds from the fault until it ran again elsewhere, sorted. */
  recoverS: number[]
  /** Per service resumed from a checkpoint: seconds of work lost (from that checkpoint to the fault), sorted. */
  workLostS: number[]
  /** Services taken over from their template (no checkpoint held). */
  restarted: number
  /** Seconds from the fault until every other host had declared the failed host failed. */
  declaredS: number
  /** Checkpoint bytes guardians received over the network before the fault, and from the fault to the end. */
  bytesBefore: number
  bytesAfter: number
  /** Template bytes fetched (a host lacking a service's template). */
  templateBytes: number
  /** Checkpoints the failing host saved before the fault. */
  checkpoints: number
  /** The most copies of one service running at once, over the whole run. */
  maxCopies: number
  takeovers: number
  /** Takeovers that failed (`failed` events of a takeover). */
  takeoversFailed: number
  staleDiscarded: number
  /** Seconds from the fault until the cut-off host paused its guests (partition). */
  fencedS?: number
  /** Seconds from the fault until a copy of one of its services first ran on another host. */
  firstElsewhereS?: number
  /** Services running somewhere at the end. */
  runningAtEnd: number
}

const TEMPLATE = 'svc'
const GiB = 1024 ** 3
/** Simulated time the setup may take (templates, 20 services) before the run is declared stuck. */
const SETUP_LIMIT_S = 600

function template (memoryMiB: number): TemplateConfig {
  return {
    name: TEMPLATE,
    spec: {
      name: 'template', vcpus: 1, memoryMiB, disks: [{ image: `templates/${TEMPLATE}/xvda.img`, target: 'xvda' }],
      boot: { kind: 'pvh', kernel: 'boot/vmlinuz' }, nics: [{ bridge: 'xenbr0' }]
    },
    images: [{ path: `templates/${TEMPLATE}/xvda.img`, sizeBytes: GiB, target: 'xvda' }],
    groups: [], attributes: {}, endpoints: [], source: 'failover-sim'
  }
}

/** The domain calls after which a host's running domains are read again. */
const CHANGES = new Set(['startDomain', 'restoreDomain', 'unpauseDomain', 'pauseDomain', 'destroyDomain', 'shutdownDomain', 'saveDomain', 'removeDomain'])

/** `driver`, telling `changed` after every call that may change which domains run, and `saved` after every checkpoint. */
function observed (driver: HypervisorDriver, changed: () => void, saved: (path: string) => void): HypervisorDriver {
  return new Proxy(driver, {
    get (target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown
      if (typeof v !== 'function' || typeof prop !== 'string' || !CHANGES.has(prop)) return v
      return async (...args: unknown[]) => {
        try {
          const out = await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args)
          if (prop === 'saveDomain') saved(args[1] as string)
          return out
        } finally {
          changed()
        }
      }
    }
  })
}

export async function runFailoverSim (init: FailoverSimInit): Promise<FailoverSimResult> {
  const platform = await loadPlatform(PAPER_PLATFORM_FILE)
  const cluster = new SimCluster({ platform, seed: init.seed, mode: 'manual' })
  const engine = cluster.engine
  const overlay = new SimOverlay({ cluster, seed: init.seed, ...(init.membership === undefined ? {} : { membership: init.membership }) })
  const policy = restartPolicy({ mode: 'resume', checkpointIntervalS: 60, replicas: 2, ...init.policy })
  const names = cluster.hostnames()
  const victim = names[1]!
  const fault = init.fault ?? 'crash'
  const n = init.services ?? 20
  /** When the host fails: set once the services run. */
  let failAtS = Infinity
  const coords = new Map<string, Coordinator>()
  const halts = new Map<string, () => void>()
  const events: Array<CoordinatorEvent & { host: string, atS: number }> = []
  /** Checkpoints the victim's driver saved: path → simulated time. */
  const savedAtS = new Map<string, number>()
  /** Per service taken over: the checkpoint copy it was restored from, if any. */
  const resumedFrom = new Map<string, string | undefined>()
  const bytes = { before: 0, after: 0, templates: 0 }

  // which services run where: read from the drivers after every call that may change it
  const running = new Map<string, Map<string, number>>() // host → service id → running domains of it
  let maxCopies = 0
  const copiesOf = (id: string): number => [...running.values()].reduce((s, m) => s + (m.get(id) ?? 0), 0)
  const firstElsewhere: { atS?: number } = {}
  async function reread (host: string, driver: HypervisorDriver): Promise<void> {
    let domains: DomainInfo[] = []
    try {
      domains = await driver.listDomains()
    } catch {
      domains = [] // a crashed host runs nothing
    }
    const m = new Map<string, number>()
    for (const d of domains) {
      const id = d.spec.annotations?.['xenos.serviceId']
      if (d.state === 'running' && id !== undefined) m.set(id, (m.get(id) ?? 0) + 1)
    }
    running.set(host, m)
    for (const id of m.keys()) {
      maxCopies = Math.max(maxCopies, copiesOf(id))
      if (host !== victim && engine.nowS() >= failAtS) firstElsewhere.atS ??= engine.nowS()
    }
  }

  const files = new Map<string, MemoryStateFile>()
  for (const name of names) {
    const net = await overlay.addHost(name)
    const raw = cluster.driver(name)
    const driver = observed(raw, () => { void reread(name, raw) }, (path) => { if (name === victim) savedAtS.set(path, engine.nowS()) })
    const counting: ImageFetcher = {
      fetch: async (req) => {
        const r = await net.fetcher.fetch(req)
        if (req.image.target !== 'checkpoint') bytes.templates += r.bytes
        else if (engine.nowS() < failAtS) bytes.before += r.bytes
        else bytes.after += r.bytes
        return r
      },
      publish: async path => await net.fetcher.publish(path)
    }
    const random = engine.random.fork(`ids/${name}`)
    const file: MemoryStateFile = {}
    files.set(name, file)
    const c = coordinator({
      dataDir: `sim/${name}`, createMissingImages: true, failover: { checkIntervalMs: 1000, takeoverDelayMs: 10_000, ...init.failover }
    })({
      driver,
      ids: idGenerator({
        peerId: net.peerId, nowMs: () => engine.nowS() * 1000, random: size => Uint8Array.from({ length: size }, () => Math.floor(random.next() * 256))
      }),
      matcher: queryMatcher(),
      network: net.network,
      fetcher: counting,
      configSource: staticConfig([template(init.memoryMiB ?? 64)]),
      failoverClock: overlay.clock,
      now: () => new Date(engine.nowS() * 1000),
      stateStore: read => memoryStateStore(file, { read }, name),
      // unreachable guardians and peers are expected around the fault; what matters is read from the drivers and events
      onError: () => {}
    })
    net.serve(c)
    c.subscribe((e) => {
      events.push({ ...e, host: name, atS: engine.nowS() })
      if (e.kind === 'taken-over' && e.serviceId !== undefined) resumedFrom.set(e.serviceId, c.getService(e.serviceId).checkpoints?.[0])
    })
    coords.set(name, c)
    halts.set(name, net.halt)
  }

  /** Run the engine until `work` settles (coordinators' timers keep the event queue from ever emptying). */
  async function until<T> (work: Promise<T>, what: string): Promise<T> {
    let done = false
    work.then(() => { done = true }, () => { done = true })
    const limitS = engine.nowS() + SETUP_LIMIT_S
    while (!done) {
      if (engine.nowS() > limitS) throw new Error(`expected ${what} within ${SETUP_LIMIT_S} simulated s, found it still running`)
      await engine.runUntil(engine.nowS() + 0.05)
      await new Promise<void>((resolve) => { setImmediate(resolve) })
    }
    return await work
  }

  await until(Promise.all([...coords.values()].map(async c => await c.start())), 'the coordinators to start')
  overlay.startMembership()
  const owner = coords.get(victim)!
  await until((async () => {
    for (let i = 0; i < n; i++) {
      const id = `svc-${String(i).padStart(2, '0')}`
      await owner.createInstance(TEMPLATE, { id, name: id, restart: policy })
      await owner.startService(id)
    }
  })(), `${n} services to start on ${victim}`)

  failAtS = engine.nowS() + (init.warmupS ?? 150)
  const endS = failAtS + (init.afterS ?? 120)
  const others = names.filter(h => h !== victim).map(h => overlay.swimOf(h))
  const victimPeer = overlay.peerIdOf(victim)
  let declaredAtS: number | undefined
  engine.schedule(failAtS - engine.nowS(), () => {
    engine.markResolved()
    if (fault === 'crash') {
      cluster.faults.crashHost(victim)
      halts.get(victim)!()
      running.set(victim, new Map())
    } else {
      cluster.faults.cutLink(victim)
      engine.schedule(init.partitionS ?? 60, () => {
        engine.markResolved()
        cluster.faults.restoreLink(victim)
      })
    }
  })
  const watch = (): void => {
    if (declaredAtS === undefined && engine.nowS() >= failAtS && others.every(s => s.get(victimPeer)?.state === 'failed')) declaredAtS = engine.nowS()
    if (engine.nowS() < endS) engine.schedule(0.1, watch)
  }
  engine.schedule(0, watch)
  await engine.runUntil(endS)
  // the simulation ends here: work still in flight (awaiting simulated time) is dropped with it
  for (const name of names) halts.get(name)!()

  const since = (atS: number): number => atS - failAtS
  const after = events.filter(e => e.atS >= failAtS)
  const took = after.filter(e => e.kind === 'taken-over')
  const workLostS: number[] = []
  let restarted = 0
  for (const e of took) {
    const copy = resumedFrom.get(e.serviceId!)
    const id = e.serviceId!
    const from = copy === undefined ? undefined : [...savedAtS].find(([p]) => p.startsWith(`checkpoints/${id}/`) && checkpointCopyPath(id, 1, p) === copy)
    if (from === undefined) restarted++
    else workLostS.push(failAtS - from[1])
  }
  const fenced = after.find(e => e.kind === 'fenced' && e.host === victim)
  const result: FailoverSimResult = {
    hosts: names.length,
    services: n,
    recoverS: took.map(e => since(e.atS)).sort((a, b) => a - b),
    workLostS: workLostS.sort((a, b) => a - b),
    restarted,
    declaredS: declaredAtS === undefined ? NaN : since(declaredAtS),
    bytesBefore: bytes.before,
    bytesAfter: bytes.after,
    templateBytes: bytes.templates,
    checkpoints: [...savedAtS.values()].filter(t => t < failAtS).length,
    maxCopies,
    takeovers: took.length,
    takeoversFailed: after.filter(e => e.kind === 'failed' && e.detail?.startsWith('takeover') === true).length,
    staleDiscarded: after.filter(e => e.kind === 'stale-discarded').length,
    runningAtEnd: [...new Set([...running.values()].flatMap(m => [...m.keys()]))].length,
    ...(fenced === undefined ? {} : { fencedS: since(fenced.atS) }),
    ...(firstElsewhere.atS === undefined ? {} : { firstElsewhereS: since(firstElsewhere.atS) })
  }
  await cluster.close()
  return result
}
