/**
 * The shape of the API's method table and how a table becomes registered
 * XML-RPC methods. Each entry declares a method once: its parameters (types
 * and checks), its result type, its help text and its access level; the
 * registration derives the XML-RPC signature and help from it, and checks
 * the caller's rights before the handler runs, so no handler can forget to.
 *
 * Order of checks for a call: the number and XML-RPC types of the parameters
 * (the registry, -32602), the caller's level (401 without credentials, 403
 * for a role below it), the parameters' values (400), the target service (404
 * when absent), the caller's rights on the target for `owner` methods (403),
 * then the handler.
 */
import type { AccessLevel, Caller } from '../auth/authorizer.js'
import { authorize } from '../auth/authorizer.js'
import type { Coordinator } from '../coordinator/coordinator.js'
import type { ServiceRecord } from '../coordinator/records.js'
import type { CallContext } from '../xmlrpc/context.js'
import type { MethodRegistry } from '../xmlrpc/registry.js'
import type { ParamSpec } from '../xmlrpc/signature.js'
import type { XmlRpcValue } from '../xmlrpc/values.js'
import type { Credentials } from '../xmlrpc/credentials.js'
import type { Principal } from '../auth/principal.js'
import type { TrustSync } from '../overlay/trust-sync.js'
import { callerOf, callerName } from './authorize.js'
import { faultFor } from './faults.js'
import type { Param, Result } from './params.js'
import { toXmlRpc } from './values.js'

/** Users this host can name in grants. */
export interface UserDirectory {
  /** True when `user` is a user of the cluster. */
  exists (user: string): boolean | Promise<boolean>
}

/** What a handler gets besides its parameters. */
export interface ApiCall {
  readonly coordinator: Coordinator
  readonly context: CallContext
  /** The caller's user name (the owner of what it creates); `(anonymous)` without one. */
  readonly caller: string
  /** The service named by the method's target parameter, already checked against the caller. Only for methods that have one. */
  readonly target: ServiceRecord
  readonly users: UserDirectory | undefined
  /** Checks credentials as this host's API does (a forwarded call's own credentials, `xenos.peer.invoke`). */
  readonly authenticate: ((credentials: Credentials) => Promise<Principal>) | undefined
  /** Spreads revocation lists (`xenos.trust.*`); absent on an open overlay. */
  readonly trustSync: TrustSync | undefined
  /** Runs another method of the same registry in the given context (forwarded calls). */
  dispatch (method: string, params: XmlRpcValue[], context: CallContext): Promise<unknown>
}

/** The handler's arguments for a parameter list. */
export type ArgsOf<P extends readonly Param[]> = { -readonly [K in keyof P]: P[K] extends Param<infer T> ? T : never }

/** The typed client's arguments: optional parameters become optional arguments. */
export type ClientArgs<P extends readonly Param[]>
  = P extends readonly [infer H, ...infer R extends readonly Param[]]
    ? H extends Param<infer T, true> ? [arg?: Exclude<T, undefined>, ...ClientArgs<R>]
      : H extends Param<infer T, false> ? [arg: T, ...ClientArgs<R>] : never
    : []

export interface ApiMethod<P extends readonly Param[] = readonly Param[], R = unknown> {
  /** Who may call it (see `ACCESS_RULES`). */
  readonly access: AccessLevel
  readonly params: P
  readonly returns: Result<R>
  /** One paragraph for `system.methodHelp` and docs/api.md. */
  readonly help: string
  readonly run: (args: ArgsOf<P>, call: ApiCall) => R | Promise<R>
}

/** Methods by their name after the table's prefix (`getService` for `xenos.getService`). */
export type ApiTable = Record<string, ApiMethod<any, any>> // eslint-disable-line @typescript-eslint/no-explicit-any

/** The result type a method declares. */
export type ResultOf<M> = M extends { readonly returns: Result<infer R> } ? R : never
/** The parameter list a method declares. */
export type ParamsOfMethod<M> = M extends { readonly params: infer P extends readonly Param[] } ? P : never

/** Declares one method (an identity function that keeps its types). */
export function method<const P extends readonly Param[], R> (m: ApiMethod<P, R>): ApiMethod<P, R> {
  return m
}

/** The position of a method's target parameter, or -1. */
export function targetIndex (m: ApiMethod): number {
  return m.params.findIndex(p => p.target === true)
}

/** Signature specs (`string`, `struct?`) for the registry. */
export function paramSpecs (m: ApiMethod): ParamSpec[] {
  return m.params.map(p => (p.optional ? `${p.type}?` : p.type) as ParamSpec)
}

export interface RegisterApiComponents {
  coordinator: Coordinator
  /** Who may be named in grants; without it, grants are refused. */
  users?: UserDirectory
  /** Checks the credentials a forwarded call carries; without it forwarded calls are refused. */
  authenticate?: (credentials: Credentials) => Promise<Principal>
  /** Spreads revocation lists (`xenos.trust.*`). */
  trustSync?: TrustSync
}

/** Registers every method of `table` as `prefix + key`. */
export function registerApi (registry: MethodRegistry, table: ApiTable, prefix: string, components: RegisterApiComponents): void {
  for (const [key, m] of Object.entries(table)) {
    const name = `${prefix}${key}`
    const at = targetIndex(m)
    if (m.access === 'owner' && at < 0) throw new TypeError(`${name}: expected an owner-level method to have a target service parameter, found none`)
    registry.register({
      name,
      params: paramSpecs(m),
      returns: m.returns.type,
      help: m.help,
      // every rule, including who needs credentials, is applied below
      access: 'public',
      handler: async (raw: XmlRpcValue[], context: CallContext) => {
        try {
          const caller: Caller = callerOf(context)
          // the caller's level first (an owner check needs credentials before anything is looked up)
          authorize(m.access === 'owner' ? 'user' : m.access, caller, name)
          const args = m.params.map((p: Param, i: number) => raw[i] === undefined ? undefined : p.parse(raw[i], p.name))
          let target: ServiceRecord | undefined
          if (at >= 0) {
            target = components.coordinator.getService(args[at] as string)
            if (m.access === 'owner') authorize('owner', caller, name, target)
          }
          const call: ApiCall = {
            coordinator: components.coordinator,
            context,
            caller: callerName(context),
            get target (): ServiceRecord {
              if (target === undefined) throw new TypeError(`${name}: expected a method with a target service parameter, found none`)
              return target
            },
            users: components.users,
            authenticate: components.authenticate,
            trustSync: components.trustSync,
            dispatch: async (method, params, ctx) => await registry.call(method, params, ctx)
          }
          return toXmlRpc(await m.run(args as never, call))
        } catch (err) {
          throw faultFor(err) ?? err
        }
      }
    })
  }
}
