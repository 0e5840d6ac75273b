/**
 * Start a Xenos host from a validated `host.yaml` (`loadHostConfig`): the
 * driver is made by the plugin its `driver.kind` names, among those the
 * application registered (`driverRegistry`), and how templates travel
 * follows the image store the plugin reports. This is what
 * `xenos coordinator --config host.yaml` runs.
 *
 * @example
 * ```ts
 * const drivers = driverRegistry([simDriverPlugin, xenDriverPlugin])
 * const config = await loadHostConfig('host.yaml', drivers)
 * const host = await startHostFromConfig(config, { drivers })
 * await host.stop() // the driver is closed with it; its domains keep running
 * ```
 */
import type { DriverRegistry } from '../config/driver-registry.js'
import type { HostConfig } from '../config/host-config.js'
import { serviceConfigSource } from '../config/service-loader.js'
import type { DriverImageStore, PluginDriver } from '@xenos/hypervisor-interface'
import { hostIdentityDir, hostTrustStateDir, peerIdOfIdentity } from '../trust/authority.js'
import { TrustFileError } from '../trust/errors.js'
import { readOptional } from '../trust/files.js'
import { HostTrust } from '../trust/host-trust.js'
import { parseSignedDocument } from '../trust/signed.js'
import { startXenosHost, type XenosHost, type XenosHostInit } from './xenos-host.js'

export interface HostFromConfigComponents {
  /** The driver plugins; the host file's `driver.kind` names one. */
  drivers: DriverRegistry
  onError?: (err: unknown) => void
  /** Where the warnings of insecure modes go. @default console.warn */
  warn?: (message: string) => void
}

/**
 * The `startXenosHost` options a host file describes, for a driver whose
 * image store is `images` (without `trust`: see `hostTrustFromConfig`).
 */
export function hostInitFromConfig (config: HostConfig, images: DriverImageStore): XenosHostInit {
  return {
    dataDir: config.dataDir,
    listen: config.listen,
    bootstrap: config.bootstrap,
    ...(config.insecureOpenOverlay ? { insecureOpenOverlay: true } : {}),
    apiHost: config.api.host,
    apiPort: config.api.port,
    ...(config.api.tls === undefined ? {} : { apiTls: { certFile: config.api.tls.cert, keyFile: config.api.tls.key } }),
    ...(config.api.insecureHttp ? { insecureHttpApi: true } : {}),
    maxRequestBytes: config.api.maxRequestBytes,
    tags: config.tags,
    membership: Object.fromEntries(Object.entries(config.membership).filter(([, v]) => v !== undefined)),
    monitorIntervalMs: config.monitorIntervalMs,
    peerCallTimeoutMs: config.peerCallTimeoutMs,
    ...(images.kind === 'files' ? { imageDir: images.imageDir } : {}),
    coordinator: { createMissingImages: images.kind === 'port' && images.blankMissingImages, searchDeadlineMs: config.searchDeadlineMs },
    failover: config.failover.enabled
      ? Object.fromEntries(Object.entries(config.failover).filter(([k, v]) => k !== 'enabled' && k !== 'watchdog' && v !== undefined))
      : false,
    ...(config.failover.watchdog === undefined ? {} : { watchdog: config.failover.watchdog })
  }
}

/**
 * The host's cluster credentials: the cluster directory's `cluster.json` and
 * `swarm.key`, and its admission record (`admission:`). `undefined` on an
 * open overlay. Throws `TrustFileError` naming the command to run when the
 * host has not been admitted yet.
 */
export async function hostTrustFromConfig (config: HostConfig): Promise<HostTrust | undefined> {
  if (config.cluster === undefined) return undefined
  const peerId = await peerIdOfIdentity(hostIdentityDir(config.dataDir))
  const text = await readOptional(config.admission)
  if (text === undefined) {
    throw new TrustFileError(config.admission, `expected this host's admission record, found none: admit peer id ${peerId} on the administrator's machine `
      + `(xenos hosts admit ${peerId} --cluster <cluster dir> --out admission.json) and put the file here`)
  }
  const admission = parseSignedDocument(text, config.admission)
  return await HostTrust.open({ clusterDir: config.cluster, admission, peerId, stateDir: hostTrustStateDir(config.dataDir) })
}

/**
 * Starts the host a host file describes, with the driver its plugin makes.
 * The host's `stop` and `leave` close that driver too (its domains keep
 * running); a start that fails closes it.
 */
export async function startHostFromConfig (config: HostConfig, components: HostFromConfigComponents): Promise<XenosHost> {
  const trust = await hostTrustFromConfig(config)
  const plugin = components.drivers.get(config.driver.kind)
  const made: PluginDriver = await plugin.create(config.driver.options, {
    dataDir: config.dataDir, file: config.file, ...(config.hostname === undefined ? {} : { hostname: config.hostname })
  })
  let host: XenosHost
  try {
    host = await startXenosHost({ ...hostInitFromConfig(config, made.images), ...(trust === undefined ? {} : { trust }) }, {
      driver: made.driver,
      ...(made.images.kind === 'port' ? { images: made.images.port } : {}),
      configSource: serviceConfigSource(config.servicesDir),
      ...(components.onError === undefined ? {} : { onError: components.onError }),
      ...(components.warn === undefined ? {} : { warn: components.warn })
    })
  } catch (err) {
    await made.close()
    throw err
  }
  return {
    ...host,
    stop: async () => { try { await host.stop() } finally { await made.close() } },
    leave: async () => { try { await host.leave() } finally { await made.close() } }
  }
}
