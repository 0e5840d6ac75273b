/**
 * The Xenos API: `xenos.*` XML-RPC methods over a coordinator, their
 * authorisation and fault codes, and the typed failover client.
 */
export { registerXenosApi, XENOS_METHODS, destinationOf } from './methods.js'
export { xenosClient, NoHostAvailableError, type XenosClient, type XenosClientInit, type SearchResults } from './client.js'
export { ForbiddenError, faultFor } from './faults.js'
export { authorize, assertPeer } from './authorize.js'
