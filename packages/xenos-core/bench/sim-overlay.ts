/**
 * Real coordinators on a simulated cluster, deterministic: what carries
 * messages between hosts is simulated on the engine's clock, everything
 * above it is the framework's own code.
 *
 * Per host: the overlay's membership (`Swim`) with its frames as simulated
 * messages; an `OverlayNetwork` whose calls are XML-RPC requests (the real
 * codec) answered by the other host's own method registry (`registerXenosApi`,
 * the access checks of a call from a peer coordinator included) and whose
 * searches ask every member's coordinator as the overlay's search does,
 * failed members named at once and silent ones at the deadline; the image
 * fetcher (`imageFetcher`: xenos-core's verified-chunk transfer) over the
 * cluster's image port, its chunks flows of the simulated disks and network,
 * each host's `ChunkService` serving its shelf.
 *
 * A message costs the two NICs' latencies, the switch's and its bytes at the
 * links' rate; a host that crashed (`faults.crashHost`) or whose link is cut
 * (`faults.cutLink`) neither sends nor answers, so a request to it waits for
 * its deadline, as on a network where packets vanish. The engine's host
 * state is the one source of who is reachable, shared with the image port.
 *
 * Nothing here waits on the wall clock or touches a file: every wait is an
 * engine event, so the same seed gives the same run. Coordinators must keep
 * their state in memory (`memoryStateStore`) for the same reason.
 */
import { createHash } from 'node:crypto'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { SimCluster } from '@xenos/sim-driver'
import type { Engine, TimerHandle } from '@xenos/sim-engine'
import { registerXenosApi } from '../src/api/methods.js'
import { faultFor } from '../src/api/faults.js'
import type { Coordinator } from '../src/coordinator/coordinator.js'
import { PeerError } from '../src/coordinator/errors.js'
import { imageFetcher, type PublishingImageFetcher } from '../src/coordinator/image-fetcher.js'
import type { OverlayNetwork } from '../src/coordinator/overlay-network.js'
import type { MemberView, SearchOutcome } from '../src/coordinator/ports.js'
import type { FailoverClock } from '../src/failover/agent.js'
import { MemberUnreachableError } from '../src/overlay/errors.js'
import type { Deadlines, Frame, MembershipTransport, PeerRef } from '../src/overlay/membership/protocol.js'
import { Swim, type SwimInit } from '../src/overlay/membership/swim.js'
import { ChunkService, ImageShelf } from '../src/overlay/transfer/chunk-service.js'
import { decodeMethodResponse } from '../src/xmlrpc/decode.js'
import { encodeMethodCall } from '../src/xmlrpc/encode.js'
import { MethodRegistry } from '../src/xmlrpc/registry.js'
import type { XmlRpcValue } from '../src/xmlrpc/values.js'

export interface SimOverlayInit {
  /** A manual-mode cluster: the caller runs its engine. */
  cluster: SimCluster
  /** Seeds the hosts' peer ids. */
  seed: number
  membership?: SwimInit
  /** Deadline of a call to another coordinator, in ms (the overlay tunnel's default). @default 10000 */
  callTimeoutMs?: number
}

/** One host's end of the simulated overlay. */
export interface SimOverlayHost {
  readonly name: string
  readonly peerId: string
  readonly swim: Swim
  readonly network: OverlayNetwork
  readonly fetcher: PublishingImageFetcher
  /** Answer calls and searches with this coordinator (its API registry is made here). */
  serve (coordinator: Coordinator): void
  /** The host's processes end (its machine crashed): membership halted, coordinator stopped, nothing answered. */
  halt (): void
}

interface Node {
  name: string
  peerId: string
  swim: Swim
  registry?: MethodRegistry
  coordinator?: Coordinator
  halted: boolean
}

/** Bytes of a frame or call beyond its body (length prefix, stream header), charged with every message. */
const MESSAGE_OVERHEAD_BYTES = 64

export class SimOverlay {
  readonly engine: Engine
  /** The engine's clock in ms; its timers are engine events. */
  readonly clock: FailoverClock
  private readonly nodes = new Map<string, Node>()
  private readonly byPeer = new Map<string, string>()
  private readonly callTimeoutMs: number

  constructor (private readonly init: SimOverlayInit) {
    this.engine = init.cluster.engine
    const engine = this.engine
    this.callTimeoutMs = init.callTimeoutMs ?? 10_000
    this.clock = {
      now: () => engine.nowS() * 1000,
      setTimeout: (fn, ms) => engine.schedule(Math.max(0, ms) / 1000, () => { engine.markResolved(); fn() }),
      clearTimeout: (h) => { (h as TimerHandle).cancel() }
    }
  }

