/**
 * xenos-core's swarming fetch (`overlay/transfer/fetch.ts` with a swarm),
 * modeled on the simulated cluster: the same decisions, with the bytes moved
 * by the engine instead of libp2p.
 *
 * What is real: each fetcher joins the image's swarm through its
 * coordinator's overlay (`joinSwarm`: the overlay group, the membership
 * flood) and learns the other fetchers from it, and every choice of chunk is
 * xenos-core's `pickChunk` (rarest first; a complete holder sends only
 * chunks no partial holder has or is fetching).
 *
 * What is modeled: which chunks each host holds (the modeled shelf, read
 * directly where the real fetcher asks a holder's `have` every 100 ms, so
 * the model sees holdings a little sooner), and a chunk's cost: a read on
 * the sender's disk through its page cache (a chunk a host received recently
 * is still cached there; the sender reads `DEFAULT_CONCURRENT_READS` chunks
 * at a time, as xenos-core's chunk server does), a transfer between the two
 * Domain 0s, then a write on the receiver's disk through its page cache.
 * Each fetcher runs `STREAMS_PER_SOURCE` requests per source, as the real
 * one does. A received chunk is held (and served) once written. Each
 * request stream receives its next chunk while its last one is written (one
 * write pending per stream): the real fetcher's 4 MiB requests, many in
 * flight from many sources, keep the network and the disk busy together
 * (the kernel takes writes into its page cache and writes back meanwhile);
 * the model's 64 MiB chunks, all alike, would otherwise move in lock step,
 * every stream receiving, then every stream writing.
 *
 * Determinism: the real overlay works in wall-clock time, so (1) a fetcher
 * returns from joining only once every other member of the swarm knows it
 * and it knows them (a wait on the testbed's own coordinators, while the
 * clock is held), and (2) chunk choices made at one simulated instant are
 * made in a fixed order (`PickQueue`), not in the order the JS event loop
 * happened to run the fetchers.
 */
import { createHash } from 'node:crypto'
import { DEFAULT_CONCURRENT_READS, joinSwarm, pickChunk, type ChunkSource, type Overlay } from '@xenos/core'
import type { Engine } from '@xenos/sim-engine'
import type { SimCluster } from '@xenos/sim-driver'
import type { ClockGate } from './clock-gate.js'

/** Requests in flight per source (xenos-core's `streamsPerHolder` default). */
export const STREAMS_PER_SOURCE = 2
/** Simulated time for a new member's presence to reach the swarm before it asks for chunks, in seconds (a LAN flood). */
export const SWARM_JOIN_S = 0.05

export class SimSwarmError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'SimSwarmError'
  }
}

/** Resolves every waiter when fired. */
class Signal {
  private waiters: Array<() => void> = []
  wait (): Promise<void> { return new Promise((resolve) => { this.waiters.push(resolve) }) }
  fire (): void { const w = this.waiters; this.waiters = []; for (const r of w) r() }
}

/** What one host holds of one image: its modeled shelf entry. */
export class Holding {
  private readonly bits: Uint8Array
  count = 0
  readonly inFlight = new Set<number>()
  /** Fired when the holding gains a chunk. */
  readonly changed = new Signal()
  constructor (readonly chunksTotal: number, complete: boolean) {
    this.bits = new Uint8Array(chunksTotal).fill(complete ? 1 : 0)
    this.count = complete ? chunksTotal : 0
  }

  get complete (): boolean { return this.count === this.chunksTotal }
  has (i: number): boolean { return this.bits[i] === 1 }
  add (i: number): void {
    if (this.bits[i] === 1) return
    this.bits[i] = 1
    this.count++
    this.changed.fire()
  }
}

/** Chunk choices requested at one simulated instant, made in key order once the instant's work has run. */
class PickQueue {
  private pending: Array<{ key: string, run: () => void }> = []
  private scheduled = false
  constructor (private readonly engine: Engine) {}
  request<T> (key: string, decide: () => T): Promise<T> {
    return new Promise((resolve) => {
      this.pending.push({ key, run: () => { resolve(decide()) } })
      if (!this.scheduled) {
        this.scheduled = true
        this.engine.schedule(0, () => { this.flush() })
      }
    })
  }

  private flush (): void {
    this.scheduled = false
    const batch = this.pending.sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
    this.pending = []
    for (const p of batch) p.run()
  }
}

/** A fetcher in an image's swarm, as the join barrier sees it. */
interface SwarmMember {
  peerId: string
  /** The peers its membership table shows in the swarm. */
  peers: () => string[]
}

