/**
 * Refused calls. Both carry the XML-RPC fault code they map to
 * (401 unauthenticated, 403 forbidden; see docs/api.md).
 */

/** No credentials, or credentials that match no user. Fault code 401. */
export class AuthenticationError extends Error {
  readonly faultCode = 401
  constructor (readonly expected: string, readonly found: string) {
    super(`authentication: expected ${expected}, found ${found}`)
    this.name = 'AuthenticationError'
  }
}

/** A known user asked for something its role and ownership do not allow. Fault code 403. */
export class AuthorizationError extends Error {
  readonly faultCode = 403
  constructor (readonly user: string, readonly method: string, readonly expected: string, readonly found: string) {
    super(`${method}: user "${user}" is not allowed: expected ${expected}, found ${found}`)
    this.name = 'AuthorizationError'
  }
}

/** The users file is unreadable or invalid. */
export class UsersFileError extends Error {
  constructor (readonly file: string, readonly detail: string, options?: ErrorOptions) {
    super(`${file}: expected a valid users file, found ${detail}`, options)
    this.name = 'UsersFileError'
  }
}

/** A user named in a call (a grant) is not a user of the cluster. Fault code 404. */
export class UserNotFoundError extends Error {
  readonly faultCode = 404
  constructor (readonly user: string, readonly found: string) {
    super(`expected a user "${user}", found ${found}`)
    this.name = 'UserNotFoundError'
  }
}
