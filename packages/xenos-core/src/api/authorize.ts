/**
 * Who is calling, as the API's access rules see it: the user the transport
 * authenticated, and, for calls that arrive over the overlay's libp2p
 * tunnel, the coordinator that sent them. The rules themselves are in
 * `auth/authorizer.ts`; the method table names one level per method.
 */
import { authorize as authorizeLevel, type AccessLevel, type Caller, type OwnedTarget } from '../auth/authorizer.js'
import type { CallContext } from '../xmlrpc/context.js'

/** The caller of a call: its user, and the peer coordinator it came from (libp2p only). */
export function callerOf (context: CallContext): Caller {
  return {
    ...(context.principal === undefined ? {} : { principal: context.principal }),
    ...(context.transport === 'libp2p' && context.remotePeer !== undefined ? { peer: context.remotePeer } : {}),
    ...(context.authFailure === undefined ? {} : { authFailure: context.authFailure })
  }
}

/** The calling user's name (the owner of what it creates); `(anonymous)` without one. */
export function callerName (context: CallContext): string {
  return context.principal?.user ?? '(anonymous)'
}

/** Throws `AuthenticationError` or `AuthorizationError` unless the caller of `context` may call `method` at `level`. */
export function authorize (context: CallContext, level: AccessLevel, method: string, target?: OwnedTarget): void {
  authorizeLevel(level, callerOf(context), method, target)
}

/** Peer methods: a coordinator calling over the overlay, or an administrator. */
export function assertPeer (context: CallContext, method: string): void {
  authorizeLevel('peer', callerOf(context), method)
}
