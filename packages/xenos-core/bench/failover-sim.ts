/**
 * Failover on a simulated paper cluster, deterministic: every host runs the
 * framework's own membership (`Swim`) and failover agent (`FailoverAgent`)
 * on the engine's clock, over a simulated network (one message costs the
 * platform's NIC and switch latencies; a crashed or cut-off host answers
 * nothing, so it is found by suspicion, as a dead machine is); the
 * services are domains of the simulated driver (`SimCluster`, manual mode),
 * checkpointed with `saveDomain`, copied to their guardians across the
 * simulated disks and network (`simFileCopy`) and restored with
 * `restoreDomain`. The agent's port to the local host here drives the
 * driver directly (a coordinator's state file and API have no part in what
 * is measured, and real file writes would make the run depend on the
 * machine).
 *
 * Measured, on the simulated clock: for a host crash (the engine's fault
 * knob, `crashHost`), the time until each of its `resume` services runs
 * again, the work each lost (the time from its last checkpoint to the
 * crash), and the bytes moved; for a partition of one host that heals,
 * the largest number of copies of one service running at once (the claim
 * is one), fencing and the stale copies destroyed.
 */
import { createHash } from 'node:crypto'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { DomainSpec } from '@xenos/hypervisor-interface'
import { SimCluster, simFileCopy, type SimHypervisorDriver } from '@xenos/sim-driver'
import { loadPlatform, PAPER_PLATFORM_FILE, type Engine, type TimerHandle } from '@xenos/sim-engine'
import { FailoverAgent, type CheckpointRef, type FailoverClock, type FailoverEvent, type GuardRecord, type LocalServices } from '../src/failover/agent.js'
import { restartPolicy, type RestartPolicy } from '../src/failover/policy.js'
import { MemberUnreachableError } from '../src/overlay/errors.js'
import type { Deadlines, Frame, MembershipTransport, PeerRef } from '../src/overlay/membership/protocol.js'
import { Swim, type SwimInit } from '../src/overlay/membership/swim.js'

export interface FailoverSimInit {
  seed: number
  /** Services on the host that fails. @default 20 */
  services?: number
  /** Memory of each service, in MiB. @default 64 */
  memoryMiB?: number
  /** @default resume, every 60 s, 2 replicas */
  policy?: Partial<RestartPolicy>
  /** How long everything runs before the host fails, in simulated seconds (after the services are made). @default 150 */
  warmupS?: number
  /** `crash`: the host dies (its guests with it). `partition`: its links are cut for `partitionS`, then restored. @default 'crash' */
  fault?: 'crash' | 'partition'
  /** @default 60 */
  partitionS?: number
  /** How long to run after the fault, in simulated seconds. @default 120 */
  afterS?: number
  failover?: { checkIntervalMs?: number, takeoverDelayMs?: number, fenceAfterMs?: number }
  membership?: SwimInit
}

export interface FailoverSimResult {
  hosts: number
  services: number
  /** Per service: seconds from the fault until it ran again elsewhere (services never back are missing). */
  recoverS: number[]
  /** Per service: seconds of work lost (from the checkpoint it resumed from to the fault). */
  workLostS: number[]
  /** Seconds from the fault until every other host had declared the failed host failed. */
  declaredS: number
  /** Checkpoint bytes copied to guardians before the fault, and from the fault to the end. */
  bytesBefore: number
  bytesAfter: number
  /** Checkpoints taken before the fault. */
  checkpoints: number
  /** The most copies of one service running at once, over the whole run. */
  maxCopies: number
  takeovers: number
  staleDiscarded: number
  /** Seconds from the fault until the cut-off host paused its guests (partition). */
  fencedS?: number
  /** Seconds from the fault until the first takeover began. */
  firstTakeoverS?: number
  /** Services running anywhere at the end. */
  runningAtEnd: number
}

interface Svc { id: string, spec: DomainSpec, policy: RestartPolicy, generation: number, state: 'running' | 'paused' | 'gone' }

interface SimHost {
  name: string
  peerId: string
  driver: SimHypervisorDriver
  swim: Swim
  agent: FailoverAgent<Svc>
  services: Map<string, Svc>
  down: boolean
  cpSeq: number
}

