/**
 * Who may do what: the rule behind each access level of the API's method
 * table (`api/methods.ts`, documented in docs/api.md). The table names one
 * level per method; the API layer calls `authorize` before the handler runs,
 * with the target service's owner and grantees for `owner` methods.
 */
import { AuthenticationError, AuthorizationError } from './errors.js'
import type { Principal } from './principal.js'

/**
 * - `anonymous`: anyone, even without credentials;
 * - `user`: any authenticated user;
 * - `owner`: an admin, the target service's owner, or a user it was granted to;
 * - `admin`: administrators only;
 * - `peer`: another coordinator of the overlay (authenticated by the transport), or an administrator.
 */
export type AccessLevel = 'anonymous' | 'user' | 'owner' | 'admin' | 'peer'

export const ACCESS_LEVELS: readonly AccessLevel[] = ['anonymous', 'user', 'owner', 'admin', 'peer']

/** What each level means, as docs/api.md says it. */
export const ACCESS_RULES: Readonly<Record<AccessLevel, string>> = {
  anonymous: 'anyone, without credentials',
  user: 'any authenticated user',
  owner: 'an administrator, the owner of the target service, or a user an administrator granted it to',
  admin: 'administrators only',
  peer: 'another coordinator calling over the overlay, or an administrator'
}

/** Who is calling, as the transport established it. */
export interface Caller {
  /** The authenticated user; absent without valid credentials. */
  principal?: Principal
  /** The peer id of a coordinator calling over the overlay; absent otherwise. */
  peer?: string
  /** Why credentials that came with the call were refused (said in the 401 fault). */
  authFailure?: string
}

/** What an ownership check needs to know about a service. */
export interface OwnedTarget {
  /** Service id or name, for messages. */
  id: string
  owner: string
  grantees: readonly string[]
}

/** True when `principal` may control `target` (admin, owner or grantee). */
export function canControl (principal: Principal, target: OwnedTarget): boolean {
  return principal.role === 'admin' || target.owner === principal.user || target.grantees.includes(principal.user)
}

/**
 * Returns when `caller` may call `method` at `level` (on `target`, for `owner`
 * methods); throws `AuthenticationError` when credentials are needed and
 * absent, `AuthorizationError` when the caller is known but not allowed.
 * An `owner` check without a target refuses (fail closed).
 */
export function authorize (level: AccessLevel, caller: Caller, method: string, target?: OwnedTarget): void {
  if (level === 'anonymous') return
  if (level === 'peer' && caller.peer !== undefined) return
  const principal = caller.principal
  if (principal === undefined) {
    const expected = `${method} to be called with a valid token (Authorization: Bearer <token>, or basic auth user:token)`
    throw new AuthenticationError(expected, caller.authFailure ?? 'no credentials')
  }
  if (principal.role === 'admin') return
  switch (level) {
    case 'user': return
    case 'admin': throw new AuthorizationError(principal.user, method, 'the admin role', `role ${principal.role}`)
    case 'peer': throw new AuthorizationError(principal.user, method, 'a coordinator of the overlay or the admin role', `role ${principal.role}`)
    case 'owner':
      if (target === undefined) throw new AuthorizationError(principal.user, method, 'a target service to check ownership against', 'none')
      if (canControl(principal, target)) return
      throw new AuthorizationError(principal.user, method, `owner of service "${target.id}" or a grant from an administrator`,
        `owner "${target.owner}"${target.grantees.length > 0 ? `, granted to ${target.grantees.join(', ')}` : ', no grants'}`)
  }
}
