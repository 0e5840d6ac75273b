/**
 * Membership figures (used by membership.bench.ts):
 * - convergence: n full coordinators (`startXenosHost` over an in-memory
 *   driver) on loopback in this process, the first alone, the others started
 *   together with it as their bootstrap peer (as the experiments' testbed
 *   does); the time from the moment they have all started until every one
 *   knows every other alive, and until then from the first start; then
 *   how long the others take to declare a stopped one failed;
 * - partition and kill -9: five overlay processes, one per network namespace
 *   (test/support/netns-lab.ts), default timings: a host cut off the switch,
 *   declared failed by the others and declaring them failed, then healed;
 *   a host killed with SIGKILL.
 * CPU burners (busy loops in child processes) can run beside either.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { startXenosHost, type XenosHost } from '../src/coordinator/index.js'
import type { MembershipInit } from '../src/overlay/membership/index.js'
import { SimNet, type SimMember } from '../test/support/sim-net.js'
import type { SwimInit } from '../src/overlay/membership/swim.js'
import { sharedAuthority } from '../src/overlay/test-helpers.js'
import { FakeCluster } from '../test/support/fake-cluster.js'
import { staticConfig } from '../test/support/harness.js'
import { NetnsLab, type OverlayChild } from '../test/support/netns-lab.js'

export interface ConvergenceFigures {
  hosts: number
  burners: number
  /** From the first start until every host had started (startXenosHost resolved). */
  startMs: number
  /** From the moment every host had started until every host knew every other alive. */
  convergeMs: number
  /** From the first start until convergence. */
  totalMs: number
  /** From stopping one host (no leave) until every other declared it failed. */
  detectStopMs: number
  /** Membership messages sent by every host together, per second, over 10 s once converged. */
  steadyRequestsPerS: number
  /** CPU time (user and system) of this process from the first start until convergence: every host's work, on however many cores. */
  cpuMs: number
  /** Event-loop delay of this process from the first start until convergence (median, 99th percentile, largest). */
  loopDelayMs: { p50: number, p99: number, max: number }
  /** libp2p connections opened and closed from the first start until convergence, and open at convergence (each counted once, not at both ends). */
  connectionsOpened: number
  connectionsOpen: number
  connectionsClosed: number
  /** Alive-to-suspect transitions seen by all hosts together until convergence (every host of the run was in fact alive). */
  suspicions: number
  /** From the moment the first host learnt of a joiner until every host knew it: median and largest over the joiners. */
  spreadMs: { p50: number, max: number }
  load: number
}

export interface SimConvergenceFigures {
  members: number
  /** Simulated time from the joins until every member knew every other alive. */
  convergeMs: number
  /** From the moment the first member learnt of a joiner until every member knew it: median and largest over the joiners (simulated). */
  spreadMs: { p50: number, max: number }
  /** Connections opened until convergence. */
  connections: number
  /** Membership requests sent until convergence. */
  requests: number
  /** Alive-to-suspect transitions seen by all members together until convergence (every member was in fact alive). */
  suspicions: number
  /** Wall time the simulation took. */
  wallMs: number
}

/** The simulated network of the protocol figure: one-way latency, and a new connection's cost (CPU on each side, one at a time per member). */
export const SIM_NETWORK = { latencyMs: 1, handshakeMs: 35, handshakeCpu: true } as const

/**
 * Convergence of the protocol alone: `n` members of the real `Swim` class on
 * the simulated network (test/support/sim-net.ts, a manual clock; `SIM_NETWORK`), joined
 * as in `benchConvergence` (the first alone, then all others at once through
 * it), default timings. Each member has its own CPU for its handshakes, as
 * separate hosts do.
 */