  /** Neither host crashed, neither link cut. */
  reachable (a: string, b: string): boolean {
    const [x, y] = [this.engine.host(a), this.engine.host(b)]
    return !x.failed && !y.failed && !x.nicDown && !y.nicDown
  }

  async addHost (name: string): Promise<SimOverlayHost> {
    const key = await generateKeyPairFromSeed('Ed25519', createHash('sha256').update(`sim-overlay/${this.init.seed}/${name}`).digest())
    const peerId = peerIdFromPrivateKey(key).toString()
    const random = this.engine.random.fork(`swim/${name}`)
    const swim = new Swim(this.init.membership ?? {}, {
      self: peerId, name, transport: this.membershipTransport(name), addrs: () => [`/sim/${name}`], clock: this.clock,
      random: () => random.next(), initialIncarnation: 1
    })
    const node: Node = { name, peerId, swim, halted: false }
    this.nodes.set(name, node)
    this.byPeer.set(peerId, name)
    const network = this.network(node)
    const port = this.init.cluster.imagePort(name)
    const transport = port.transport
    if (transport === undefined) throw new TypeError(`image port of ${name}: expected the simulated transport, found none`)
    const shelf = new ImageShelf()
    await transport.listen(peerId, new ChunkService(shelf, transport.clock).answer)
    const fetcher = imageFetcher({}, { store: port.store, transport: () => transport, overlay: () => ({ shelf, node: { peerId } }), network: () => network })
    return {
      name, peerId, swim, network, fetcher,
      serve: (coordinator) => {
        const registry = new MethodRegistry({ mapError: faultFor })
        registerXenosApi(registry, { coordinator })
        node.registry = registry
        node.coordinator = coordinator
      },
      halt: () => {
        node.halted = true
        swim.halt()
        void node.coordinator?.stop()
      }
    }
  }

  /** The membership of `host` (as added). */
  swimOf (host: string): Swim {
    return this.node(host).swim
  }

  peerIdOf (host: string): string {
    return this.node(host).peerId
  }

  private node (host: string): Node {
    const n = this.nodes.get(host)
    if (n === undefined) throw new RangeError(`host: expected one of ${[...this.nodes.keys()].join(', ')}, found ${host}`)
    return n
  }

  /** Every host's membership starts; each joins through the first host added. */
  startMembership (): void {
    const [first, ...rest] = [...this.nodes.values()]
    if (first === undefined) return
    for (const n of [first, ...rest]) n.swim.start()
    for (const n of rest) n.swim.contact({ peerId: first.peerId, addrs: [] })
  }

  private async sleep (s: number): Promise<void> {
    await new Promise<void>((resolve) => { this.clock.setTimeout(resolve, s * 1000) })
  }

  /** One message of `bytes` from `from` to `to`: false when it is lost (either end down or cut off on arrival). */
  private async send (from: string, to: string, bytes: number): Promise<boolean> {
    const e = this.engine
    const [a, b] = [e.host(from), e.host(to)]
    const net = e.platform.network
    const rateBps = Math.min(a.nic.bandwidthBps, b.nic.bandwidthBps) * net.tcpEfficiency
    await this.sleep(a.nic.latencyS + net.switchLatencyS + b.nic.latencyS + (bytes + MESSAGE_OVERHEAD_BYTES) / rateBps)
    return this.reachable(from, to) && this.nodes.get(to)?.halted !== true
  }

  /** A request and its answer within `deadlineMs`; undefined when no answer came by then. */
  private async exchange<T> (
    from: string, to: string, requestBytes: number, handle: () => Promise<{ value: T, bytes: number }>, deadlineMs: number
  ): Promise<T | undefined> {
    return await new Promise<T | undefined>((resolve, reject) => {
      let done = false
      const timer = this.clock.setTimeout(() => { if (!done) { done = true; resolve(undefined) } }, deadlineMs)
      const finish = (fn: () => void): void => {
        if (done) return
        done = true
        this.clock.clearTimeout(timer)
        fn()
      }
      void (async () => {
        if (!await this.send(from, to, requestBytes)) return // lost: the deadline answers
        const answer = await handle()
        if (!await this.send(to, from, answer.bytes)) return
        finish(() => { resolve(answer.value) })
      })().catch((err: unknown) => { finish(() => { reject(err) }) })
    })
  }

