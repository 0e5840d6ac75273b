/**
 * The Xenos API: the method table (`XENOS_API`: every `xenos.*` method with
 * its parameters, result, help and access level), its XML-RPC registration,
 * the fault codes of errors, the typed failover client derived from the
 * table, and docs/api.md rendered from it.
 */
export { registerXenosApi, XENOS_API, XENOS_METHODS, XENOS_PREFIX, destinationOf, type SearchResults } from './methods.js'
export {
  method, registerApi, targetIndex,
  type ApiMethod, type ApiTable, type ApiCall, type ArgsOf, type ClientArgs, type ResultOf, type ParamsOfMethod, type UserDirectory, type RegisterApiComponents
} from './method-table.js'
export type { Param, Member, Result } from './params.js'
export { xenosClient, NoHostAvailableError, type XenosClient, type XenosClientInit, type XenosApiMethods } from './client.js'
export { faultFor, FAULTS, FAULT_CODES, type FaultDescription } from './faults.js'
export { authorize, assertPeer, callerOf } from './authorize.js'
