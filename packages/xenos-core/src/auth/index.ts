/** Authentication (tokens per user, users file) and authorisation (access levels, ownership, grants). */
export type { Principal, Role } from './principal.js'
export { ROLES } from './principal.js'
export { AuthenticationError, AuthorizationError, UsersFileError, UserNotFoundError } from './errors.js'
export { generateToken, hashToken, verifyToken, isWellFormedToken, isTokenHash, TOKEN_PREFIX, type TokenRandom } from './tokens.js'
export { UserStore, usersFileSchema, type UsersFile } from './user-store.js'
export { authorize as authorizeAccess, canControl, ACCESS_LEVELS, ACCESS_RULES, type AccessLevel, type Caller, type OwnedTarget } from './authorizer.js'
