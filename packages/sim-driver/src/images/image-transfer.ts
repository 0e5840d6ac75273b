/**
 * How a simulated cluster's images travel between its hosts: the
 * `ImageTransferPort` of each host, under xenos-core's one transfer
 * algorithm (its holder check, the paper's whole copy through staging,
 * verified chunks, rarest-first swarming run unchanged over this port).
 *
 * - The store: the host's image store, as chunks of `CHUNK_SIZE_BYTES` (the
 *   size xenos-core's file store uses). A simulated image has a size and a
 *   content id, no bytes: chunk i is represented by a short stand-in naming
 *   the content and the index, whose SHA-256 the image's manifest lists, so
 *   the fetch verifies what arrives as it does on real hosts. A checkpoint
 *   file travels the same way, and what makes it restorable (the domain's
 *   spec, uuid and memory size: Xen's save header) is written into its first
 *   chunk's stand-in, so it is covered by the manifest like the rest and the
 *   copy is a checkpoint the fetcher's driver can restore. Reading a
 *   chunk is a read of its real length on the host's disk, through its page
 *   cache (one cache key per chunk: a chunk a host wrote or read recently
 *   comes from memory); writing one is a write there. A fetch writes into a
 *   reservation of the destination's space, which becomes the image (with
 *   the source's content id) when the last chunk is in. Not modeled:
 *   hashing an image into its manifest (a real holder reads the image once
 *   for it, on its first publication) and resuming a fetch cut short (it
 *   starts again).
 * - The transport: a request goes from the asking host to the holder, the
 *   holder answers (its chunk service, reading the chunk on its disk), and
 *   the answer comes back (a chunk's real length): a chunk is a flow through
 *   the two hosts' NICs, costing Domain 0 CPU per byte as migration traffic
 *   does; a message under 64 KiB (a request, a `have` answer) takes the
 *   hops' latency and its transmission time at the links' rate without
 *   entering the shared-resource model. A request to a crashed host fails.
 *   The fetch waits on the simulated clock and draws its starting chunk
 *   from a fork of the engine's seeded random source. Request deadlines are
 *   not applied (a simulated request fails only when its host does). A
 *   waiting `have` waits in the holder's chunk service on the simulated
 *   clock, woken by the holder's fetch writing a chunk (a simulated event);
 *   a fetch that ends gives its waiting requests up, which cancels their
 *   timers.
 * - The swarms: the hosts of the cluster fetching an image now, kept by the
 *   cluster (on real hosts, an overlay group that the membership table
 *   floods): a host that joins is known to the others at once, in
 *   simulated time, and members are listed in host name order.
 *
 * Determinism. The fetch decides on what its requests return, so requests
 * must reach the engine in an order that does not depend on the machine:
 * requests made at one simulated instant start once that instant's work is
 * done and nothing holds the clock, in a fixed order (asking host, holder,
 * channel, request; hosts by name, since peer ids are drawn anew by every
 * run). The answers to waiting `have` requests, which come when a chunk
 * arrives, leave in the same order. Nothing here waits on the wall clock.
 *
 * With a `ClockGate`-like `gate`, the simulated work of a host's transfers
 * is awaited through it (one waiter per host, however many requests are in
 * flight), so real coordinators whose API calls the gate holds the clock for
 * let it run while their bytes move.
 */
import { createHash } from 'node:crypto'
import {
  CHUNK_SIZE_BYTES, HypervisorError, bitmapHas, bitmapSet,
  type ChunkChannel, type ChunkHandler, type ChunkImageStore, type ChunkRequest, type ChunkResponse, type ChunkStore, type ChunkTransport,
  type Clock, type ImageManifest, type ImageTransferPort, type Swarm
} from '@xenos/hypervisor-interface'
import type { Engine, Random } from '@xenos/sim-engine'
import type { HostState } from '../driver/host-state.js'
import type { CheckpointContent, Reservation } from './image-store.js'

/** What the port needs of its cluster (a `SimCluster` is one). */
export interface TransferCluster {
  readonly engine: Engine
  readonly migrationDom0FlopsPerByte: number
  hostState (hostname: string): HostState
}

/** Awaits simulated work for real-time work that holds the clock (a `ClockGate`). */
export interface SimWaitGate {
  sim<T>(work: Promise<T>): Promise<T>
}

/** A transfer on the simulated cluster that cannot go on (an unknown peer, a bad chunk stand-in, an answer too large). */
export class SimTransferError extends HypervisorError {
  static override readonly code = 'ERR_SIM_TRANSFER'
  constructor (message: string) {
    super(message, SimTransferError.code)
    this.name = 'SimTransferError'
  }
}

