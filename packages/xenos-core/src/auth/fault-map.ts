import { XmlRpcFault } from '../xmlrpc/fault.js'

/** Maps `AuthenticationError` to fault 401 and `AuthorizationError` to 403; `undefined` for other errors. For `MethodRegistry`'s `mapError`. */
export function authFault (err: unknown): XmlRpcFault | undefined {
  if (err instanceof Error && (err.name === 'AuthenticationError' || err.name === 'AuthorizationError')) {
    const code = (err as Error & { faultCode?: unknown }).faultCode
    return new XmlRpcFault(typeof code === 'number' ? code : 403, err.message, { cause: err })
  }
  return undefined
}
