/**
 * N real Xenos hosts for a test, one per driver: each a full
 * `startXenosHost` (libp2p over loopback, the XML-RPC API over HTTP, the
 * coordinator) with its own data directory, admitted to a closed cluster
 * (a `ClusterAuthority` of its own unless one is given: the secure default),
 * bootstrapped to the first host and the one before it, known to every other
 * before `startTestCluster` resolves. `stop` stops them in reverse order,
 * closes the clients it gave and removes the directory it made.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { HypervisorDriver } from '@xenos/hypervisor-interface'
import { xenosClient, type XenosClient, type XenosClientInit } from '../api/client.js'
import type { ServiceConfig, TemplateConfig } from '../coordinator/index.js'
import { startXenosHost, type XenosHost, type XenosHostComponents, type XenosHostInit } from '../coordinator/xenos-host.js'
import { XenosError } from '../errors.js'
import { ClusterAuthority } from '../trust/authority.js'
import { staticConfig } from './static-config.js'
import { testAuthenticate, TEST_TOKENS } from './test-users.js'

export interface TestClusterHost {
  /** The host's driver; its `hostname` names the host. */
  driver: HypervisorDriver
  /** Templates its configuration declares. */
  templates?: TemplateConfig[]
  /** Services its configuration declares. */
  services?: ServiceConfig[]
  /** More of the host's init (tags, imageDir, coordinator options, chunk server...). */
  init?: Partial<Omit<XenosHostInit, 'dataDir' | 'bootstrap' | 'trust'>>
  /** More of its components (how its images travel, a fetcher...). */
  components?: Partial<Omit<XenosHostComponents, 'driver'>>
}

export interface TestClusterInit {
  hosts: TestClusterHost[]
  /** Each host's data directory is `<dir>/<hostname>`. @default a new temporary directory, removed by `stop` */
  dir?: string
  /** The cluster the hosts are admitted to. @default a new one in `<dir>/cluster` */
  authority?: ClusterAuthority
  /** Checks API credentials. @default testAuthenticate (the test users of TEST_TOKENS) */
  authenticate?: XenosHostComponents['authenticate']
  /** Seconds to wait until every host knows every other. @default 60, and 2 more per host */
  readyTimeoutS?: number
}

export interface TestCluster {
  /** The hosts, in the order given. */
  readonly hosts: readonly XenosHost[]
  /** Their host names, in the same order. */
  readonly names: readonly string[]
  /** The directory the hosts' data directories are in. */
  readonly dir: string
  /** The cluster the hosts are admitted to (it issues tokens, admits and revokes). */
  readonly authority: ClusterAuthority
  /** The host named `name`. */
  host (name: string): XenosHost
  /** A client of the API of a host (by index or name) with a test user's token (the administrator's by default); `stop` closes it. */
  client (host: number | string, token?: string, options?: Partial<Omit<XenosClientInit, 'endpoints' | 'credentials'>>): XenosClient
  stop (): Promise<void>
}

/** A test cluster that could not be started (a host that did not come up, hosts that never learnt of each other). */
export class TestClusterError extends XenosError {}

/**
 * Starts a host per entry of `init.hosts` and resolves once every host knows
 * every other; on a failure part way, stops what it started and rejects.
 *
 * @example
 * ```ts
 * const sim = new SimCluster({ platform: await loadPlatform(PAPER_PLATFORM_FILE), seed: 1 })
 * const cluster = await startTestCluster({ hosts: sim.hostnames().slice(0, 3).map(h => ({ driver: sim.driver(h) })) })
 * const hosts = await cluster.client(0).searchHosts('')
 * await cluster.stop()
 * ```
 */
export async function startTestCluster (init: TestClusterInit): Promise<TestCluster> {
  if (init.hosts.length === 0) throw new TestClusterError('startTestCluster: expected at least one host, found none')
  const names = init.hosts.map(h => h.driver.hostname)
  const duplicate = names.find((n, i) => names.indexOf(n) !== i)
  if (duplicate !== undefined) throw new TestClusterError(`startTestCluster: expected one driver per host name, found ${duplicate} twice`)
  const made = init.dir === undefined
  const dir = init.dir ?? await mkdtemp(join(tmpdir(), 'xenos-test-cluster-'))
  const hosts: XenosHost[] = []
  const clients: XenosClient[] = []
  const stop = async (): Promise<void> => {
    for (const c of clients.splice(0)) c.close()
    for (const h of hosts.splice(0).reverse()) await h.stop()
    if (made) await rm(dir, { recursive: true, force: true })
  }
  let authority: ClusterAuthority | undefined = init.authority
  try {
    authority ??= await ClusterAuthority.create(join(dir, 'cluster'))
    for (const [i, h] of init.hosts.entries()) {
      const bootstrap = i === 0 ? [] : [...new Set([hosts[0]!.node.multiaddrs()[0]!, hosts[i - 1]!.node.multiaddrs()[0]!])]
      hosts.push(await startXenosHost({
        ...h.init,
        dataDir: join(dir, names[i]!),
        trust: await authority.hostTrust(join(dir, names[i]!), names[i]!),
        bootstrap
      }, {
        authenticate: init.authenticate ?? testAuthenticate,
        configSource: staticConfig(h.templates ?? [], h.services ?? []),
        ...h.components,
        driver: h.driver
      }))
    }
    const timeoutMs = 1000 * (init.readyTimeoutS ?? 60 + 2 * hosts.length)
    await Promise.all(hosts.map(async (h) => { await h.membership.waitForMembers(hosts.length - 1, timeoutMs) }))
  } catch (err) {
    const views = hosts.map((h, i) => `${names[i]} knows ${h.membership.members().length}`).join(', ')
    await stop()
    const found = `${(err as Error).message}${views === '' ? '' : ` (${views})`}`
    throw new TestClusterError(`startTestCluster: expected ${names.length} hosts started and known to each other, found ${found}`, { cause: err })
  }
  const indexOf = (host: number | string): number => {
    const i = typeof host === 'number' ? host : names.indexOf(host)
    if (hosts[i] === undefined) throw new TestClusterError(`expected a host of the test cluster (${names.join(', ')}), found ${String(host)}`)
    return i
  }
  return {
    hosts,
    names,
    dir,
    authority,
    host: name => hosts[indexOf(name)]!,
    client (host, token = TEST_TOKENS.root, options = {}) {
      const c = xenosClient({ timeoutMs: 60_000, ...options, endpoints: [hosts[indexOf(host)]!.apiUrl], credentials: { scheme: 'bearer', token } })
      clients.push(c)
      return c
    },
    stop
  }
}