/** Messages under this size are not flows of the network model (see `flow`). */
const SMALL_MESSAGE_BYTES = 64 * 1024
/** Bytes of a length-prefixed frame's header and an answer's status byte, charged with every message. */
const FRAME_OVERHEAD_BYTES = 5
const TOKEN_PREFIX = 'xenos-sim-chunk'

/** The transfers of one simulated cluster: its hosts' chunk services and swarms. */
export class SimImageTransfer {
  private readonly services = new Map<string, { host: string, handler: ChunkHandler }>()
  private readonly ports = new Map<string, SimHostPort>()
  private readonly swarms = new Map<string, SimSwarm>()
  private queue: Array<{ key: string, go: () => void }> = []
  private flushing = false

  constructor (readonly cluster: TransferCluster) {}

  /**
   * The port of `hostname` (one per host; `gate` is taken from its first
   * call). `network: 'overlay'` leaves the simulated transport out: chunk
   * stand-ins then travel over the coordinator's real overlay (a simulated
   * host whose peers run in other processes).
   */
  port (hostname: string, options: { gate?: SimWaitGate, network?: 'simulated' | 'overlay' } = {}): ImageTransferPort {
    let p = this.ports.get(hostname)
    if (p === undefined) {
      this.cluster.hostState(hostname) // HostNotFoundError for an unknown host
      p = new SimHostPort(this, hostname, options.gate)
      this.ports.set(hostname, p)
    }
    return options.network === 'overlay' ? { store: p.store } : { store: p.store, transport: p.transport }
  }

  /** @internal the host serving chunks as `peerId`. */
  service (peerId: string): { host: string, handler: ChunkHandler } {
    const s = this.services.get(peerId)
    if (s === undefined) throw new SimTransferError(`expected a simulated host serving chunks as peer ${peerId}, found none`)
    return s
  }

  /** @internal */
  listen (peerId: string, host: string, handler: ChunkHandler): () => Promise<void> {
    this.services.set(peerId, { host, handler })
    return async () => { if (this.services.get(peerId)?.handler === handler) this.services.delete(peerId) }
  }

  /** @internal resolves once the current instant's work is done, in `key` order among those asked at this instant. */
  inOrder (key: string): Promise<void> {
    return new Promise((resolve) => {
      this.queue.push({ key, go: resolve })
      if (!this.flushing) {
        this.flushing = true
        this.cluster.engine.atInstantEnd(() => { this.flush() })
      }
    })
  }

  private flush (): void {
    this.flushing = false
    const batch = this.queue.sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
    this.queue = []
    for (const b of batch) b.go()
  }

  /** @internal the swarm of the image `manifestHash`. */
  swarm (manifestHash: string): SimSwarm {
    let s = this.swarms.get(manifestHash)
    if (s === undefined) {
      s = new SimSwarm()
      this.swarms.set(manifestHash, s)
    }
    return s
  }
}

/** The hosts fetching one image now, by peer id, each with its fetch's listeners of later members. */
class SimSwarm {
  private readonly members = new Map<string, { host: string, listeners: Set<(peerId: string) => void> }>()

  /** `peerId` (on `host`) joins; the members already there hear of it, in host name order. */
  join (peerId: string, host: string): Swarm {
    const me = { host, listeners: new Set<(peerId: string) => void>() }
    const before = this.others(peerId)
    this.members.set(peerId, me)
    for (const p of before) for (const l of [...this.members.get(p)?.listeners ?? []]) l(peerId)
    let left = false
    return {
      peers: () => this.others(peerId),
      onPeer: (listener) => {
        me.listeners.add(listener)
        return () => { me.listeners.delete(listener) }
      },
      leave: async () => {
        if (left) return
        left = true
        me.listeners.clear()
        if (this.members.get(peerId) === me) this.members.delete(peerId)
      }
    }
  }

  /** The members other than `peerId`, in host name order. */
  private others (peerId: string): string[] {
    return [...this.members.entries()]
      .filter(([p]) => p !== peerId)
      .sort(([, a], [, b]) => a.host < b.host ? -1 : a.host > b.host ? 1 : 0)
      .map(([p]) => p)
  }
}

/** Runs a host's simulated waits through the gate: one waiter while any of them runs. */
class Waits {
  private depth = 0
  private idle: (() => void) | undefined

  constructor (private readonly gate: SimWaitGate | undefined) {}

  async run<T> (work: () => Promise<T>): Promise<T> {
    if (this.gate === undefined) return await work()
    if (this.depth++ === 0) {
      const done = new Promise<void>((resolve) => { this.idle = resolve })
      void this.gate.sim(done)
    }
    try {
      return await work()
    } finally {
      if (--this.depth === 0) this.idle?.()
    }
  }
}

