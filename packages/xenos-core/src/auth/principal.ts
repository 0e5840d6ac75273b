/** Who is calling: an authenticated user and its role. */
export type Role = 'admin' | 'user'

export const ROLES: readonly Role[] = ['admin', 'user']

export interface Principal {
  /** User name, as in the users file. */
  user: string
  role: Role
}