const TEMPLATE_IMAGE = 'templates/svc/xvda.img'
const CALL_TIMEOUT_S = 10

/** A clock on the engine's time, in ms, whose timers are engine events. */
function engineClock (engine: Engine): FailoverClock {
  return {
    now: () => engine.nowS() * 1000,
    setTimeout: (fn, ms) => engine.schedule(Math.max(0, ms) / 1000, () => { engine.markResolved(); fn() }),
    clearTimeout: (h) => { (h as TimerHandle).cancel() }
  }
}

export async function runFailoverSim (init: FailoverSimInit): Promise<FailoverSimResult> {
  const platform = await loadPlatform(PAPER_PLATFORM_FILE)
  const cluster = new SimCluster({ platform, seed: init.seed, mode: 'manual' })
  const engine = cluster.engine
  const clock = engineClock(engine)
  const copyFile = simFileCopy(cluster)
  const policy = restartPolicy({ mode: 'resume', checkpointIntervalS: 60, replicas: 2, ...init.policy })
  const names = cluster.hostnames()
  const fault = init.fault ?? 'crash'
  const sample = engine.host(names[0]!)
  const hopS = 2 * sample.nic.latencyS + platform.network.switchLatencyS
  /** When the host fails: set once the services run. */
  let failAtS = Infinity
  const hosts = new Map<string, SimHost>()
  const byPeer = new Map<string, string>()
  const cut = new Set<string>()
  const running = new Map<string, Set<string>>()
  let maxCopies = 0
  const events: Array<FailoverEvent & { host: string, atS: number }> = []
  let bytesBefore = 0
  let bytesAfter = 0
  let checkpoints = 0

  const sleep = async (s: number): Promise<void> => { await new Promise<void>((resolve) => { clock.setTimeout(resolve, s * 1000) }) }
  const reachable = (a: string, b: string): boolean => !hosts.get(a)!.down && !hosts.get(b)!.down && !cut.has(`${a}|${b}`)
  const setRunning = (id: string, host: string, on: boolean): void => {
    const s = running.get(id) ?? new Set<string>()
    if (on) s.add(host)
    else s.delete(host)
    running.set(id, s)
    maxCopies = Math.max(maxCopies, s.size)
  }

  /** One host's end of a call to another: a hop there, the work, a hop back; nothing comes back across a cut or from a dead host. */
  async function call<T> (from: string, to: string, work: (h: SimHost) => Promise<T>): Promise<T> {
    await sleep(hopS)
    if (!reachable(from, to)) {
      await sleep(CALL_TIMEOUT_S)
      throw new MemberUnreachableError(to, 'timeout', `no answer from ${to} within ${CALL_TIMEOUT_S} s`)
    }
    const out = await work(hosts.get(to)!)
    await sleep(hopS)
    if (!reachable(to, from)) throw new MemberUnreachableError(to, 'timeout', `the answer from ${to} was lost`)
    return out
  }

  function transport (from: string): MembershipTransport {
    return {
      connected: () => true,
      request: async (peer: PeerRef, frame: Frame, deadlines: Deadlines): Promise<Frame> => {
        const to = byPeer.get(peer.peerId)
        await sleep(hopS)
        if (to === undefined || !reachable(from, to)) {
          await sleep(deadlines.answerMs / 1000)
          throw new MemberUnreachableError(peer.peerId, 'timeout', `no answer from ${peer.peerId} within ${deadlines.answerMs} ms`)
        }
        const reply = await hosts.get(to)!.swim.handle(hosts.get(from)!.peerId, structuredClone(frame))
        await sleep(hopS)
        if (!reachable(to, from)) {
          await sleep(deadlines.answerMs / 1000)
          throw new MemberUnreachableError(peer.peerId, 'timeout', `no answer from ${peer.peerId} within ${deadlines.answerMs} ms`)
        }
        return structuredClone(reply)
      }
    }
  }

  function localServices (h: SimHost): LocalServices<Svc> {
    const d = h.driver
    return {
      protectedServices: () => [...h.services.values()].map(s => ({
        id: s.id, policy: s.policy, generation: s.generation, active: s.state !== 'gone', record: s
      })),
      async checkpoint (id): Promise<CheckpointRef> {
        const s = h.services.get(id)!
        const path = `checkpoints/${id}/${++h.cpSeq}.ckpt`
        await d.saveDomain(s.spec.name, path, { leaveRunning: true })
        checkpoints += engine.nowS() < failAtS ? 1 : 0
        return { path, sizeBytes: (await d.imageInfo(path)).sizeBytes, takenAtMs: clock.now() }
      },
      dropCheckpoint: async (_id, cp) => { await d.deleteImage(cp.path) },
      async adopt (g: GuardRecord<Svc>, generation, copy) {
        const spec = g.record.spec
        await d.cloneImage(TEMPLATE_IMAGE, spec.disks[0]!.image, { mode: 'cow' })
        if (copy !== undefined) {
          await d.restoreDomain(copy)
        } else {
          await d.createDomain(spec)
          await d.startDomain(spec.name)
        }
        h.services.set(g.serviceId, { id: g.serviceId, spec, policy: g.policy, generation, state: 'running' })
        setRunning(g.serviceId, h.name, true)
      },
      async pause (id) {
        const s = h.services.get(id)!
        if (s.state !== 'running') return
        await d.pauseDomain(s.spec.name)
        s.state = 'paused'
        setRunning(id, h.name, false)
      },
      async unpause (id) {
        const s = h.services.get(id)!
        if (s.state !== 'paused') return
        await d.unpauseDomain(s.spec.name)
        s.state = 'running'
        setRunning(id, h.name, true)
      },
      async discard (id) {
        const s = h.services.get(id)!
        setRunning(id, h.name, false)
        await d.destroyDomain(s.spec.name)
        await d.removeDomain(s.spec.name, { deleteImages: true })
        h.services.delete(id)
      },
      candidates: async () => h.swim.members().filter(m => m.state === 'alive').map(m => byPeer.get(m.peerId)!).sort(),
      async fetchCheckpoint (g) {
        const cp = g.checkpoint!
        const dest = `failover/${g.serviceId}/g${g.generation}-${cp.path.split('/').at(-1)!}`
        const info = await copyFile(g.owner, cp.path, h.name, dest)
        if (engine.nowS() < failAtS) bytesBefore += info.allocatedBytes
        else bytesAfter += info.allocatedBytes
        return { path: dest, bytes: info.allocatedBytes }
      },
      dropCopy: async (path) => { await d.deleteImage(path) }
    }
  }

  for (const name of names) {
    const key = await generateKeyPairFromSeed('Ed25519', createHash('sha256').update(`failover-sim/${init.seed}/${name}`).digest())
    const peerId = peerIdFromPrivateKey(key).toString()
    byPeer.set(peerId, name)
    const random = engine.random.fork(`swim/${name}`)
    const swim = new Swim(init.membership ?? {}, {
      self: peerId, transport: transport(name), addrs: () => [`/memory/${peerId}`], clock, random: () => random.next(), initialIncarnation: 1
    })
    const h: SimHost = {
      name, peerId, driver: cluster.driver(name), swim, agent: undefined as unknown as FailoverAgent<Svc>, services: new Map(), down: false, cpSeq: 0
    }
    hosts.set(name, h)
    h.agent = new FailoverAgent<Svc>({ checkIntervalMs: 1000, takeoverDelayMs: 10_000, ...init.failover }, {
      self: name,
      clock,
      members: () => [...swim.members(), ...swim.failed()].map(m => ({ host: byPeer.get(m.peerId)!, state: m.state, stateAgeMs: m.stateAgeMs })),
      local: localServices(h),
      peers: {
        guard: async (to, g) => { await call(name, to, async (t) => { await t.agent.receiveGuard(structuredClone(g)) }) },
        claims: async (to, ids) => await call(name, to, async t => t.agent.claimsFor(ids))
      },
      onEvent: (e) => { events.push({ ...e, host: name, atS: engine.nowS() }) },
      onError: () => {} // unreachable guardians and peers are expected around the fault; what matters is counted from the events
    })
  }

  const settle = async <T>(work: Promise<T>): Promise<T> => await cluster.settle(work)
  // every host holds the services' template image
  await settle(Promise.all([...hosts.values()].map(async h => await h.driver.createImage(TEMPLATE_IMAGE, 1024 ** 3))))
  // the services, on the host that will fail
  const victim = hosts.get(names[1]!)!
  const n = init.services ?? 20
  const memoryMiB = init.memoryMiB ?? 64
  await settle((async () => {
    for (let i = 0; i < n; i++) {
      const id = `svc-${String(i).padStart(2, '0')}`
      const spec: DomainSpec = {
        name: id, vcpus: 1, memoryMiB, disks: [{ image: `services/${id}/xvda.img`, target: 'xvda' }],
        boot: { kind: 'pvh', kernel: 'boot/vmlinuz' }, nics: [{ bridge: 'xenbr0' }]
      }
      await victim.driver.cloneImage(TEMPLATE_IMAGE, spec.disks[0]!.image, { mode: 'cow' })
      await victim.driver.createDomain(spec)
      await victim.driver.startDomain(id)
      victim.services.set(id, { id, spec, policy, generation: 1, state: 'running' })
      setRunning(id, victim.name, true)
    }
  })())
  // membership: everyone joins through the first host
  const first = hosts.get(names[0]!)!
  for (const h of hosts.values()) {
    h.swim.start()
    if (h !== first) h.swim.contact({ peerId: first.peerId, addrs: [] })
  }
  for (const h of hosts.values()) await h.agent.start()

  failAtS = engine.nowS() + (init.warmupS ?? 150)
  const endS = failAtS + (init.afterS ?? 120)
  const others = [...hosts.values()].filter(h => h !== victim)
  let declaredAtS: number | undefined
  engine.schedule(failAtS - engine.nowS(), () => {
    engine.markResolved()
    if (fault === 'crash') {
      victim.down = true
      victim.swim.halt()
      void victim.agent.stop()
      cluster.faults.crashHost(victim.name)
      for (const s of victim.services.values()) { s.state = 'gone'; setRunning(s.id, victim.name, false) }
    } else {
      for (const o of others) { cut.add(`${victim.name}|${o.name}`); cut.add(`${o.name}|${victim.name}`) }
      cluster.faults.cutLink(victim.name)
      engine.schedule(init.partitionS ?? 60, () => {
        engine.markResolved()
        cut.clear()
        cluster.faults.restoreLink(victim.name)
      })
    }
  })
  // when every other host has declared it failed
  const watch = (): void => {
    if (declaredAtS === undefined && engine.nowS() >= failAtS && others.every(o => o.swim.get(victim.peerId)?.state === 'failed')) declaredAtS = engine.nowS()
    if (engine.nowS() < endS) engine.schedule(0.1, watch)
  }
  engine.schedule(0, watch)
  await engine.runUntil(endS)
  // the simulation ends here: work still in flight (a tick awaiting simulated time) is dropped with it
  for (const h of hosts.values()) {
    void h.agent.stop()
    h.swim.halt()
  }

  const since = (e: { atS: number }): number => e.atS - failAtS
  const took = events.filter((e): e is Extract<FailoverEvent, { kind: 'taken-over' }> & { host: string, atS: number } => e.kind === 'taken-over')
  const started = events.filter((e): e is Extract<FailoverEvent, { kind: 'takeover' }> & { host: string, atS: number } => e.kind === 'takeover')
  const fenced = events.find(e => e.kind === 'fenced' && e.host === victim.name)
  const result: FailoverSimResult = {
    hosts: names.length,
    services: n,
    recoverS: took.map(since).sort((a, b) => a - b),
    workLostS: started.filter(e => e.checkpoint !== undefined).map(e => failAtS - e.checkpoint!.takenAtMs / 1000).sort((a, b) => a - b),
    declaredS: declaredAtS === undefined ? NaN : declaredAtS - failAtS,
    bytesBefore, bytesAfter, checkpoints, maxCopies,
    takeovers: took.length,
    staleDiscarded: events.filter(e => e.kind === 'stale-discarded').length,
    runningAtEnd: [...running.values()].filter(s => s.size > 0).length,
    ...(fenced === undefined ? {} : { fencedS: since(fenced) }),
    ...(started.length === 0 ? {} : { firstTakeoverS: since(started[0]!) })
  }
  await cluster.close()
  return result
}
