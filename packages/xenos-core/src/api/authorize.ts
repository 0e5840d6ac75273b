/**
 * Who may do what: the role and ownership policy (`auth/authorizer.ts`,
 * documented in docs/api.md) applied to coordinator records, plus the peer
 * rule for the `xenos.peer.*` methods: coordinators calling over the private
 * overlay (libp2p, authenticated by Noise and the pre-shared key), or an
 * administrator.
 */
import { DEFAULT_POLICY, authorizer, type Authorizer } from '../auth/authorizer.js'
import type { CallContext } from '../xmlrpc/context.js'
import type { ServiceRecord } from '../coordinator/records.js'
import { ForbiddenError } from './faults.js'

/** The role and ownership policy, plus the event stream and forwarding (the forwarded call is checked where it runs), for every user. */
const policy: Authorizer = authorizer({ ...DEFAULT_POLICY, 'xenos.events': 'user', 'xenos.forward': 'user' })

/** Throws `AuthenticationError` or `AuthorizationError` unless the caller may call `method` (on `service`, for owner-level methods). */
export function authorize (context: CallContext, method: string, service?: ServiceRecord): void {
  policy.authorize(context.principal, method, service === undefined ? undefined : { id: service.id, owner: service.owner, grantees: service.grantees })
}

/** The calling user's name (the owner of what it creates); call after `authorize`. */
export function callerName (context: CallContext): string {
  return context.principal?.user ?? '(anonymous)'
}

/** Peer methods: a coordinator calling over the overlay (libp2p with a remote peer id), or an administrator. */
export function assertPeer (context: CallContext, method: string): void {
  if (context.transport === 'libp2p' && context.remotePeer !== undefined) return
  if (context.principal?.role === 'admin') return
  throw new ForbiddenError(context.principal?.user ?? '(anonymous)', method, 'the peer protocol (coordinators over the overlay, or administrators)')
}
