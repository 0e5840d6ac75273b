/** Authentication (tokens per user, users file) and authorisation (roles, ownership, grants). */
export type { Principal, Role } from './principal.js'
export { ROLES } from './principal.js'
export { AuthenticationError, AuthorizationError, UsersFileError } from './errors.js'
export { generateToken, hashToken, verifyToken, isWellFormedToken, isTokenHash, TOKEN_PREFIX, type TokenRandom } from './tokens.js'
export { UserStore, usersFileSchema, type UsersFile } from './user-store.js'
export { authorizer, grantAccess, revokeAccess, DEFAULT_POLICY, type AccessLevel, type OwnedTarget, type Authorizer } from './authorizer.js'
export { authFault } from './fault-map.js'
