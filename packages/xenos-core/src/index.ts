/**
 * @packageDocumentation
 * @xenos/core: The Xenos coordinator: libp2p overlay, advertisement and search, groups, XML-RPC API, templates, replication and migration
 * (Being built; see the open issues.)
 */
// --- H5 block: XML-RPC, auth, config, search query language, ids ---
export * from './xmlrpc/index.js'
export * from './auth/index.js'
export { parseQuery, compileQuery, compileParsedQuery, matchesQuery, canonicalQuery, formatQuery, formatCondition, resolvePath, globToRegExp, queryMatcher, QuerySyntaxError, type Query, type Condition, type CompareOp } from './search/query.js'
export { idGenerator, parseId, isValidId, peerTagOf, toHostLabel, encodeBase32, IdError, type IdGenerator, type IdGeneratorInit, type RandomSource } from './ids.js'
export {
  ConfigError, ConfigFileError, validateYaml, MAX_CONFIG_BYTES, hostConfigSchema, simDriverOptionsSchema, xenDriverOptionsSchema,
  parseHostConfig, loadHostConfig, parseListenAddress, templateFileSchema, serviceFileSchema, configFileSchema, templateFromFile,
  serviceFromFile, loadServiceConfigDir, parseServiceConfigFile, serviceConfigSource,
  type HostConfig, type HostConfigInput, type ServiceConfigLoad, type TemplateConfig as TemplateFileConfig, type ServiceConfig as ServiceFileConfig
} from './config/index.js'
// --- end H5 block ---
// --- H8 block: the coordinator (registry, persistence, operations, migration, events) and the API ---
export * from './coordinator/index.js'
export * from './api/index.js'
// --- end H8 block ---
// --- H6 block: the overlay (libp2p node, membership, search, groups, XML-RPC tunnel, image transfer) ---
export * from './overlay/index.js'
// --- end H6 block ---
export {}
