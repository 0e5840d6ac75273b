/**
 * Refused calls and the users file. Their fault codes (401, 403, 404) are
 * in the one table of `api/faults.ts`; see docs/api.md.
 */
import { XenosError } from '../errors.js'

/** No credentials, or credentials that match no user. Fault code 401. */
export class AuthenticationError extends XenosError {
  constructor (readonly expected: string, readonly found: string) {
    super(`authentication: expected ${expected}, found ${found}`)
  }
}

/** A known user asked for something its role and ownership do not allow. Fault code 403. */
export class AuthorizationError extends XenosError {
  constructor (readonly user: string, readonly method: string, readonly expected: string, readonly found: string) {
    super(`${method}: user "${user}" is not allowed: expected ${expected}, found ${found}`)
  }
}

/** The users file is unreadable or invalid. */
export class UsersFileError extends XenosError {
  constructor (readonly file: string, readonly detail: string, options?: ErrorOptions) {
    super(`${file}: expected a valid users file, found ${detail}`, options)
  }
}

/** A user named in a call (a grant) is not a user of the cluster. Fault code 404. */
export class UserNotFoundError extends XenosError {
  constructor (readonly user: string, readonly found: string) {
    super(`expected a user "${user}", found ${found}`)
  }
}