class SimHostPort {
  readonly store: ChunkImageStore
  readonly transport: ChunkTransport
  readonly waits: Waits
  /** Channels opened so far, per holder host (their numbers order the requests made at one instant). */
  private readonly channels = new Map<string, number>()

  constructor (readonly net: SimImageTransfer, readonly hostname: string, gate: SimWaitGate | undefined) {
    this.waits = new Waits(gate)
    this.store = new SimImageStore(this)
    const engine = net.cluster.engine
    const random: Random = engine.random.fork(`image-transfer/${hostname}`)
    /** Simulated time passing; one that `signal` may cancel is the engine's clock's (no event is left on the engine's queue). */
    const sleep = async (durationS: number, signal?: AbortSignal): Promise<void> => {
      await (signal === undefined ? engine.sleep(durationS).wait() : engine.clock.sleep(durationS, signal))
    }
    const clock: Clock = {
      nowS: () => engine.nowS(),
      sleep: async (durationS: number, signal?: AbortSignal) => { await this.waits.run(async () => { await sleep(durationS, signal) }) }
    }
    // the chunk service's waits (a waiting `have`) are part of a request the asker already awaits through its own gate
    // waiter: they do not make this host a waiter (it may have no simulated work of its own, its coordinator real work)
    const serviceClock: Clock = { nowS: () => engine.nowS(), sleep }
    this.transport = {
      clock,
      serviceClock,
      random: () => random.next(),
      listen: async (peerId, handler) => net.listen(peerId, hostname, handler),
      open: async (fromPeer, peerId) => this.open(fromPeer, peerId),
      joinSwarm: async (manifestHash, self) => net.swarm(manifestHash).join(self, hostname)
    }
  }

  get state (): HostState { return this.net.cluster.hostState(this.hostname) }

  private open (fromPeer: string, peerId: string): ChunkChannel {
    const holderHost = this.net.service(peerId).host
    const n = (this.channels.get(holderHost) ?? 0) + 1
    this.channels.set(holderHost, n)
    const channel = `${this.hostname}|${holderHost}|${String(n).padStart(8, '0')}`
    let requests = 0
    return {
      request: async (request: ChunkRequest, limits: { maxBytes: number, signal?: AbortSignal }): Promise<ChunkResponse> => {
        const key = `${channel}|${String(++requests).padStart(10, '0')}`
        return await this.waits.run(async () => {
          await this.net.inOrder(key)
          const holder = this.net.service(peerId)
          await this.flow(this.hostname, holder.host, requestBytes(request) + 4)
          const response = await holder.handler(request, fromPeer, limits.signal)
          // the asker gave up waiting (a waiting `have` of a fetch that ended): no answer travels
          if (limits.signal?.aborted === true) throw limits.signal.reason
          // a waiting `have` is answered when a chunk arrives: such answers leave in the same fixed order as requests
          if (request.waitMs !== undefined) await this.net.inOrder(`${key}|answer`)
          if (response.body.byteLength > limits.maxBytes) {
            throw new SimTransferError(`answer of ${holder.host}: expected at most ${limits.maxBytes} bytes, found ${response.body.byteLength}`)
          }
          await this.flow(holder.host, this.hostname, response.sizeBytes + FRAME_OVERHEAD_BYTES)
          return response
        })
      },
      close: async () => {}
    }
  }

  /**
   * `bytes` from host `from` to host `to`: a flow of the simulated network;
   * a message under `SMALL_MESSAGE_BYTES` (a request, a `have` answer) takes
   * the hops' latency and its transmission time at the links' rate instead,
   * sharing nothing (beside the chunks it is negligible, and it keeps the
   * shared-resource model to the flows that load it).
   */
  private async flow (from: string, to: string, bytes: number): Promise<void> {
    const { engine, migrationDom0FlopsPerByte } = this.net.cluster
    const [src, dst] = [engine.host(from), engine.host(to)]
    if (bytes >= SMALL_MESSAGE_BYTES) {
      await engine.comm({ from: src, to: dst, bytes, dom0FlopsPerByte: migrationDom0FlopsPerByte }).wait()
      return
    }
    const network = engine.platform.network
    const reachable = (): void => {
      for (const h of [src, dst]) {
        if (h.failed) throw new SimTransferError(`message from ${from} to ${to}: host ${h.name} crashed`)
        if (h.nicDown) throw new SimTransferError(`message from ${from} to ${to}: the link of host ${h.name} is down`)
      }
    }
    reachable()
    const rateBps = Math.min(src.nic.bandwidthBps, dst.nic.bandwidthBps) * network.tcpEfficiency
    await engine.sleep(src.nic.latencyS + network.switchLatencyS + dst.nic.latencyS + bytes / rateBps).wait()
    reachable()
  }
}

