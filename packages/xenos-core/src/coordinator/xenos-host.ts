/**
 * Everything one Xenos host runs, wired together: the libp2p overlay node
 * (membership, flooded search, groups, the XML-RPC tunnel), the coordinator
 * over the injected driver, the `xenos.*` API in one method registry served
 * both over HTTP and over the overlay, and events on pubsub.
 *
 * Start order: API server (so the host record can carry its URL), overlay
 * (`startOverlay`), coordinator (reattach, config); the host answers
 * searches only once its coordinator runs (a search that arrives earlier
 * waits for it, within its deadline, and never gets an empty answer in its
 * place). Stop order is the reverse; the driver and its domains are left
 * running.
 *
 * @example
 * ```ts
 * const trust = await authority.hostTrust('/var/lib/xenos', 'lab1') // or HostTrust.open(...) with the files of `xenos cluster init`
 * const host = await startXenosHost({ dataDir: '/var/lib/xenos', apiPort: 7001, bootstrap: [...], trust }, { driver })
 * console.log(host.apiUrl, host.peerId)
 * await host.stop()
 * ```
 */
import type { HypervisorDriver, ImageTransferPort } from '@xenos/hypervisor-interface'
import { registerXenosApi } from '../api/methods.js'
import { faultFor } from '../api/faults.js'
import type { UserDirectory } from '../api/method-table.js'
import type { Principal } from '../auth/principal.js'
import { AuthenticationError } from '../auth/errors.js'
import { isClusterToken } from '../trust/documents.js'
import { MissingClusterCredentialsError } from '../trust/errors.js'
import type { HostTrust } from '../trust/host-trust.js'
import { hostIdentityDir } from '../trust/authority.js'
import { loadOrCreateApiCertificate } from '../tls/api-certificate.js'
import { X509Certificate } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { idGenerator } from '../ids.js'
import { startOverlay, type Overlay } from '../overlay/index.js'
import type { ChunkServerInit } from '../overlay/transfer/chunk-server.js'
import { ChunkService } from '../overlay/transfer/chunk-service.js'
import type { Membership, MembershipInit } from '../overlay/membership/index.js'
import type { OverlayNode } from '../overlay/node.js'
import type { FailoverInit } from '../failover/agent.js'
import { armWatchdog, type WatchdogInit } from '../failover/watchdog.js'
import { queryMatcher } from '../search/query.js'
import type { Credentials } from '../xmlrpc/credentials.js'
import { createXmlRpcHttpServer, type XmlRpcHttpServer } from '../xmlrpc/http-server.js'
import { MethodRegistry } from '../xmlrpc/registry.js'
import { coordinator, type Coordinator, type CoordinatorInit } from './coordinator.js'
import { imageFetcher } from './image-fetcher.js'
import { fileImageStore } from './file-image-store.js'
import { decodeGroupMessage, overlayNetwork, type OverlayNetwork } from './overlay-network.js'
import type { ImageFetcher, SearchKind, ServiceConfigSource } from './ports.js'
import { InvalidArgumentError, NotRunningError } from './errors.js'

