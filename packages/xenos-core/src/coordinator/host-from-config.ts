/**
 * Start a Xenos host from a validated `host.yaml` (`loadHostConfig`)
 * and a driver the caller built from `config.driver` (core never builds a
 * driver itself). This is what `xenos coordinator --config host.yaml` runs.
 *
 * @example
 * ```ts
 * const config = await loadHostConfig('host.yaml')
 * const driver = config.driver.kind === 'xen' ? await xenDriver(...)() : simCluster.driver(config.hostname)
 * const host = await startHostFromConfig(config, { driver })
 * ```
 */
import { UserStore } from '../auth/user-store.js'
import type { HostConfig } from '../config/host-config.js'
import { serviceConfigSource } from '../config/service-loader.js'
import type { HypervisorDriver } from '@xenos/hypervisor-interface'
import { startXenosHost, type XenosHost, type XenosHostInit } from './xenos-host.js'

export interface HostFromConfigComponents {
  driver: HypervisorDriver
  onError?: (err: unknown) => void
}

/** The `startXenosHost` options a host file describes. */
export function hostInitFromConfig (config: HostConfig): XenosHostInit {
  return {
    dataDir: config.dataDir,
    listen: config.listen,
    bootstrap: config.bootstrap,
    ...(config.pskFile === undefined ? {} : { swarmKeyFile: config.pskFile }),
    apiHost: config.api.host,
    apiPort: config.api.port,
    maxRequestBytes: config.api.maxRequestBytes,
    tags: config.tags,
    membership: Object.fromEntries(Object.entries(config.membership).filter(([, v]) => v !== undefined)),
    ...(config.driver.kind === 'xen' ? { imageDir: config.driver.options.imageDir } : {}),
    coordinator: { createMissingImages: config.driver.kind === 'sim' }
  }
}

export async function startHostFromConfig (config: HostConfig, components: HostFromConfigComponents): Promise<XenosHost & { users: UserStore }> {
  const users = await UserStore.load(config.api.usersFile)
  const host = await startXenosHost(hostInitFromConfig(config), {
    driver: components.driver,
    authenticate: credentials => users.authenticate(credentials),
    authenticatePeer: peerId => users.authenticatePeer(peerId),
    users,
    configSource: serviceConfigSource(config.servicesDir),
    ...(components.onError === undefined ? {} : { onError: components.onError })
  })
  return Object.assign(host, { users })
}
