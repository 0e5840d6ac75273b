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
import type { HostConfig } from '../config/host-config.js'
import { serviceConfigSource } from '../config/service-loader.js'
import type { HypervisorDriver, ImageTransferPort } from '@xenos/hypervisor-interface'
import { hostIdentityDir, hostTrustStateDir, peerIdOfIdentity } from '../trust/authority.js'
import { TrustFileError } from '../trust/errors.js'
import { readOptional } from '../trust/files.js'
import { HostTrust } from '../trust/host-trust.js'
import { parseSignedDocument } from '../trust/signed.js'
import { startXenosHost, type XenosHost, type XenosHostInit } from './xenos-host.js'

export interface HostFromConfigComponents {
  driver: HypervisorDriver
  /** How the driver's images move between hosts (a backend whose images are not files under `imageDir`). */
  images?: ImageTransferPort
  onError?: (err: unknown) => void
  /** Where the warnings of insecure modes go. @default console.warn */
  warn?: (message: string) => void
}

/** The `startXenosHost` options a host file describes (without `trust`: see `hostTrustFromConfig`). */
export function hostInitFromConfig (config: HostConfig): XenosHostInit {
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
    ...(config.driver.kind === 'xen' ? { imageDir: config.driver.options.imageDir } : {}),
    coordinator: { createMissingImages: config.driver.kind === 'sim', searchDeadlineMs: config.searchDeadlineMs },
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
  return await HostTrust.open({ clusterDir: config.cluster, admission: parseSignedDocument(text, config.admission), peerId, stateDir: hostTrustStateDir(config.dataDir) })
}

export async function startHostFromConfig (config: HostConfig, components: HostFromConfigComponents): Promise<XenosHost> {
  const trust = await hostTrustFromConfig(config)
  return await startXenosHost({ ...hostInitFromConfig(config), ...(trust === undefined ? {} : { trust }) }, {
    driver: components.driver,
    ...(components.images === undefined ? {} : { images: components.images }),
    configSource: serviceConfigSource(config.servicesDir),
    ...(components.onError === undefined ? {} : { onError: components.onError }),
    ...(components.warn === undefined ? {} : { warn: components.warn })
  })
}