export async function simConvergence (n: number, membership: SwimInit = {}): Promise<SimConvergenceFigures> {
  const wall0 = performance.now()
  const net = new SimNet(SIM_NETWORK)
  const ms: SimMember[] = []
  for (let i = 0; i < n; i++) ms.push(await net.add(membership))
  const learnt = new Map<string, { firstMs: number, lastMs: number, by: number }>()
  let suspicions = 0
  let converged = false
  for (const m of ms) {
    m.swim.onTransition((t) => {
      if (converged) return
      if (t.from === 'alive' && t.to === 'suspect') suspicions++
      if (t.from === undefined && (t.to === 'alive' || t.to === 'suspect')) {
        const nowMs = net.clock.now()
        const l = learnt.get(t.peerId)
        if (l === undefined) learnt.set(t.peerId, { firstMs: nowMs, lastMs: nowMs, by: 1 })
        else Object.assign(l, { lastMs: nowMs, by: l.by + 1 })
      }
    })
  }
  const [seed, ...joiners] = ms as [SimMember, ...SimMember[]]
  net.join(seed)
  for (const j of joiners) net.join(j, seed)
  const alive = (m: SimMember): number => m.swim.members().filter(i => i.state === 'alive').length
  const convergeMs = await net.clock.until(() => ms.every(m => alive(m) === n - 1), 600_000, `${n} simulated members to know each other`, 10)
  converged = true
  const spreads = [...learnt.values()].filter(l => l.by === n - 1).map(l => l.lastMs - l.firstMs).sort((a, b) => a - b)
  const requests = ms.reduce((sum, m) => sum + m.swim.requestsSent, 0)
  for (const m of ms) m.swim.halt()
  return {
    members: n, convergeMs, connections: net.handshakes, requests, suspicions,
    spreadMs: { p50: spreads[Math.floor(spreads.length / 2)] ?? Number.NaN, max: spreads.at(-1) ?? Number.NaN },
    wallMs: performance.now() - wall0
  }
}

export interface PartitionFigures {
  burners: number
  /** From cutting one host off until every other declared it failed. */
  detectPartitionMs: number
  /** From the cut until the cut-off host declared every other failed. */
  cutSideMs: number
  /** From healing until every host saw every other alive on both sides. */
  healMs: number
  /** From SIGKILL until every other host declared it failed. */
  detectKill9Ms: number
  load: number
}

/** `count` busy loops in child processes, beside the measured ones; stop them with the returned function. */
export function burners (count: number): () => void {
  const children: ChildProcess[] = []
  for (let i = 0; i < count; i++) children.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }))
  return () => { for (const c of children) c.kill('SIGKILL') }
}

async function until (check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const startMs = performance.now()
  while (!(await check())) {
    if (performance.now() - startMs > timeoutMs) throw new Error(`expected ${what} within ${timeoutMs} ms, found it still false`)
    await new Promise(resolve => setTimeout(resolve, 5))
  }
  return performance.now() - startMs
}

