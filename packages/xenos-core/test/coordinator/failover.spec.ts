/**
 * Services that outlive their host, with real coordinators on simulated
 * hosts (sim-driver, live mode): a `resume` service is checkpointed and its
 * checkpoint copied to its guardians (by the coordinators' own image fetcher
 * over the cluster's image port: verified chunks across the simulated disks
 * and network); when its host crashes (the engine's
 * fault knob) exactly one guardian, the first in the service's rendezvous
 * order, restores it at generation 2; the crashed host, booted again, learns
 * of the takeover and destroys its stale copy instead of resuming it. A host
 * cut off from the others pauses its copy before any survivor starts one,
 * and destroys it once the partition heals. The membership's view and the
 * failover agents' clock are the test's (a manual clock), so every step is a
 * state change in a known order.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor, type Clock } from '@xenos/hypervisor-interface'
import { loadPlatform, PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { SimCluster } from '@xenos/sim-driver'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { coordinator, imageFetcher, type Coordinator, type MemberView, type PeerNetwork } from '../../src/coordinator/index.js'
import { ChunkService, ImageShelf } from '../../src/overlay/transfer/chunk-service.js'
import type { GuardRecord } from '../../src/failover/agent.js'
import { rendezvousOrder } from '../../src/failover/rendezvous.js'
import { idGenerator } from '../../src/ids.js'
import { ManualClock } from '../support/manual-clock.js'
import { queryMatcher } from '../../src/search/query.js'
import type { ServiceRecord } from '../../src/coordinator/records.js'
import { staticConfig, webTemplate } from '../support/harness.js'
import { LoopbackNet, peerCaller } from '../support/loopback.js'

const TIMINGS = { checkIntervalMs: 500, takeoverDelayMs: 3000, fenceAfterMs: 1000 }

let sim: SimCluster
let dir: string
let clock: ManualClock
let net: LoopbackNet
let hosts: string[]
const coords = new Map<string, Coordinator>()
/** What stops each host's chunk service. */
const serving: Array<() => Promise<void>> = []
/** Errors the agents reported (a crashed or cut-off host not answering is expected; nothing else is). */
const errors: string[] = []
/** Who cannot reach whom, and since when (ms on the manual clock): a crash or a partition, as the membership would declare it. */
const cut = new Map<string, number>()

function view (from: string): MemberView[] {
  return hosts.filter(h => h !== from).map((h) => {
    const since = Math.max(cut.get(h) ?? -Infinity, cut.get(`${from}|${h}`) ?? -Infinity)
    const state = since === -Infinity ? 'alive' : 'failed'
    return { host: h, peerId: `peer-${h}`, state, sinceS: state === 'alive' ? 60 : (clock.now() - since) / 1000 }
  })
}

async function open (host: string): Promise<Coordinator> {
  const base = net.network(host)
  const network: PeerNetwork = {
    ...base,
    // a host cut off from another reaches it no more than a crashed one
    call: async (to, method, params) => {
      if (cut.has(`${host}|${to}`)) throw new Error(`${to} unreachable from ${host}`)
      return await base.call(to, method, params)
    },
    members: () => view(host)
  }
  // the coordinator's own fetcher over the cluster's image port; its chunk service answers on the port's transport
  const images = sim.imagePort(host)
  const transport = images.transport!
  const overlay = { shelf: new ImageShelf(), node: { peerId: `peer-${host}` } }
  serving.push(await transport.listen(overlay.node.peerId, new ChunkService(overlay.shelf, transport.clock).answer))
  const names = { call: network.call, peerOf: (h: string) => `peer-${h}`, hostOf: (p: string) => p.replace(/^peer-/, '') }
  const fetcher = imageFetcher({}, { store: images.store, transport: () => transport, overlay: () => overlay, network: () => names })
  const c = coordinator({ dataDir: join(dir, host), createMissingImages: true, failover: TIMINGS })({
    driver: sim.driver(host), ids: idGenerator({ peerId: `peer-${host}` }), matcher: queryMatcher(), network, fetcher,
    configSource: staticConfig([webTemplate('web')]), failoverClock: clock, onError: (err) => { errors.push(`${host}: ${(err as Error).message}`) }
  })
  const caller = peerCaller(c)
  net.add(c, async (method, params) => {
    if (method === 'xenos.peer.guardService') { await c.peer.guardService(params[0] as GuardRecord<ServiceRecord>); return true }
    if (method === 'xenos.peer.serviceClaims') return c.peer.serviceClaims(params[0] as string[])
    if (method === 'xenos.peer.imageInfo') return await c.peer.imageInfo(params[0] as string)
    if (method === 'xenos.peer.imageManifest') return await c.peer.imageManifest(params[0] as string)
    return await caller(method, params)
  })
  coords.set(host, c)
  return c
}

/** Wait on the agents' clock: each pause advances it by one check and lets the coordinators' real work (driver calls, state files) run. */
async function until (check: () => boolean, what: string): Promise<void> {
  const agentsClock: Clock = {
    nowS: () => clock.now() / 1000,
    sleep: async (s) => {
      await clock.advance(s * 1000)
      for (const c of coords.values()) await c.failover?.settled()
    }
  }
  await waitFor(check, { what, clock: agentsClock, timeoutS: 600, intervalS: TIMINGS.checkIntervalMs / 1000 })
}

/** Running copies of a service across the hosts whose coordinator runs. */
function runningCopies (id: string): string[] {
  return [...coords.entries()].filter(([, c]) => c.status === 'running' && c.listServices().some(s => s.id === id && s.state === 'running')).map(([h]) => h)
}

