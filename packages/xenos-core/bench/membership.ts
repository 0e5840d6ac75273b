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
import { startXenosHost, type XenosHost } from '../src/coordinator/index.js'
import type { MembershipInit } from '../src/overlay/membership/index.js'
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
  load: number
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
  try {
    const t0 = performance.now()
    hosts.push(await start(names[0]!, []))
    const boot = [hosts[0]!.node.multiaddrs()[0]!]
    hosts.push(...await Promise.all(names.slice(1).map(async name => await start(name, boot))))
    const startedMs = performance.now()
    const live = (h: XenosHost): number => h.membership.members().filter(m => m.state === 'alive').length
    await until(() => hosts.every(h => live(h) === n - 1), 600_000, `${n} coordinators to know each other`).catch((err: unknown) => {
      const known = hosts.map(live)
      const whole = known.filter(k => k === n - 1).length
      const range = `${Math.min(...known)} to ${Math.max(...known)} of ${n - 1}`
      throw new Error(`${(err as Error).message}: ${whole} of ${n} knew every other alive, the others ${range}`)
    })
    const convergedMs = performance.now()
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
      detectStopMs, steadyRequestsPerS, load: loadavg()[0] ?? 0
    }
  } finally {
    stopBurners()
    for (const h of hosts) await h.stop()
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
