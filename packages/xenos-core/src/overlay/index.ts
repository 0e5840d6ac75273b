/**
 * The overlay of a coordinator, assembled: the libp2p node, membership,
 * search, groups, the XML-RPC tunnel and the image chunk server, started and
 * stopped together.
 *
 * @example
 * ```ts
 * const overlay = await startOverlay({
 *   dataDir: '/var/lib/xenos', listen: ['/ip4/0.0.0.0/tcp/4001'], bootstrap: ['/ip4/10.0.0.1/tcp/4001/p2p/12D3Koo...'],
 *   matcher: async (query, kind) => registry.match(query, kind),
 *   rpcHandler: async (request, remotePeer) => dispatcher.handle(request, remotePeer),
 * })
 * const { matches, missing } = await overlay.search.search('template=hadoop-slave', { timeoutMs: 1000 })
 * await overlay.stop()
 * ```
 */
import { createOverlayNode, type OverlayNode, type OverlayNodeInit } from './node.js'
import { Membership, type MembershipInit } from './membership/index.js'
import { OverlaySearch, type OverlaySearchInit, type SearchMatcher } from './search.js'
import { Groups, type GroupsInit } from './groups.js'
import { RpcTunnel, type RpcTunnelHandler, type RpcTunnelInit } from './rpc-tunnel.js'
import type { ChunkTransport } from '@xenos/hypervisor-interface'
import { ChunkServer, libp2pChunkTransport, type ChunkServerInit } from './transfer/chunk-server.js'
import { ImageShelf } from './transfer/chunk-service.js'
import { TrustSync, type TrustSyncInit } from './trust-sync.js'

export interface OverlayInit extends OverlayNodeInit {
  /** Answers search queries from this host's registry. */
  matcher: SearchMatcher
  /** Answers XML-RPC calls arriving through the overlay; without it the tunnel only makes calls. */
  rpcHandler?: RpcTunnelHandler
  membership?: MembershipInit
  /** This host's name, announced in its membership record (a coordinator's hostname). */
  name?: string
  search?: Omit<OverlaySearchInit, 'matcher'>
  groups?: GroupsInit
  tunnel?: RpcTunnelInit
  chunkServer?: ChunkServerInit
  trustSync?: TrustSyncInit
}

export interface Overlay {
  readonly node: OverlayNode
  readonly membership: Membership
  readonly search: OverlaySearch
  readonly groups: Groups
  readonly tunnel: RpcTunnel
  /** Images this host serves; put templates' images here. */
  readonly shelf: ImageShelf
  readonly chunkServer: ChunkServer
  /** Image chunks over libp2p streams, swarms as groups of this overlay. */
  readonly chunkTransport: ChunkTransport
  /** Spreads revocation lists (closed overlays only). */
  readonly trustSync: TrustSync | undefined
  /** Stop everything; idempotent. The other hosts declare this one failed (and name it) until it returns. */
  stop(): Promise<void>
  /** Leave the overlay gracefully (the others forget this host), then stop. */
  leave(): Promise<void>
}

export async function startOverlay (init: OverlayInit): Promise<Overlay> {
  const node = await createOverlayNode(init)
  const membership = new Membership(node.libp2p, init.membership, init.name === undefined ? {} : { name: init.name })
  const search = new OverlaySearch(node.libp2p, membership, { ...init.search, matcher: init.matcher })
  const groups = new Groups(node.libp2p, membership, init.groups)
  const tunnel = new RpcTunnel(node.libp2p, init.tunnel)
  const shelf = new ImageShelf()
  const chunkServer = new ChunkServer(node.libp2p, shelf, init.chunkServer)
  const trustSync = node.trust === undefined ? undefined : new TrustSync(node.libp2p, node.trust, init.trustSync)
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    await trustSync?.stop()
    await chunkServer.stop()
    await shelf.closeAll()
    await tunnel.stop()
    await groups.stop()
    await search.stop()
    await membership.stop()
    await node.stop()
  }
  try {
    await trustSync?.start()
    await search.start()
    await groups.start()
    if (init.rpcHandler !== undefined) await tunnel.serve(init.rpcHandler)
    await chunkServer.start()
    await membership.start()
  } catch (err) {
    await stop()
    throw err
  }
  const leave = async (): Promise<void> => {
    if (!stopped) await membership.leave()
    await stop()
  }
  const chunkTransport = libp2pChunkTransport(node.libp2p, chunkServer, { groups, membership })
  return { node, membership, search, groups, tunnel, shelf, chunkServer, chunkTransport, trustSync, stop, leave }
}

export { createOverlayNode, type OverlayNode, type OverlayNodeInit, type OverlayLibp2p, type OverlayServices } from './node.js'
export { loadOrCreateIdentity, IDENTITY_FILE_NAME } from './identity.js'
export { readSwarmKey, parseSwarmKey, swarmKeyBytes, generateSwarmKeyText, writeNewSwarmKey } from './swarm-key.js'
export { parseBootstrapAddr } from './bootstrap.js'
export {
  Membership, MEMBERSHIP_PROTOCOL, MEMBER_STATES, type MemberInfo, type MemberTransition, type MemberState, type MembershipInit
} from './membership/index.js'
export { admittedNoise, swarmPrologue, ADMISSION_ENCRYPTION_PROTOCOL, type OverlayTrust } from './admission.js'
export { TrustSync, TRUST_TOPIC, TRUST_SYNC_PROTOCOL, type TrustSyncInit } from './trust-sync.js'
export { OverlaySearch, SEARCH_TOPIC, type SearchMatcher, type SearchResult, type PeerMatches, type OverlaySearchInit, type SearchStrategy } from './search.js'
export { SEARCH_PROTOCOL } from './search-channel.js'
export { Groups, HOST_MEMBER, groupTopic, validateGroupName, type GroupInfo, type GroupMessage, type GroupsInit } from './groups.js'
export { RpcTunnel, XMLRPC_PROTOCOL, type RpcTunnelHandler, type RpcTunnelInit } from './rpc-tunnel.js'
export * from './transfer/index.js'
export * from './errors.js'