/** Lengths of the strings of requests as JSON, by string (a cluster's requests name a few images, with a few ops). */
const jsonLengths = new Map<string, number>()

function jsonLength (s: string): number {
  let n = jsonLengths.get(s)
  if (n === undefined) {
    n = JSON.stringify(s).length
    if (jsonLengths.size < 4096) jsonLengths.set(s, n)
  }
  return n
}

/** The length of a string as JSON; a base64 one (a waiting `have`'s bitmap, different in every request) without making it. */
function jsonStringLength (s: string): number {
  return BASE64.test(s) ? s.length + 2 : JSON.stringify(s).length
}

const BASE64 = /^[A-Za-z0-9+/=]*$/

/**
 * The length of `request` as JSON (`JSON.stringify(request).length`, what
 * the overlay sends), without making the string: `{"op":…,"hash":…}`,
 * `,"index":…` for a `get`, `,"waitMs":…,"wanted":…` for a waiting `have`.
 */
export function requestBytes (request: ChunkRequest): number {
  const { index, waitMs, wanted } = request
  const indexBytes = index === undefined ? 0 : 9 + (Number.isInteger(index) ? String(index).length : String(JSON.stringify(index)).length)
  const waitBytes = waitMs === undefined ? 0 : 10 + String(JSON.stringify(waitMs)).length
  const wantedBytes = wanted === undefined ? 0 : 10 + jsonStringLength(wanted)
  return 2 + 5 + jsonLength(request.op) + 8 + jsonLength(request.hash) + indexBytes + waitBytes + wantedBytes
}

/**
 * The chunk stand-in of chunk `index` of the content `contentId`; a
 * checkpoint's first chunk also carries what the checkpoint holds (its save
 * header), as base64url JSON.
 */
function token (contentId: string, index: number, checkpoint?: CheckpointContent): Uint8Array {
  const header = index === 0 && checkpoint !== undefined ? ` ${Buffer.from(JSON.stringify(checkpoint), 'utf8').toString('base64url')}` : ''
  // a view on Node's buffer pool: one stand-in is made for every chunk read, and a typed array of its own would cost a backing store
  return Buffer.from(`${TOKEN_PREFIX} ${contentId} ${index}${header}`, 'utf8')
}

/** What a chunk stand-in names, when it is the stand-in of chunk `index`: the content id, and a checkpoint's header in chunk 0. */
function contentOf (bytes: Uint8Array, index: number): { contentId: string, checkpoint?: CheckpointContent } | undefined {
  const parts = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8').split(' ')
  if (parts[0] !== TOKEN_PREFIX || parts[2] !== String(index) || parts[1] === undefined) return undefined
  if (parts.length === 3) return { contentId: parts[1] }
  if (parts.length !== 4 || index !== 0) return undefined
  const checkpoint = checkpointHeader(parts[3]!)
  return checkpoint === undefined ? undefined : { contentId: parts[1], checkpoint }
}

/** A checkpoint's header from its base64url JSON, when it has the fields `CheckpointContent` names. */
function checkpointHeader (text: string): CheckpointContent | undefined {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
  const c = value as Partial<CheckpointContent> | null
  if (c === null || typeof c !== 'object' || typeof c.uuid !== 'string' || typeof c.memoryBytes !== 'number') return undefined
  if (typeof c.spec !== 'object' || c.spec === null || typeof c.spec.name !== 'string') return undefined
  return c as CheckpointContent
}

