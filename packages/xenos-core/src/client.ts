/**
 * `@xenos/core/client`: what a program that only talks to coordinators
 * needs, and nothing that runs one: the failover client of the `xenos.*`
 * XML-RPC API, the records it returns, and the search query language (to
 * build or check a query locally). Importing it loads no overlay, no
 * coordinator and no HTTP server.
 *
 * @example
 * ```ts
 * import { xenosClient } from '@xenos/core/client'
 *
 * const token = process.env.XENOS_TOKEN ?? ''
 * const client = xenosClient({ endpoints: ['http://127.0.0.1:7001/RPC2'], credentials: { scheme: 'bearer', token } })
 * const { results, nonResponders } = await client.searchHosts('freeMemoryMiB>=512')
 * console.log(results.map(h => h.hostname), nonResponders)
 * client.close()
 * ```
 */
export { xenosClient, NoHostAvailableError, type XenosClient, type XenosClientInit, type XenosApiMethods } from './api/client.js'
export type { SearchResults } from './api/methods.js'
export type { Credentials } from './xmlrpc/credentials.js'
export { CertificatePinError, type ClientTls } from './xmlrpc/tls-client.js'
export { XmlRpcFault, XmlRpcTransportError, FaultCode } from './xmlrpc/fault.js'
export type { MigrateResult } from './coordinator/migration.js'
export type { ReplicateResult } from './coordinator/replication.js'
export type { GroupRecord, HostRecord, ServiceRecord, ServiceSearchRecord, TemplateRecord } from './coordinator/records.js'
export { parseQuery, compileQuery, matchesQuery, formatQuery, QuerySyntaxError, type Query, type Condition, type CompareOp } from './search/query.js'
