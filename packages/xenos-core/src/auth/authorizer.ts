/**
 * Who may call what. Roles: `admin` may do everything; `user` may read and
 * search, create instances (which it then owns), create groups and publish,
 * and control only services it owns or that an administrator granted it.
 *
 * The API layer calls `authorize(principal, method, target)` in each handler,
 * with the target service's owner and grantees once it has looked them up.
 */
import { AuthenticationError, AuthorizationError } from './errors.js'
import type { Principal } from './principal.js'

/**
 * - `public`: anyone, even without credentials;
 * - `user`: any authenticated user;
 * - `owner`: an admin, the target's owner, or a user the target was granted to;
 * - `admin`: administrators only.
 */
export type AccessLevel = 'public' | 'user' | 'owner' | 'admin'

/** What an ownership check needs to know about a service. */
export interface OwnedTarget {
  /** Service id or name, for messages. */
  id: string
  owner: string
  grantees: readonly string[]
}

/** The access level of each API method. Methods not listed are `admin` (fail closed). */
export const DEFAULT_POLICY: Readonly<Record<string, AccessLevel>> = {
  'system.listMethods': 'public',
  'system.methodHelp': 'public',
  'system.methodSignature': 'public',
  'system.multicall': 'public',
  'xenos.hostInfo': 'user',
  'xenos.listServices': 'user',
  'xenos.getService': 'user',
  'xenos.searchServices': 'user',
  'xenos.searchHosts': 'user',
  'xenos.listTemplates': 'user',
  'xenos.listGroups': 'user',
  'xenos.createGroup': 'user',
  'xenos.publish': 'user',
  'xenos.createInstance': 'user',
  'xenos.serviceStats': 'owner',
  'xenos.startService': 'owner',
  'xenos.stopService': 'owner',
  'xenos.pauseService': 'owner',
  'xenos.unpauseService': 'owner',
  'xenos.destroyService': 'owner',
  'xenos.checkpointService': 'owner',
  'xenos.migrateService': 'owner',
  'xenos.joinGroup': 'owner',
  'xenos.leaveGroup': 'owner',
  'xenos.replicateTemplate': 'admin',
  'xenos.grant': 'admin',
  'xenos.revoke': 'admin'
}

export interface Authorizer {
  /** The level of a method under this policy. */
  levelOf (method: string): AccessLevel
  /**
   * Throws `AuthenticationError` (no principal where one is needed) or
   * `AuthorizationError`; returns when the call is allowed. `target` is
   * required for `owner` methods.
   */
  authorize (principal: Principal | undefined, method: string, target?: OwnedTarget): void
  /** True when `principal` may control `target` (admin, owner or grantee). */
  canControl (principal: Principal, target: OwnedTarget): boolean
}

export function authorizer (policy: Readonly<Record<string, AccessLevel>> = DEFAULT_POLICY): Authorizer {
  const levelOf = (method: string): AccessLevel => Object.prototype.hasOwnProperty.call(policy, method) ? policy[method] as AccessLevel : 'admin'
  const canControl = (p: Principal, t: OwnedTarget): boolean => p.role === 'admin' || t.owner === p.user || t.grantees.includes(p.user)
  return {
    levelOf,
    canControl,
    authorize (principal, method, target) {
      const level = levelOf(method)
      if (level === 'public') return
      if (principal === undefined) throw new AuthenticationError('a valid token', 'no credentials')
      if (principal.role === 'admin') return
      if (level === 'user') return
      if (level === 'admin') throw new AuthorizationError(principal.user, method, 'the admin role', `role ${principal.role}`)
      if (target === undefined) throw new AuthorizationError(principal.user, method, 'a target service to check ownership against', 'none')
      if (!canControl(principal, target)) {
        throw new AuthorizationError(principal.user, method, `owner of service "${target.id}" or a grant from an administrator`, `owner "${target.owner}"${target.grantees.length > 0 ? `, granted to ${target.grantees.join(', ')}` : ', no grants'}`)
      }
    }
  }
}

/**
 * A grant by an administrator: returns the new grantee list. Throws
 * `AuthorizationError` unless `actor` is an admin.
 */
export function grantAccess (actor: Principal, target: OwnedTarget, user: string): string[] {
  if (actor.role !== 'admin') throw new AuthorizationError(actor.user, 'xenos.grant', 'the admin role', `role ${actor.role}`)
  return target.grantees.includes(user) ? [...target.grantees] : [...target.grantees, user]
}

/** Removes a grant (admins only). */
export function revokeAccess (actor: Principal, target: OwnedTarget, user: string): string[] {
  if (actor.role !== 'admin') throw new AuthorizationError(actor.user, 'xenos.revoke', 'the admin role', `role ${actor.role}`)
  return target.grantees.filter(g => g !== user)
}
