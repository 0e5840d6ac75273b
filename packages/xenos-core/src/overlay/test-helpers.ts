/**
 * Helpers shared by the overlay's specs and benchmark: temporary data
 * directories and a cluster of overlay nodes. Not exported from the package.
 */
import { rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor, type ChunkChannel, type ChunkHandler, type ChunkRequest, type ChunkTransport, type Clock } from '@xenos/hypervisor-interface'
import { createOverlayNode, type OverlayNode, type OverlayNodeInit } from './node.js'
import { Membership, type MembershipInit } from './membership/index.js'
import { ClusterAuthority } from '../trust/authority.js'
import type { HostTrust } from '../trust/host-trust.js'
import { TransferError } from './errors.js'

/**
 * A new cluster in a temporary directory: `authority.nodeTrust(dataDir)` gives
 * each overlay node its credentials (and `authority.hostTrust(dataDir, hostname)` each
 * coordinator).
 */
export async function testAuthority (): Promise<{ authority: ClusterAuthority, remove(): Promise<void> }> {
  const dir = await tempDir('xenos-cluster-')
  return { authority: await ClusterAuthority.create(dir.path), remove: dir.remove }
}

let shared: Promise<ClusterAuthority> | undefined
/** One cluster shared by a test file's (or a benchmark's) nodes: made on first use, removed when the process exits. */
export async function sharedAuthority (): Promise<ClusterAuthority> {
  shared ??= testAuthority().then((t) => {
    process.once('exit', () => { rmSync(t.authority.dir, { recursive: true, force: true }) })
    return t.authority
  })
  return await shared
}
/** Credentials in the shared cluster for the node whose identity is kept in `dataDir`. */
export async function trustFor (dataDir: string): Promise<HostTrust> {
  return await (await sharedAuthority()).nodeTrust(dataDir)
}

export async function tempDir (prefix = 'xenos-overlay-'): Promise<{ path: string, remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

export interface ClusterMember {
  index: number
  node: OverlayNode
  membership: Membership
  dataDir: string
}

/**
 * Start `count` overlay nodes on loopback. Node i bootstraps to up to
 * `degree` earlier nodes chosen by a seeded generator, which makes a connected
 * random graph of small diameter. Resolves when every node knows all others.
 */
export async function startCluster (
  count: number,
  options: {
    degree?: number
    seed?: number
    membership?: MembershipInit
    node?: Partial<OverlayNodeInit>
    readyTimeoutMs?: number
    /** Start more services on each node before waiting for readiness. */
    onNode?: (member: ClusterMember) => Promise<void>
    /** Pubsub topics every node subscribes to: readiness waits until each neighbour's subscription is known. */
    topics?: string[]
  } = {}
): Promise<{ members: ClusterMember[], stop(): Promise<void> }> {
  const degree = options.degree ?? 3
  let state = options.seed ?? 42
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648
    return state / 2147483648
  }
  const members: ClusterMember[] = []
  const dirs: Array<{ remove(): Promise<void> }> = []
  // every node of the shared test cluster unless told otherwise (a restarted node gets its credentials again with trustFor)
  const closed = options.node?.trust === undefined && options.node?.insecureOpenOverlay !== true
  for (let i = 0; i < count; i++) {
    const dir = await tempDir()
    dirs.push(dir)
    const peers = new Set<number>()
    while (peers.size < Math.min(degree, i)) peers.add(Math.floor(random() * i))
    const bootstrap = [...peers].map(p => members[p]!.node.multiaddrs()[0]!)
    const node = await createOverlayNode({ dataDir: dir.path, bootstrap, ...(closed ? { trust: await trustFor(dir.path) } : {}), ...options.node })
    const membership = new Membership(node.libp2p, options.membership)
    await membership.start()
    const member = { index: i, node, membership, dataDir: dir.path }
    members.push(member)
    await options.onNode?.(member)
  }
  const stop = async (): Promise<void> => {
    await Promise.all(members.map(async (m) => {
      await m.membership.stop()
      await m.node.stop()
    }))
    for (const d of dirs) await d.remove()
  }
  try {
    const timeoutS = (options.readyTimeoutMs ?? 60_000 + count * 500) / 1000
    await waitFor(() => members.every(m => m.membership.members().length === count - 1), { timeoutS, what: `${count} nodes to know each other` })
    await waitFor(() => members.every(m => topicsReady(m.node, options.topics ?? [])), { timeoutS: 60, what: 'topic subscriptions to propagate' })
  } catch (err) {
    const views = members.map(m => `node ${m.index} knows ${m.membership.members().length}, connected to ${m.node.connectedPeers().length}`)
    await stop()
    throw new Error(`${(err as Error).message} (${views.join('; ')})`)
  }
  return { members, stop }
}

/** True when every connected peer is known to be subscribed to each topic. */
export function topicsReady (node: OverlayNode, topics: string[]): boolean {
  const connected = node.connectedPeers()
  return topics.every((t) => {
    const subscribers = new Set(node.libp2p.services.pubsub.getSubscribers(t).map(p => p.toString()))
    return connected.every(p => subscribers.has(p))
  })
}

/**
 * A chunk transport in this process on `clock`: holders answer from the handlers they listen with (kept in
 * `handlers`), with the request's signal; `beforeRequest` sees every request first (to count it, or to throw the
 * error a transport would, such as a missed deadline). A request whose signal is aborted meanwhile fails with its reason.
 */
export function inProcessTransport<C extends Clock> (
  clock: C, handlers: Map<string, ChunkHandler>, beforeRequest: (holder: string, request: ChunkRequest) => void = () => {}
): ChunkTransport & { clock: C } {
  return {
    clock,
    random: () => 0,
    listen: async (peerId, handler) => {
      handlers.set(peerId, handler)
      return async () => { handlers.delete(peerId) }
    },
    open: async (fromPeer, peerId): Promise<ChunkChannel> => ({
      request: async (request, limits) => {
        beforeRequest(peerId, request)
        const handler = handlers.get(peerId)
        if (handler === undefined) throw new TransferError(`expected a holder ${peerId}, found none`)
        const r = await handler(request, fromPeer, limits.signal)
        if (limits.signal?.aborted === true) throw limits.signal.reason
        return r
      },
      close: async () => {}
    }),
    joinSwarm: async () => { throw new TransferError('expected no swarm in these tests, found a join') }
  }
}