export interface XenosHostInit {
  /** State, peer identity and overlay files live here. */
  dataDir: string
  /** libp2p listen multiaddrs. @default ['/ip4/127.0.0.1/tcp/0'] */
  listen?: string[]
  /** Multiaddrs (ending in /p2p/<peer id>) of hosts to join through. */
  bootstrap?: string[]
  /**
   * The cluster's credentials (`HostTrust`; `ClusterAuthority.hostTrust(dataDir, hostname)`
   * makes them for tests and in-process clusters): only admitted hosts that
   * hold the swarm key can connect, and cluster tokens authenticate users.
   * Required unless `insecureOpenOverlay`.
   */
  trust?: HostTrust
  /** An open overlay with no swarm key and no admission (see `createOverlayNode`); warns on every start. `trust`, if given, then only checks user tokens. */
  insecureOpenOverlay?: boolean
  /** HTTP API address. @default '127.0.0.1'. Anywhere but loopback the API serves HTTPS (see `apiTls`). */
  apiHost?: string
  /**
   * The API's certificate and key (PEM files). Off loopback without it, a
   * self-signed certificate is made once in `<dataDir>/api-tls/` (its
   * fingerprint is `XenosHost.apiTlsFingerprint`). On loopback, given, it is used too.
   */
  apiTls?: { certFile: string, keyFile: string }
  /** Serve plain HTTP off loopback: bearer tokens then cross the network in clear. Warns on every start. */
  insecureHttpApi?: boolean
  /** HTTP API port; 0 picks a free one. @default 0 */
  apiPort?: number
  /** Largest API request body, in bytes. @default 1 MiB */
  maxRequestBytes?: number
  tags?: string[]
  /**
   * Where the driver's images are files (the xen backend's image store):
   * templates then travel as verified chunks over libp2p. A backend whose
   * images are not files gives its own `images` port instead.
   */
  imageDir?: string
  membership?: MembershipInit
  /** The image chunk server: `uploadBps` caps what this host sends to image fetchers. */
  chunkServer?: ChunkServerInit
  /**
   * Deadline of a call to another coordinator over the overlay (a forwarded API call, a migration's
   * prepare and commit), dial and answer included, on both sides, in ms. A simulated cluster's hosts
   * give it room: their calls wait for simulated work, whose wall time depends on the machine.
   * @default 10000
   */
  peerCallTimeoutMs?: number
  /** How often service states are compared with the driver's (crash detection), in ms; 0 turns it off. @default 5000 */
  monitorIntervalMs?: number
  /**
   * The failover agent's timings (`failover/agent.ts`): guard this host's
   * services that have a restart policy, take over those of failed hosts,
   * fence when cut off. `false` turns it off. @default {} (on, default timings)
   */
  failover?: FailoverInit | false
  /**
   * The host's watchdog device, written to while the coordinator runs and
   * disarmed when it stops, so a coordinator that dies takes its guests with
   * it (the machine resets) before a survivor starts copies of them
   * (`failover/watchdog.ts`). @default none
   */
  watchdog?: WatchdogInit
  /** Options passed to the coordinator (clone mode, replication method...). */
  coordinator?: Omit<CoordinatorInit, 'dataDir' | 'apiUrl' | 'apiTlsFingerprint' | 'peerId' | 'tags'>
}

export interface XenosHostComponents {
  driver: HypervisorDriver
  /**
   * Checks credentials that are not cluster tokens (a `UserStore`, a test's
   * fixed tokens). Cluster tokens (`xenos1.…`) are always checked against
   * `trust`; other credentials without this are refused.
   */
  authenticate?: (credentials: Credentials) => Principal | Promise<Principal>
  /** Who may be named in grants; with `trust`, the cluster's users list (`xenos users add`). Without either, `xenos.grant` is refused. */
  users?: UserDirectory
  configSource?: ServiceConfigSource
  /**
   * How the driver's images move between hosts under the transfer algorithm
   * (`imageFetcher`): the backend's image store as chunks, and its own
   * transport when it has one (a simulator's network). @default files under
   * `imageDir` over the overlay; without either, this host cannot replicate
   * templates
   */
  images?: ImageTransferPort
  /** How templates are fetched. @default `imageFetcher` over `images` */
  fetcher?: ImageFetcher
  /** Told about errors that have no caller (event publishing, internal faults). */
  onError?: (err: unknown) => void
  /** Where the warnings of insecure modes go (printed on every start). @default console.warn */
  warn?: (message: string) => void
}

export interface XenosHost {
  readonly coordinator: Coordinator
  readonly overlay: Overlay
  readonly node: OverlayNode
  readonly network: OverlayNetwork
  readonly registry: MethodRegistry
  readonly peerId: string
  readonly apiUrl: string
  /** SHA-256 fingerprint of the API's certificate (`AB:CD:...`), when it serves HTTPS. */
  readonly apiTlsFingerprint: string | undefined
  readonly membership: Membership
  /** What the coordinator's start found: reattached domains, and the config files loaded with their problems. */
  readonly started: Awaited<ReturnType<Coordinator['start']>>
  /** The cluster's credentials, when the overlay is closed. */
  readonly trust: HostTrust | undefined
  /** Checks credentials as this host's API does (cluster tokens, then `authenticate`). */
  authenticate (credentials: Credentials): Promise<Principal>
  /**
   * Stop this host (its guests keep running). The other hosts declare it
   * failed and keep naming it in search results until it comes back, or an
   * administrator removes it.
   */
  stop (): Promise<void>
  /** Leave the cluster gracefully (the other hosts forget it), then stop. */
  leave (): Promise<void>
}