/** The modeled shelves and swarms of one simulated cluster. */
export class ModeledSwarms {
  private readonly holdings = new Map<string, Map<string, Holding>>()
  /** Members of each image's swarm on this testbed, for the join barrier. */
  private readonly members = new Map<string, Map<string, SwarmMember>>()
  private readonly failureSignals = new Map<string, Signal>()
  /** Fired when a fetch of `image` drops a source (its chunks in flight go back to the pool). */
  failures (image: string): Signal {
    let f = this.failureSignals.get(image)
    if (f === undefined) { f = new Signal(); this.failureSignals.set(image, f) }
    return f
  }

  /** Disk reads of a chunk in flight, by `host|key`: concurrent readers of one chunk share one read (page cache). */
  readonly reads = new Map<string, Promise<void>>()
  readonly picks: PickQueue
  private readonly readSlots = new Map<string, { running: number, queue: Array<() => void> }>()
  constructor (readonly cluster: SimCluster) { this.picks = new PickQueue(cluster.engine) }

  /** Run a chunk read on `host` once fewer than `DEFAULT_CONCURRENT_READS` run there (its chunk server's rule). */
  async readSlot (host: string, read: () => Promise<void>): Promise<void> {
    let slot = this.readSlots.get(host)
    if (slot === undefined) { slot = { running: 0, queue: [] }; this.readSlots.set(host, slot) }
    if (slot.running >= DEFAULT_CONCURRENT_READS) await new Promise<void>(resolve => slot.queue.push(resolve))
    else slot.running++
    try {
      await read()
    } finally {
      const next = slot.queue.shift()
      if (next !== undefined) next()
      else slot.running--
    }
  }

  /** The holding of `host`, made (complete or empty) at its first mention. */
  holding (image: string, host: string, chunksTotal: number, complete: boolean): Holding {
    let byHost = this.holdings.get(image)
    if (byHost === undefined) { byHost = new Map(); this.holdings.set(image, byHost) }
    let h = byHost.get(host)
    if (h === undefined) { h = new Holding(chunksTotal, complete); byHost.set(host, h) }
    return h
  }

  swarmMembers (image: string): Map<string, SwarmMember> {
    let m = this.members.get(image)
    if (m === undefined) { m = new Map(); this.members.set(image, m) }
    return m
  }
}

const swarmsOf = new WeakMap<SimCluster, ModeledSwarms>()
export function modeledSwarms (cluster: SimCluster): ModeledSwarms {
  let s = swarmsOf.get(cluster)
  if (s === undefined) { s = new ModeledSwarms(cluster); swarmsOf.set(cluster, s) }
  return s
}

export interface SwarmFetchInit {
  cluster: SimCluster
  gate: ClockGate
  hostname: string
  overlay: Overlay
  /** Host name of a peer id (the testbed's coordinators). */
  hostOf: (peerId: string) => string | undefined
  path: string
  sizeBytes: number
  chunkBytes: number
  /** Hosts holding the whole image (found by search, checked by `imageInfo`). */
  seeds: string[]
  /** Real-time bound on the join barrier, in ms. @default 10000 */
  joinTimeoutMs?: number
}

