/**
 * @packageDocumentation
 * @xenos/core: the Xenos coordinator, one per host. It joins the libp2p
 * overlay, advertises the host and the services (virtual machines) it runs,
 * answers searches by attribute, keeps groups, and serves the `xenos.*`
 * XML-RPC API over HTTP and over the overlay: life cycle, instances from
 * templates, replication of templates and migration of running services with
 * their disk images. The hypervisor is injected as a `HypervisorDriver`
 * (`@xenos/xen-driver` on real Xen, `@xenos/sim-driver` on simulated hosts);
 * a host file names its driver by the kind of a `DriverPlugin` the
 * application registers (`driverRegistry`).
 *
 * @example
 * ```ts
 * import { ClusterAuthority, startXenosHost, xenosClient } from '@xenos/core'
 * import { loadPlatform, PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
 * import { SimCluster } from '@xenos/sim-driver'
 *
 * const sim = new SimCluster({ platform: await loadPlatform(PAPER_PLATFORM_FILE), seed: 1 })
 * // a new cluster: its swarm key, admission key and token issuing key (mode 0600)
 * const authority = await ClusterAuthority.create('/tmp/xenos/cluster')
 * const { token } = authority.issueToken('alice', 'user')
 * const aTrust = await authority.hostTrust('/tmp/xenos/a', 'node01')
 * const a = await startXenosHost({ dataDir: '/tmp/xenos/a', trust: aTrust }, { driver: sim.driver('node01') })
 * const bTrust = await authority.hostTrust('/tmp/xenos/b', 'node02')
 * const b = await startXenosHost({ dataDir: '/tmp/xenos/b', trust: bTrust, bootstrap: a.node.multiaddrs() }, { driver: sim.driver('node02') })
 * await a.membership.waitForMembers(1)
 * const client = xenosClient({ endpoints: [a.apiUrl], credentials: { scheme: 'bearer', token } })
 * const { results } = await client.searchHosts('backend=sim freeMemoryMiB>=512')
 * console.log(results.map(h => h.hostname))
 * client.close()
 * await b.stop(); await a.stop(); await sim.close()
 * ```
 */
// the errors' base, XML-RPC, authentication, configuration files, the search query language, ids
export { XenosError, InvalidArgumentError } from './errors.js'
export * from './xmlrpc/index.js'
export * from './auth/index.js'
export {
  parseQuery, compileQuery, compileParsedQuery, matchesQuery, canonicalQuery, formatQuery, formatCondition, resolvePath, globToRegExp, queryMatcher,
  QuerySyntaxError, type Query, type Condition, type CompareOp
} from './search/query.js'
export { idGenerator, parseId, isValidId, peerTagOf, toHostLabel, encodeBase32, type IdGenerator, type IdGeneratorInit, type RandomSource } from './ids.js'
export {
  ConfigError, ConfigFileError, validateYaml, MAX_CONFIG_BYTES, hostConfigSchema, driverRegistry,
  parseHostConfig, loadHostConfig, parseListenAddress, templateFileSchema, serviceFileSchema, configFileSchema, templateFromFile,
  serviceFromFile, loadServiceConfigDir, parseServiceConfigFile, serviceConfigSource,
  type HostConfig, type HostConfigInput, type DriverRegistry, type ServiceConfigLoad, type TemplateConfig as TemplateFileConfig,
  type ServiceConfig as ServiceFileConfig
} from './config/index.js'
// the coordinator (registry, persistence, operations, migration, events) and the API
export * from './coordinator/index.js'
export * from './failover/index.js'
export * from './api/index.js'
// the overlay (libp2p node, membership, search, groups, XML-RPC tunnel, image transfer)
export * from './overlay/index.js'
// cluster trust: the swarm key, admission of hosts, user tokens, revocation lists
export * from './trust/index.js'
// the API's HTTPS certificate
export { selfSignedCertificate, normalizeFingerprint, type Certificate, type SelfSignedInit } from './tls/self-signed.js'
export { loadOrCreateApiCertificate, apiCertificateNames } from './tls/api-certificate.js'
export { isLoopback } from './coordinator/xenos-host.js'