export async function benchConvergence (n: number, burnerCount: number, membership: MembershipInit = {}): Promise<ConvergenceFigures> {
  const stopBurners = burners(burnerCount)
  const dir = await mkdtemp(join(tmpdir(), 'xenos-membership-bench-'))
  const names = Array.from({ length: n }, (_, i) => `b${String(i).padStart(3, '0')}`)
  const cluster = new FakeCluster(names.map(name => ({ name })))
  const hosts: XenosHost[] = []
  const authority = await sharedAuthority()
  const start = async (name: string, bootstrap: string[]): Promise<XenosHost> => await startXenosHost(
    { dataDir: join(dir, name), trust: await authority.hostTrust(join(dir, name), name), bootstrap, monitorIntervalMs: 0, membership },
    { driver: cluster.driver(name), configSource: staticConfig([]), onError: () => undefined }
  )
  const loop = monitorEventLoopDelay({ resolution: 10 })
  let closed = 0
  let suspicions = 0
  let converged = false
  /** Per joiner: when some host first learnt of it, when the last host did, and how many hosts did. */
  const learnt = new Map<string, { firstMs: number, lastMs: number, by: number }>()
  const watch = (h: XenosHost): void => {
    h.node.libp2p.addEventListener('connection:close', () => { if (!converged) closed++ })
    h.membership.onTransition((t) => {
      if (converged) return
      if (t.from === 'alive' && t.to === 'suspect') suspicions++
      if (t.from === undefined && (t.to === 'alive' || t.to === 'suspect')) {
        const nowMs = performance.now()
        const l = learnt.get(t.peerId)
        if (l === undefined) learnt.set(t.peerId, { firstMs: nowMs, lastMs: nowMs, by: 1 })
        else Object.assign(l, { lastMs: nowMs, by: l.by + 1 })
      }
    })
  }
  try {
    const t0 = performance.now()
    const cpu0 = process.cpuUsage()
    loop.enable()
    hosts.push(await start(names[0]!, []))
    watch(hosts[0]!)
    const boot = [hosts[0]!.node.multiaddrs()[0]!]
    await Promise.all(names.slice(1).map(async (name) => {
      const h = await start(name, boot)
      watch(h)
      hosts.push(h)
    }))
    const startedMs = performance.now()
    const live = (h: XenosHost): number => h.membership.members().filter(m => m.state === 'alive').length
    await until(() => hosts.every(h => live(h) === n - 1), 600_000, `${n} coordinators to know each other`).catch((err: unknown) => {
      const known = hosts.map(live)
      const whole = known.filter(k => k === n - 1).length
      const range = `${Math.min(...known)} to ${Math.max(...known)} of ${n - 1}`
      throw new Error(`${(err as Error).message}: ${whole} of ${n} knew every other alive, the others ${range}`)
    })
    const convergedMs = performance.now()
    converged = true
    loop.disable()
    const cpu = process.cpuUsage(cpu0)
    // each connection has an end on two hosts; those open now and those closed were all opened during the run
    const openEnds = hosts.reduce((sum, h) => sum + h.node.libp2p.getConnections().length, 0)
    const spreads = [...learnt.values()].filter(l => l.by === n - 1).map(l => l.lastMs - l.firstMs).sort((a, b) => a - b)
    const requests = (): number => hosts.reduce((sum, h) => sum + h.membership.requestsSent, 0)
    const before = requests()
    await new Promise(resolve => setTimeout(resolve, 10_000))
    const steadyRequestsPerS = (requests() - before) / 10
    const victim = hosts.pop()!
    await victim.stop()
    const declared = (): boolean => hosts.every(h => h.membership.get(victim.peerId)?.state === 'failed')
    const detectStopMs = await until(declared, 600_000, 'the stopped host to be declared failed')
    return {
      hosts: n, burners: burnerCount, startMs: startedMs - t0, convergeMs: convergedMs - startedMs, totalMs: convergedMs - t0,
      detectStopMs, steadyRequestsPerS,
      cpuMs: (cpu.user + cpu.system) / 1000,
      loopDelayMs: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
      connectionsOpened: (openEnds + closed) / 2, connectionsOpen: openEnds / 2, connectionsClosed: closed / 2, suspicions,
      spreadMs: { p50: spreads[Math.floor(spreads.length / 2)] ?? Number.NaN, max: spreads.at(-1) ?? Number.NaN },
      load: loadavg()[0] ?? 0
    }
  } finally {
    stopBurners()
    await Promise.all(hosts.map(async (h) => { await h.stop() }))
    await rm(dir, { recursive: true, force: true })
  }
}

export async function benchPartition (burnerCount: number): Promise<PartitionFigures> {
  const stopBurners = burners(burnerCount)
  const lab = await NetnsLab.create(5)
  try {
    const first = await lab.start(0, [])
    const hosts = [first, ...await Promise.all([1, 2, 3, 4].map(async i => await lab.start(i, first.addrs)))]
    const failedOn = async (h: OverlayChild): Promise<string[]> => (await h.request<{ failed: Array<{ peerId: string }> }>('view')).failed.map(f => f.peerId)
    const whole = async (): Promise<boolean> => {
      for (const h of hosts) {
        const v = await h.request<{ members: Array<{ state: string }>, failed: unknown[] }>('view')
        if (v.failed.length > 0 || v.members.filter(m => m.state === 'alive').length !== 4) return false
      }
      return true
    }
    await until(whole, 120_000, 'five hosts to know each other')
    const cut = hosts[4]!
    const rest = hosts.slice(0, 4)
    lab.cut(4)
    let cutSideMs = Number.NaN
    const cutSide = until(async () => (await failedOn(cut)).length === 4, 300_000, 'the cut-off host to declare the others failed')
      .then((ms) => { cutSideMs = ms })
    const detectPartitionMs = await until(async () => {
      for (const h of rest) if (!(await failedOn(h)).includes(cut.peerId)) return false
      return true
    }, 300_000, 'the others to declare the cut-off host failed')
    await cutSide
    lab.heal(4)
    const healMs = await until(whole, 300_000, 'both sides to see each other again')
    const victim = hosts[3]!
    victim.kill()
    const others = hosts.filter(h => h !== victim)
    const detectKill9Ms = await until(async () => {
      for (const h of others) if (!(await failedOn(h)).includes(victim.peerId)) return false
      return true
    }, 300_000, 'the killed host to be declared failed')
    return { burners: burnerCount, detectPartitionMs, cutSideMs, healMs, detectKill9Ms, load: loadavg()[0] ?? 0 }
  } finally {
    stopBurners()
    await lab.destroy()
  }
}