  private membershipTransport (from: string): MembershipTransport {
    return {
      connected: () => true,
      request: async (peer: PeerRef, frame: Frame, deadlines: Deadlines): Promise<Frame> => {
        const to = this.byPeer.get(peer.peerId)
        const fromNode = this.nodes.get(from)!
        const size = (f: Frame): number => JSON.stringify(f).length
        const reply = to === undefined
          ? undefined
          : await this.exchange(from, to, size(frame), async () => {
              const r = await this.nodes.get(to)!.swim.handle(fromNode.peerId, structuredClone(frame))
              return { value: structuredClone(r), bytes: size(r) }
            }, deadlines.answerMs)
        if (reply === undefined) throw new MemberUnreachableError(peer.peerId, 'timeout', `no answer from ${peer.peerId} within ${deadlines.answerMs} ms`)
        return reply
      }
    }
  }

  private network (self: Node): OverlayNetwork {
    const nameOf = (peerId: string): string | undefined => this.byPeer.get(peerId)
    const peerOf = (host: string): string | undefined => this.nodes.get(host)?.peerId
    const view = (): MemberView[] => [...self.swim.members(), ...self.swim.failed()].map(m => ({
      host: nameOf(m.peerId) ?? m.peerId, peerId: m.peerId, state: m.state, sinceS: Math.round(m.stateAgeMs / 100) / 10,
      ...(m.reason === undefined ? {} : { reason: m.reason })
    })).sort((a, b) => a.host.localeCompare(b.host))

    const search = async (kind: 'services' | 'hosts', query: string, options?: { deadlineMs?: number }): Promise<SearchOutcome> => {
      const deadlineMs = options?.deadlineMs ?? 2000
      const reasons: Record<string, string> = {}
      const asked: string[] = []
      for (const m of view()) {
        if (m.state === 'failed') reasons[m.host] = `declared failed ${Math.round(m.sinceS)} s ago: ${m.reason ?? 'no reason given'}`
        else asked.push(m.host)
      }
      const local = async (node: Node): Promise<Array<Record<string, unknown>>> => {
        const c = node.coordinator
        if (c === undefined || c.status !== 'running') throw new PeerError(node.name, 'answer a search', `a coordinator ${c?.status ?? 'not started'}`)
        return await c.localSearch(kind, query) as unknown as Array<Record<string, unknown>>
      }
      const answers = await Promise.all([self.name, ...asked].map(async (host): Promise<Array<Record<string, unknown>>> => {
        try {
          if (host === self.name) return await local(self)
          const records = await this.exchange(self.name, host, query.length, async () => {
            const value = await local(this.nodes.get(host)!)
            return { value, bytes: JSON.stringify(value).length }
          }, deadlineMs)
          if (records === undefined) reasons[host] = `no answer within ${deadlineMs} ms`
          return records ?? []
        } catch (err) {
          reasons[host] = `answered with an error: ${(err as Error).message}`
          return []
        }
      }))
      return { results: answers.flat(), nonResponders: Object.keys(reasons).sort(), reasons }
    }

    return {
      peerOf,
      hostOf: nameOf,
      search,
      call: async (host, method, params) => {
        const peer = peerOf(host)
        if (peer === undefined) throw new PeerError(host, 'be found in the overlay', 'no host of that name answered a search')
        const known = self.swim.get(peer)
        if (known?.state === 'failed') {
          const why = `the host is declared failed (for ${Math.round(known.stateAgeMs / 1000)} s: ${known.reason ?? 'no reason given'}); not called`
          throw new PeerError(host, `answer ${method}`, why)
        }
        const request = encodeMethodCall(method, params as XmlRpcValue[])
        const response = await this.exchange(self.name, host, Buffer.byteLength(request), async () => {
          const registry = this.nodes.get(host)?.registry
          if (registry === undefined) throw new PeerError(host, `answer ${method}`, 'no coordinator serving there')
          const bytes = await registry.dispatch(Buffer.from(request, 'utf8'), { transport: 'libp2p', remotePeer: self.peerId })
          return { value: bytes, bytes: bytes.byteLength }
        }, this.callTimeoutMs)
        if (response === undefined) {
          throw new PeerError(host, `answer ${method}`, `no answer: the call timed out after ${(this.callTimeoutMs / 1000).toFixed(0)} s`)
        }
        const decoded = decodeMethodResponse(response)
        if (decoded.kind === 'fault') throw decoded.fault
        return decoded.value
      },
      members: view,
      removeMember: host => self.swim.remove(peerOf(host) ?? host),
      onMemberChange: listener => self.swim.onTransition((t) => {
        listener({ host: nameOf(t.peerId) ?? t.peerId, peerId: t.peerId, from: t.from, to: t.to, ...(t.reason === undefined ? {} : { reason: t.reason }) })
      })
    }
  }
}