export async function startXenosHost (init: XenosHostInit, components: XenosHostComponents): Promise<XenosHost> {
  const report = components.onError ?? ((err: unknown) => { console.error('xenos host:', err) })
  const trust = init.trust
  if (trust === undefined && init.insecureOpenOverlay !== true) throw new MissingClusterCredentialsError('startXenosHost')
  const authenticate = async (credentials: Credentials): Promise<Principal> => {
    if (isClusterToken(credentials.token)) {
      if (trust === undefined) throw new AuthenticationError('credentials this host can check', 'a cluster token on a host of an open overlay')
      const principal = trust.verifyToken(credentials.token)
      if (credentials.scheme === 'basic' && credentials.user !== principal.user) {
        throw new AuthenticationError(`the token's own user "${principal.user}"`, `user "${credentials.user}"`)
      }
      return principal
    }
    if (components.authenticate !== undefined) return await components.authenticate(credentials)
    throw new AuthenticationError('a cluster token (xenos1.…)', 'another kind of token')
  }
  const stack: Array<() => Promise<void>> = []
  const unwind = async (): Promise<void> => { for (const s of stack.splice(0).reverse()) await s() }
  try {
    const registry = new MethodRegistry({ mapError: faultFor, ...(components.onError === undefined ? {} : { onInternalError: components.onError }) })
    const tls = await apiTlsFor(init, components.warn ?? console.warn)
    const server: XmlRpcHttpServer = createXmlRpcHttpServer({
      registry, authenticate,
      ...(tls === undefined ? {} : { tls }),
      ...(init.maxRequestBytes === undefined ? {} : { maxRequestBytes: init.maxRequestBytes })
    })
    const { url: apiUrl } = await server.listen(init.apiPort ?? 0, init.apiHost ?? '127.0.0.1')
    stack.push(async () => { await server.close() })

    /** Set once the coordinator runs; searches are answered only from then on (`search.setReady`). */
    const ref: { coordinator?: Coordinator } = {}
    const overlay: Overlay = await startOverlay({
      dataDir: hostIdentityDir(init.dataDir),
      name: components.driver.hostname,
      ...(init.listen === undefined ? {} : { listen: init.listen }),
      ...(init.bootstrap === undefined ? {} : { bootstrap: init.bootstrap }),
      // With insecureOpenOverlay, `trust` (if given) only checks user tokens.
      ...(trust === undefined || init.insecureOpenOverlay === true ? { insecureOpenOverlay: true } : { trust }),
      trustSync: { onError: report },
      ...(components.warn === undefined ? {} : { warn: components.warn }),
      ...(init.membership === undefined ? {} : { membership: init.membership }),
      ...(init.chunkServer === undefined ? {} : { chunkServer: init.chunkServer }),
      ...(init.peerCallTimeoutMs === undefined ? {} : { tunnel: { timeoutMs: init.peerCallTimeoutMs } }),
      search: { ready: false },
      matcher: async (query, kind) => {
        const coord = ref.coordinator
        // an error, not an empty answer: the querier names this host instead of taking "no matches" for real
        if (coord === undefined || coord.status !== 'running') throw new NotRunningError(components.driver.hostname, coord?.status ?? 'starting')
        return await coord.localSearch(kind as SearchKind, query) as unknown as Array<Record<string, unknown>>
      },
      // A call over the overlay comes from an admitted coordinator, never from a
      // user: it may call the peer methods, and acts for a user only with that
      // user's own credentials (xenos.peer.invoke).
      rpcHandler: async (bytes, remotePeer) => await registry.dispatch(bytes, { transport: 'libp2p', remotePeer })
    })
    stack.push(async () => { await overlay.stop() })
    if (trust !== undefined && trust.peerId !== overlay.node.peerId) {
      const expected = `the admission of this host's peer id ${overlay.node.peerId} (data directory ${init.dataDir})`
      throw new InvalidArgumentError('trust', expected, `one for ${trust.peerId}`)
    }
    const admittedAs = trust?.admittedName(trust.peerId)
    if (admittedAs !== undefined && admittedAs !== components.driver.hostname) {
      throw new InvalidArgumentError('trust', `an admission for host "${components.driver.hostname}" (its name binds the host)`, admittedAs)
    }
    const { node, search, tunnel, groups, membership } = overlay
    const network = overlayNetwork({
      searchDeadlineMs: init.coordinator?.searchDeadlineMs ?? 2000, ...(init.peerCallTimeoutMs === undefined ? {} : { callTimeoutMs: init.peerCallTimeoutMs })
    }, {
      libp2p: node.libp2p, search, tunnel, groups, membership, self: { hostname: components.driver.hostname, peerId: node.peerId }, onError: report,
      ...(overlay.node.trust === undefined ? {} : { admittedName: (peerId: string) => overlay.node.trust?.admittedName(peerId) })
    })
    const images = components.images ?? (init.imageDir === undefined ? undefined : { store: fileImageStore({ imageDir: init.imageDir }) })
    // a backend's own transport serves this host's shelf beside the overlay's chunk server
    const transport = images?.transport ?? overlay.chunkTransport
    if (images?.transport !== undefined) {
      const service = new ChunkService(overlay.shelf, images.transport.serviceClock ?? images.transport.clock, init.chunkServer)
      const unlisten = await images.transport.listen(node.peerId, service.answer)
      stack.push(async () => {
        service.close()
        await unlisten()
      })
    }
    const fetchOver = { transport: () => transport, overlay: () => overlay, network: () => network }
    const fetcher = components.fetcher ?? (images === undefined ? undefined : imageFetcher({}, { store: images.store, ...fetchOver }))
    const c = coordinator({
      ...init.coordinator, dataDir: init.dataDir, apiUrl, ...(tls === undefined ? {} : { apiTlsFingerprint: tls.fingerprint256 }),
      peerId: node.peerId, tags: init.tags ?? [],
      failover: init.failover ?? {}
    })({
      onError: report,
      driver: components.driver,
      ids: idGenerator({ peerId: node.peerId }),
      matcher: queryMatcher(),
      network,
      ...(fetcher === undefined ? {} : { fetcher }),
      ...(components.configSource === undefined ? {} : { configSource: components.configSource })
    })
    registerXenosApi(registry, {
      coordinator: c,
      authenticate,
      ...(overlay.trustSync === undefined ? {} : { trustSync: overlay.trustSync }),
      ...(components.users !== undefined ? { users: components.users } : trust !== undefined ? { users: { exists: user => trust.userExists(user) } } : {})
    })
    groups.onMessage((m) => {
      const { host, text } = decodeGroupMessage(m.data, network.hostOf(m.from) ?? m.from)
      c.deliverGroupMessage(m.group, host, text)
    })
    const started = await c.start()
    stack.push(async () => { await c.stop() })
    if (init.watchdog !== undefined) {
      const takeoverDelayMs = (init.failover === false ? undefined : init.failover?.takeoverDelayMs) ?? 10_000
      const wall = {
        setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms).unref(),
        clearTimeout: (t: unknown) => { clearTimeout(t as NodeJS.Timeout) }
      }
      const dog = await armWatchdog(init.watchdog, { clock: wall, takeoverDelayMs, onError: report })
      // disarmed first when the host stops: a graceful stop is not a death
      stack.push(async () => { await dog.disarm() })
    }
    ref.coordinator = c
    overlay.search.setReady(true)
    stack.push(async () => { overlay.search.setReady(false) })
    const monitorMs = init.monitorIntervalMs ?? 5000
    if (monitorMs > 0) {
      let running = false
      const timer = setInterval(() => {
        if (running || c.status !== 'running') return
        running = true
        c.reconcile().catch(report).finally(() => { running = false })
      }, monitorMs)
      timer.unref()
      stack.push(async () => { clearInterval(timer) })
    }
    const leave = async (): Promise<void> => {
      await membership.leave()
      await unwind()
    }
    return {
      coordinator: c, overlay, node, network, registry, peerId: node.peerId, apiUrl, apiTlsFingerprint: tls?.fingerprint256, membership, started, trust,
      authenticate, stop: unwind, leave
    }
  } catch (err) {
    await unwind()
    throw err
  }
}

/** True for addresses only this machine reaches: 127.0.0.0/8, ::1, localhost. */
export function isLoopback (host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/** The API's certificate: given, generated (off loopback), or none (loopback, or the insecure flag). */
async function apiTlsFor (init: XenosHostInit, warn: (message: string) => void): Promise<{ cert: string, key: string, fingerprint256: string } | undefined> {
  const host = init.apiHost ?? '127.0.0.1'
  if (init.apiTls !== undefined) {
    const cert = await readFile(init.apiTls.certFile, 'utf8')
    return { cert, key: await readFile(init.apiTls.keyFile, 'utf8'), fingerprint256: new X509Certificate(cert).fingerprint256 }
  }
  if (isLoopback(host)) return undefined
  if (init.insecureHttpApi === true) {
    warn(`WARNING: insecure HTTP API on ${host}: bearer tokens cross the network in clear`)
    return undefined
  }
  return await loadOrCreateApiCertificate(join(init.dataDir, 'api-tls'), host)
}
