/**
 * The documents of cluster trust, each signed (see signed.ts):
 *
 * - the cluster file `cluster.json` (public, not signed): the cluster id and
 *   the public halves of its two keys, the admission key (admits and revokes
 *   hosts) and the issuing key (signs user tokens and user revocations);
 * - an admission record: "peer id P is a coordinator of cluster C", signed
 *   with the admission key;
 * - a user token `xenos1.B.S`: user, role, issue and expiry times and a token
 *   id, signed with the issuing key;
 * - lists, one per key, each with a version that only grows: the revoked
 *   hosts (signed with the admission key), and the users (the names added,
 *   and the revoked users and tokens; signed with the issuing key).
 */
import { z } from 'zod'
import type { Principal } from '../auth/principal.js'
import { SignedDocumentError } from './errors.js'

export const ADMISSION_CONTEXT = 'xenos-admission-v1'
export const HOSTS_REVOCATION_CONTEXT = 'xenos-hosts-revocation-v1'
export const USERS_REVOCATION_CONTEXT = 'xenos-users-revocation-v1'
export const TOKEN_CONTEXT = 'xenos-user-token-v1'
export const CLUSTER_TOKEN_PREFIX = 'xenos1.'

const USER_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/
const clusterId = z.string().regex(/^[a-z0-9-]{4,64}$/, { error: 'a cluster id of 4-64 lower-case letters, digits or "-"' })
const key = z.string().regex(/^[A-Za-z0-9_-]{43}$/, { error: 'an Ed25519 public key (43 base64url characters)' })
const peerId = z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{40,60}$/, { error: 'a libp2p peer id (base58)' })
const ms = z.int().min(0)

export const clusterFileSchema = z.strictObject({
  v: z.literal(1),
  cluster: clusterId,
  admissionKey: key,
  issuerKey: key,
  createdAt: ms
})
export type ClusterFile = z.output<typeof clusterFileSchema>

export const admissionSchema = z.strictObject({
  v: z.literal(1),
  cluster: clusterId,
  peerId,
  /** A name for people (the host name), not checked. */
  name: z.string().max(128).optional(),
  issuedAt: ms
})
export type AdmissionRecord = z.output<typeof admissionSchema>

export const tokenSchema = z.strictObject({
  v: z.literal(1),
  cluster: clusterId,
  sub: z.string().regex(USER_RE),
  role: z.enum(['admin', 'user']),
  /** Issued at, ms since the epoch. */
  iat: ms,
  /** Expires at, ms since the epoch. */
  exp: ms,
  /** Token id, for revoking one token. */
  jti: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/)
})
export type TokenClaims = z.output<typeof tokenSchema>

export const hostsRevocationSchema = z.strictObject({
  v: z.literal(1),
  kind: z.literal('hosts'),
  cluster: clusterId,
  version: z.int().min(1),
  issuedAt: ms,
  revoked: z.array(z.strictObject({ peerId, at: ms, name: z.string().max(128).optional() }))
})
export type HostsRevocation = z.output<typeof hostsRevocationSchema>

export const usersRevocationSchema = z.strictObject({
  v: z.literal(1),
  kind: z.literal('users'),
  cluster: clusterId,
  version: z.int().min(1),
  issuedAt: ms,
  /** Every token of `user` issued at or before `issuedBefore` (ms) is refused. */
  users: z.array(z.strictObject({ user: z.string().regex(USER_RE), issuedBefore: ms })),
  /** Single tokens by id; `expiresAt` lets the list drop them once they would have expired anyway. */
  tokens: z.array(z.strictObject({ id: z.string(), expiresAt: ms })),
  /** The users the administrator added (`xenos users add`): the names grants may give services to. */
  members: z.array(z.string().regex(USER_RE)).default([])
})
export type UsersRevocation = z.output<typeof usersRevocationSchema>

/** Validates a parsed body against `schema`, naming the first problem. */
export function checkBody<S extends z.ZodType> (schema: S, body: unknown, what: string): z.output<S> {
  const r = schema.safeParse(body)
  if (!r.success) {
    const i = r.error.issues[0]
    throw new SignedDocumentError(what, `a valid ${what}`, `${i?.path.join('.') ?? ''}: ${i?.message ?? 'invalid content'}`)
  }
  return r.data
}

export function principalOf (claims: TokenClaims): Principal {
  return { user: claims.sub, role: claims.role }
}

/** Splits `xenos1.B.S` into a signed document; `undefined` when the text is not a cluster token. */
export function tokenDocument (token: string): { payload: string, signature: string } | undefined {
  if (!token.startsWith(CLUSTER_TOKEN_PREFIX)) return undefined
  const parts = token.slice(CLUSTER_TOKEN_PREFIX.length).split('.')
  if (parts.length !== 2) return undefined
  return { payload: parts[0]!, signature: parts[1]! }
}

export function isClusterToken (token: string): boolean {
  return tokenDocument(token) !== undefined
}