beforeEach(async () => {
  sim = new SimCluster({ platform: await loadPlatform(PAPER_PLATFORM_FILE), seed: 5 })
  hosts = sim.hostnames().slice(0, 5)
  dir = await mkdtemp(join(tmpdir(), 'xenos-failover-'))
  clock = new ManualClock()
  net = new LoopbackNet()
  cut.clear()
  coords.clear()
  errors.length = 0
  for (const h of hosts) await (await open(h)).start()
})
afterEach(async () => {
  for (const c of coords.values()) await c.stop()
  for (const stop of serving.splice(0)) await stop()
  expect(errors.filter(e => !/unreachable from|connection refused/.test(e))).toEqual([])
  await sim.close()
  await rm(dir, { recursive: true, force: true })
})

describe('failover between coordinators', () => {
  it('resumes a crashed host\'s service on one guardian from its checkpoint; the host, back, destroys its stale copy', async () => {
    const owner = hosts[1]!
    const c = coords.get(owner)!
    const s = await c.createInstance('web', { name: 'svc-1' })
    await c.startService(s.id)
    await c.setRestartPolicy(s.id, { mode: 'resume', checkpointIntervalS: 2, replicas: 2 })
    const guardians = rendezvousOrder(s.id, hosts.filter(h => h !== owner)).slice(0, 2)
    await until(() => guardians.every(g => coords.get(g)!.failoverStatus()?.guarded === 1), 'both guardians to hold the guard record')
    // checkpoints are taken every 2 s and only the latest is kept on the owner once its guardians hold it
    await until(() => c.events(0).events.filter(e => e.kind === 'checkpointed').length >= 3 && c.getService(s.id).checkpoints?.length === 1,
      'three checkpoints, the earlier ones dropped')
    expect(c.getService(s.id).checkpoints?.[0]).toMatch(/\/[3-9]\.ckpt$/)

    sim.faults.crashHost(owner)
    net.down.add(owner)
    await c.stop()
    cut.set(owner, clock.now())
    const tookOver = (): string[] => hosts.filter(h => coords.get(h)!.status === 'running'
      && coords.get(h)!.events(0).events.some(e => e.kind === 'taken-over'))
    await until(() => runningCopies(s.id).length === 1 && tookOver().length > 0, 'the service running again')
    const [taker] = runningCopies(s.id)
    expect(taker).toBe(guardians[0])
    const adopted = coords.get(taker!)!.getService(s.id)
    expect(adopted).toMatchObject({ name: 'svc-1', generation: 2, origin: 'takeover', state: 'running', restart: { mode: 'resume' } })
    const took = coords.get(taker!)!.events(0).events.filter(e => e.kind === 'taken-over')
    expect(took).toHaveLength(1)
    expect(took[0]!.detail).toMatch(/^generation 2 from .*, resumed from its checkpoint in .* s, .* s of work lost$/)
    // the newcomer guards it afresh, on live hosts only
    await until(() => hosts.filter(h => h !== owner && h !== taker).some(h => coords.get(h)!.failoverStatus()?.guarded === 1), 'new guardians')

    sim.faults.recoverHost(owner)
    net.down.delete(owner)
    cut.delete(owner)
    const back = await open(owner)
    await back.start()
    expect(back.getService(s.id).generation ?? 1).toBe(1)
    await until(() => back.listServices().every(x => x.id !== s.id), 'the stale copy to be destroyed')
    expect(back.events(0).events.some(e => e.kind === 'stale-discarded' && e.serviceId === s.id)).toBe(true)
    expect(runningCopies(s.id)).toEqual([taker])
  })

  it('a host cut off from the others pauses its copy before a survivor restarts it, and destroys it when the partition heals', async () => {
    const owner = hosts[2]!
    const c = coords.get(owner)!
    const s = await c.createInstance('web', { name: 'svc-2' })
    await c.startService(s.id)
    await c.setRestartPolicy(s.id, { mode: 'restart', replicas: 2 })
    const guardians = rendezvousOrder(s.id, hosts.filter(h => h !== owner)).slice(0, 2)
    await until(() => guardians.every(g => coords.get(g)!.failoverStatus()?.guarded === 1), 'both guardians to hold the guard record')
    const t0 = clock.now()
    for (const h of hosts) {
      if (h === owner) continue
      cut.set(`${owner}|${h}`, t0)
      cut.set(`${h}|${owner}`, t0)
    }
    let maxCopies = 0
    await until(() => {
      maxCopies = Math.max(maxCopies, runningCopies(s.id).length)
      return runningCopies(s.id).some(h => h !== owner)
    }, 'a survivor to restart it')
    expect(maxCopies).toBe(1)
    expect(c.getService(s.id).state).toBe('paused')
    expect(c.failoverStatus()).toMatchObject({ fenced: true, quorum: { quorum: false, reached: 1, total: 5 } })
    const fencedAt = c.events(0).events.find(e => e.kind === 'fenced')
    expect(fencedAt).toBeDefined()
    expect(coords.get(guardians[0]!)!.getService(s.id)).toMatchObject({ generation: 2, origin: 'takeover', state: 'running' })

    for (const k of [...cut.keys()]) cut.delete(k)
    await until(() => c.listServices().every(x => x.id !== s.id) && c.failoverStatus()?.fenced === false,
      'the stale copy to be destroyed, and the host unfenced')
    expect(runningCopies(s.id)).toEqual([guardians[0]])
  })
})
