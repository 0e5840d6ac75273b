/**
 * The users of a test cluster: an administrator and two ordinary users, each
 * with a fixed bearer token, and the `authenticate` that knows them.
 */
import type { Principal } from '../auth/principal.js'
import type { Credentials } from '../xmlrpc/credentials.js'
import { XenosError } from '../errors.js'

/** Token of each test user, by user name. */
export const TEST_TOKENS = { root: 'tok-admin', alice: 'tok-alice', bob: 'tok-bob' } as const

/** Test users: token -> principal. */
export const TEST_USERS: Readonly<Record<string, Principal>> = {
  [TEST_TOKENS.root]: { user: 'root', role: 'admin' },
  [TEST_TOKENS.alice]: { user: 'alice', role: 'user' },
  [TEST_TOKENS.bob]: { user: 'bob', role: 'user' }
}

/** Thrown by `testAuthenticate` for a token no test user has. */
export class UnknownTestTokenError extends XenosError {
  constructor () {
    super('expected the token of a test user (TEST_TOKENS), found another')
  }
}

/** Knows the test users by token (and, with basic credentials, by name too). */
export function testAuthenticate (credentials: Credentials): Principal {
  const p = TEST_USERS[credentials.token]
  if (p === undefined || (credentials.scheme === 'basic' && credentials.user !== p.user)) throw new UnknownTestTokenError()
  return p
}