function sha256Hex (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

class SimImageStore implements ChunkImageStore {
  constructor (private readonly port: SimHostPort) {}

  /** An image or a checkpoint (both are files of the store). */
  async manifest (path: string): Promise<ImageManifest> {
    const f = this.port.state.store.file(path)
    const chunks: string[] = []
    for (let i = 0; i * CHUNK_SIZE_BYTES < f.sizeBytes; i++) chunks.push(sha256Hex(token(f.contentId, i, f.checkpoint)))
    return { version: 1, sizeBytes: f.sizeBytes, chunkSizeBytes: CHUNK_SIZE_BYTES, chunks }
  }

  async version (path: string): Promise<string> {
    const f = this.port.state.store.file(path)
    return `${f.sizeBytes}:${f.contentId}`
  }

  async openComplete (path: string, manifest: ImageManifest): Promise<ChunkStore> {
    const f = this.port.state.store.file(path)
    if (f.sizeBytes !== manifest.sizeBytes) {
      throw new SimTransferError(`image ${path} on ${this.port.hostname}: expected ${manifest.sizeBytes} bytes as in its manifest, found ${f.sizeBytes}`)
    }
    const content = f.checkpoint === undefined ? { contentId: f.contentId } : { contentId: f.contentId, checkpoint: f.checkpoint }
    return new SimChunkStore(this.port, path, manifest, content, undefined)
  }

  async openStaging (path: string, manifest: ImageManifest): Promise<ChunkStore> {
    return new SimChunkStore(this.port, path, manifest, undefined, this.port.state.store.reserve(path, manifest.sizeBytes))
  }
}

/** What a chunk store holds: the content id, and for a checkpoint what it saved. */
interface Content { contentId: string, checkpoint?: CheckpointContent }

/**
 * One image (or checkpoint) as chunks on a simulated host: complete (no
 * reservation), or being fetched into `reservation`; it becomes a checkpoint
 * when its first chunk carries a checkpoint's header.
 */
class SimChunkStore implements ChunkStore {
  private readonly bits: Uint8Array
  private held = 0
  private finished: boolean

  constructor (
    private readonly port: SimHostPort,
    private readonly path: string,
    readonly manifest: ImageManifest,
    private content: Content | undefined,
    private readonly reservation: Reservation | undefined
  ) {
    const total = manifest.chunks.length
    this.bits = new Uint8Array(Math.ceil(total / 8))
    this.finished = reservation === undefined
    if (this.finished) {
      for (let i = 0; i < total; i++) this.set(i)
    }
  }

  has (index: number): boolean { return bitmapHas(this.bits, index) }
  count (): number { return this.held }
  /** A copy of the bitmap (from Node's buffer pool: it is asked for on every change a `have` poll sees). */
  bitmap (): Uint8Array { return Buffer.from(this.bits) }

  /** A read of the chunk on this host's disk; it is charged inside the request that asked for it. */
  async read (index: number): Promise<Uint8Array> {
    if (!this.has(index) || this.content === undefined) {
      throw new SimTransferError(`chunk ${index} of ${this.path} on ${this.port.hostname}: expected a chunk held here, found it missing`)
    }
    await this.disk('read', index)
    return token(this.content.contentId, index, this.content.checkpoint)
  }

  async write (index: number, bytes: Uint8Array): Promise<void> {
    if (this.finished) {
      throw new SimTransferError(`chunk ${index} of ${this.path} on ${this.port.hostname}: expected a store being fetched, found a complete image`)
    }
    const got = contentOf(bytes, index)
    if (got === undefined || (this.content !== undefined && got.contentId !== this.content.contentId)) {
      const of = this.content === undefined ? '' : ` of ${this.content.contentId}`
      throw new SimTransferError(`chunk ${index} of ${this.path} on ${this.port.hostname}: expected the stand-in of chunk ${index}${of}, found another`)
    }
    if (this.has(index)) return
    await this.port.waits.run(async () => { await this.disk('write', index) })
    const checkpoint = got.checkpoint ?? this.content?.checkpoint
    this.content = checkpoint === undefined ? { contentId: got.contentId } : { contentId: got.contentId, checkpoint }
    this.set(index)
  }

  async finish (): Promise<void> {
    if (this.finished) return
    if (this.held !== this.manifest.chunks.length || this.content === undefined || this.reservation === undefined) {
      throw new SimTransferError(`finish ${this.path} on ${this.port.hostname}: expected all ${this.manifest.chunks.length} chunks, found ${this.held}`)
    }
    const { contentId, checkpoint } = this.content
    const size = { sizeBytes: this.manifest.sizeBytes, format: 'raw' as const, contentId }
    this.reservation.commit(checkpoint === undefined ? { kind: 'image', ...size } : { kind: 'checkpoint', ...size, checkpoint: structuredClone(checkpoint) })
    this.finished = true
  }

  async close (): Promise<void> {
    if (!this.finished) this.reservation?.abort()
  }

  private set (index: number): void {
    if (this.has(index)) return
    bitmapSet(this.bits, index)
    this.held++
  }

  private async disk (op: 'read' | 'write', index: number): Promise<void> {
    const engine = this.port.net.cluster.engine
    const bytes = Math.min(this.manifest.chunkSizeBytes, this.manifest.sizeBytes - index * this.manifest.chunkSizeBytes)
    await engine.io({ on: this.port.state.host, op, bytes, cacheKey: `${this.path}#${index}` }).wait()
  }
}
