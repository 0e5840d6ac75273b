/**
 * Who may do what (issue 4 item 5): administrators everything; a user reads
 * everything and controls only services it owns or that an administrator
 * granted it; peer coordinators (calls that arrived over the private
 * overlay, or an administrator) may call the `xenos.peer.*` methods.
 */
import type { CallContext } from '../xmlrpc/context.js'
import { FaultCode, XmlRpcFault } from '../xmlrpc/fault.js'
import type { ServiceRecord } from '../coordinator/records.js'
import { ForbiddenError } from './faults.js'

function principalOf (context: CallContext, method: string): { user: string, role: string } {
  const p = context.principal
  if (p === undefined) throw new XmlRpcFault(FaultCode.UNAUTHENTICATED, `${method}: expected an authenticated caller, found ${context.authFailure ?? 'no credentials'}`)
  return p
}

/** The calling user's name (the owner of what it creates). */
export function callerName (context: CallContext, method: string): string {
  return principalOf(context, method).user
}

export function isAdmin (context: CallContext): boolean {
  return context.principal?.role === 'admin'
}

/** Throws `ForbiddenError` unless the caller may control `service`. */
export function assertMayControl (context: CallContext, method: string, service: ServiceRecord): void {
  const p = principalOf(context, method)
  if (p.role === 'admin' || service.owner === p.user || service.grantees.includes(p.user)) return
  throw new ForbiddenError(p.user, method, `service ${service.id}`)
}

export function assertAdmin (context: CallContext, method: string, target: string): void {
  const p = principalOf(context, method)
  if (p.role !== 'admin') throw new ForbiddenError(p.user, method, target)
}

/** Peer methods: an administrator, or a coordinator calling over the overlay (libp2p with a remote peer id). */
export function assertPeer (context: CallContext, method: string): void {
  if (context.transport === 'libp2p' && context.remotePeer !== undefined) return
  if (isAdmin(context)) return
  throw new ForbiddenError(context.principal?.user ?? '(anonymous)', method, 'the peer protocol (coordinators over the overlay, or administrators)')
}
