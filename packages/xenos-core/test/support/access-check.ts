/**
 * TEST ONLY: the access rule checker. It calls every method that
 * `system.listMethods` names as each kind of caller (anonymous, a user who
 * neither owns nor was granted the target, a grantee, the owner, an
 * administrator, a peer coordinator over the overlay) and compares each
 * answer with what the method's documented access level promises.
 *
 * The rule (who passes each level) is written here, from the prose of
 * docs/api.md, and not taken from the code under test: a wrong entry in the
 * method table, or a wrong rule in the authorizer, shows up as a mismatch.
 */
import type { Principal } from '../../src/auth/principal.js'
import type { CallContext } from '../../src/xmlrpc/context.js'
import { decodeMethodResponse } from '../../src/xmlrpc/decode.js'
import { encodeMethodCall } from '../../src/xmlrpc/encode.js'
import type { MethodRegistry } from '../../src/xmlrpc/registry.js'
import type { XmlRpcValue } from '../../src/xmlrpc/values.js'

export const CALLERS = ['anonymous', 'user', 'grantee', 'owner', 'admin', 'peer'] as const
export type CallerKind = typeof CALLERS[number]

/** What a call's answer says about the caller's rights. */
export type Outcome = 'allowed' | '401' | '403'

/** The documented rule: the outcome for each access level and caller. */
export const RULE: Readonly<Record<string, Readonly<Record<CallerKind, Outcome>>>> = {
  anonymous: { anonymous: 'allowed', user: 'allowed', grantee: 'allowed', owner: 'allowed', admin: 'allowed', peer: 'allowed' },
  user: { anonymous: '401', user: 'allowed', grantee: 'allowed', owner: 'allowed', admin: 'allowed', peer: '401' },
  owner: { anonymous: '401', user: '403', grantee: 'allowed', owner: 'allowed', admin: 'allowed', peer: '401' },
  admin: { anonymous: '401', user: '403', grantee: '403', owner: '403', admin: 'allowed', peer: '401' },
  peer: { anonymous: '401', user: '403', grantee: '403', owner: '403', admin: 'allowed', peer: 'allowed' }
}

/** Test principals: the target's owner, a grantee, someone else, an administrator. */
export const PRINCIPALS: Record<Exclude<CallerKind, 'anonymous' | 'peer'>, Principal> = {
  owner: { user: 'alice', role: 'user' },
  grantee: { user: 'carol', role: 'user' },
  user: { user: 'bob', role: 'user' },
  admin: { user: 'root', role: 'admin' }
}

export function contextOf (kind: CallerKind): CallContext {
  if (kind === 'anonymous') return { transport: 'http' }
  if (kind === 'peer') return { transport: 'libp2p', remotePeer: '12D3KooWpeercoordinator' }
  return { transport: 'http', principal: PRINCIPALS[kind] }
}

/** Parameters for one call of a method; called before each call, so it may make a fresh target. */
export type Fixture = () => Promise<XmlRpcValue[]> | XmlRpcValue[]

export interface Mismatch { method: string, caller: CallerKind, expected: Outcome | 'a documented level', found: string }

/**
 * Calls every listed method as every caller. Returns the mismatches with
 * the documented rule, and how many calls were made.
 */
export async function checkAccess (
  registry: MethodRegistry, documented: Map<string, string>, fixtures: Record<string, Fixture>
): Promise<{ mismatches: Mismatch[], calls: number }> {
  const mismatches: Mismatch[] = []
  let calls = 0
  const names = await call(registry, 'system.listMethods', [], contextOf('anonymous'))
  if (names.kind !== 'value') throw new Error('system.listMethods: expected a list, found a fault')
  for (const name of names.value as string[]) {
    const level = documented.get(name)
    const rule = level === undefined ? undefined : RULE[level]
    const fixture = fixtures[name]
    if (rule === undefined || fixture === undefined) {
      const found = rule === undefined ? `level ${String(level)}` : 'no fixture in the test'
      mismatches.push({ method: name, caller: 'anonymous', expected: 'a documented level', found })
      continue
    }
    for (const kind of CALLERS) {
      const r = await call(registry, name, await fixture(), contextOf(kind))
      calls++
      const found: string = r.kind === 'value' ? 'allowed' : r.code === 401 || r.code === 403 ? String(r.code) : 'allowed'
      if (found !== rule[kind]) mismatches.push({ method: name, caller: kind, expected: rule[kind], found: r.kind === 'fault' ? `${r.code} ${r.text}` : found })
    }
  }
  return { mismatches, calls }
}

async function call (
  registry: MethodRegistry, method: string, params: XmlRpcValue[], context: CallContext
): Promise<{ kind: 'value', value: unknown } | { kind: 'fault', code: number, text: string }> {
  const res = decodeMethodResponse(await registry.dispatchText(encodeMethodCall(method, params), context))
  if (res.kind === 'fault') return { kind: 'fault', code: res.fault.faultCode, text: res.fault.faultString }
  return { kind: 'value', value: res.value }
}