/** Fetch one image by swarm on the engine; returns the bytes each source sent. */
export async function swarmFetchOnSim (init: SwarmFetchInit): Promise<Record<string, number>> {
  const { cluster, gate, hostname: me, path, sizeBytes, chunkBytes } = init
  const engine = cluster.engine
  const state = modeledSwarms(cluster)
  const total = Math.max(1, Math.ceil(sizeBytes / chunkBytes))
  const image = `${path}:${sizeBytes}`
  const length = (i: number): number => Math.min(chunkBytes, sizeBytes - i * chunkBytes)
  const mine = state.holding(image, me, total, false)
  const sentBy: Record<string, number> = {}
  const sources = new Map<string, { holding: Holding, failed: boolean }>()
  const failures = state.failures(image)
  const done = new Signal()
  const workers: Array<Promise<void>> = []
  const startAt = fnv1a(`${me}|${image}`) % total
  const asSource = (h: Holding): ChunkSource => ({ has: i => h.has(i), complete: h.complete, fetching: i => h.inFlight.has(i) })

  const pick = (from: Holding): number | undefined => {
    if (mine.complete) return undefined
    const live = [...sources.values()].filter(s => !s.failed).map(s => s.holding)
    const asked = asSource(from)
    const i = pickChunk({ chunksTotal: total, startAt, held: j => mine.has(j), inFlight: j => mine.inFlight.has(j), holder: asked, sources: live.map(h => h === from ? asked : asSource(h)) })
    if (i !== undefined) mine.inFlight.add(i)
    return i
  }

  const readChunk = async (host: string, i: number): Promise<void> => {
    const key = `${host}|${path}#${i}`
    const pending = state.reads.get(key)
    if (pending !== undefined) { await pending; return }
    const p = state.readSlot(host, async () => { await engine.io({ on: engine.host(host), op: 'read', bytes: length(i), cacheKey: `xenos-template:${path}#${i}` }).wait() })
    state.reads.set(key, p)
    try { await p } finally { state.reads.delete(key) }
  }

  const worker = async (host: string, k: number): Promise<void> => {
    const source = sources.get(host)!
    let previous: Promise<void> = Promise.resolve()
    while (!mine.complete && !source.failed) {
      const i = await state.picks.request(`${me}|${host}|${k}`, () => pick(source.holding))
      if (i === undefined) {
        if (mine.complete) break
        await Promise.race([source.holding.complete ? failures.wait() : source.holding.changed.wait(), done.wait()])
        continue
      }
      try {
        await Promise.all([
          readChunk(host, i),
          engine.comm({ from: engine.host(host), to: engine.host(me), bytes: length(i), dom0FlopsPerByte: cluster.migrationDom0FlopsPerByte }).wait()
        ])
      } catch {
        // the source failed (a crashed host): its chunk goes back to the pool
        source.failed = true
        mine.inFlight.delete(i)
        failures.fire()
        return
      }
      sentBy[host] = (sentBy[host] ?? 0) + length(i)
      // this request's chunk goes to the disk while the next one is received; the one before must be written first
      await previous
      previous = write(i)
      writes.push(previous)
    }
  }

  const writes: Array<Promise<void>> = []
  const write = async (i: number): Promise<void> => {
    try {
      await engine.io({ on: engine.host(me), op: 'write', bytes: length(i), cacheKey: `xenos-template:${path}#${i}` }).wait()
    } finally {
      mine.inFlight.delete(i)
    }
    mine.add(i)
    if (mine.complete) done.fire()
  }

  const addSource = (host: string | undefined, complete: boolean): void => {
    if (host === undefined || host === me || sources.has(host) || mine.complete) return
    sources.set(host, { holding: state.holding(image, host, total, complete), failed: false })
    for (let k = 0; k < STREAMS_PER_SOURCE; k++) workers.push(worker(host, k))
  }

  // Join the swarm (real overlay), then wait until every member knows every other.
  const swarm = await joinSwarm({ groups: init.overlay.groups, membership: init.overlay.membership }, sha256Hex(image))
  const members = state.swarmMembers(image)
  const peerId = init.overlay.node.peerId
  try {
    let started = false
    const pendingPeers: string[] = []
    const unsubscribe = swarm.onPeer((p) => { if (started) addSource(init.hostOf(p), false); else pendingPeers.push(p) })
    const self: SwarmMember = { peerId, peers: () => swarm.peers() }
    members.set(me, self)
    await joinBarrier(me, self, members, init.joinTimeoutMs ?? 10_000, `the swarm of ${path} to know ${me} and ${me} to know it`)
    try {
      await gate.sim((async () => {
        await engine.sleep(SWARM_JOIN_S).wait()
        started = true
        for (const s of [...init.seeds].sort()) addSource(s, true)
        for (const p of [...swarm.peers(), ...pendingPeers].map(init.hostOf).filter((h): h is string => h !== undefined).sort()) addSource(p, false)
        if (sources.size === 0) throw new SimSwarmError(`fetching ${path} on ${me}: expected a holder or a swarm peer, found none`)
        for (let n = 0; n < workers.length; n = workers.length) await Promise.all(workers.slice(n))
        await Promise.all(writes)
      })())
    } finally {
      unsubscribe()
    }
    if (!mine.complete) throw new SimSwarmError(`fetching ${path} on ${me}: expected ${total} chunks, got ${mine.count} (every source failed)`)
  } finally {
    members.delete(me)
    await swarm.leave()
  }
  return sentBy
}

function sha256Hex (s: string): string { return createHash('sha256').update(s).digest('hex') }

/** FNV-1a of a string: a fixed per-fetch starting point (the real fetcher draws one at random). */
function fnv1a (s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0 }
  return h
}

/**
 * Wait (wall clock, the simulated clock held) until `me` and every other
 * member of the swarm know each other, so that chunk choices do not depend
 * on how fast the machine floods presence records. A record floodsub loses
 * is repaired by the membership's own second announcement after a group
 * change (`Membership.setLocalGroups`).
 */
async function joinBarrier (me: string, self: SwarmMember, members: ReadonlyMap<string, SwarmMember>, timeoutMs: number, what: string): Promise<void> {
  const start = performance.now()
  for (;;) {
    const others = [...members].filter(([h]) => h !== me).map(([, m]) => m)
    const unknownToThem = others.filter(m => !m.peers().includes(self.peerId))
    const unknownToMe = others.filter(m => !self.peers().includes(m.peerId))
    if (unknownToThem.length === 0 && unknownToMe.length === 0) return
    if (performance.now() - start > timeoutMs) throw new SimSwarmError(`expected ${what} within ${timeoutMs} ms, found ${unknownToThem.length} member(s) not knowing it and ${unknownToMe.length} it does not know`)
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}
