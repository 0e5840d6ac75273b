/**
 * What one coordinator holds of its cluster's trust, and the checks it makes
 * with it: the swarm key (libp2p private network), the cluster's public keys,
 * its own admission record, and the current revocation lists (kept in
 * `stateDir` across restarts). It verifies other hosts' admission records
 * when they connect and user tokens on every call, with no store of users:
 * a token is valid when the cluster's issuing key signed it, it has not
 * expired and the users' revocation list does not name it.
 *
 * @example
 * ```ts
 * const trust = await HostTrust.open({ clusterDir: '/etc/xenos/cluster', admission, peerId, stateDir: '/var/lib/xenos/trust' })
 * trust.verifyToken(token) // { user: 'alice', role: 'user' }, or throws AuthenticationError
 * ```
 */
import { join } from 'node:path'
import type { KeyObject } from 'node:crypto'
import { AuthenticationError } from '../auth/errors.js'
import type { Principal } from '../auth/principal.js'
import { swarmKeyBytes } from '../overlay/swarm-key.js'
import {
  ADMISSION_CONTEXT, HOSTS_REVOCATION_CONTEXT, TOKEN_CONTEXT, USERS_REVOCATION_CONTEXT,
  admissionSchema, checkBody, clusterFileSchema, hostsRevocationSchema, principalOf, tokenDocument, tokenSchema, usersRevocationSchema,
  type AdmissionRecord, type ClusterFile, type HostsRevocation, type TokenClaims, type UsersRevocation
} from './documents.js'
import { AdmissionError, SignedDocumentError, TrustFileError } from './errors.js'
import { readOptional, readSecret, writeFileAtomic } from './files.js'
import { openDocument, parseSignedDocument, publicKeyFromText, type SignedDocument } from './signed.js'

export const CLUSTER_FILE = 'cluster.json'
export const SWARM_KEY_FILE = 'swarm.key'
const HOSTS_LIST_FILE = 'revoked-hosts.json'
const USERS_LIST_FILE = 'revoked-users.json'

/** How far in the future a token's issue time may be (clocks of the administrator and the hosts differ), in ms. */
const CLOCK_SKEW_MS = 5 * 60_000
const TOKEN_CACHE_SIZE = 4096

export interface HostTrustInit {
  /** Directory holding `cluster.json` and `swarm.key` (from `xenos cluster init`). */
  clusterDir: string
  /** This host's admission record. */
  admission: SignedDocument
  /** This host's peer id; the admission must name it. */
  peerId: string
  /** Where the revocation lists are kept across restarts; memory only without it. */
  stateDir?: string
  /** Wall clock for token expiry, ms since the epoch. @default Date.now */
  now?: () => number
}

export type RevocationKind = 'hosts' | 'users'

export interface AdoptResult { kind: RevocationKind, version: number, adopted: boolean }

/** Reads and validates a cluster directory's public file. */
export async function readClusterFile (clusterDir: string): Promise<ClusterFile> {
  const file = join(clusterDir, CLUSTER_FILE)
  const text = await readOptional(file)
  if (text === undefined) throw new TrustFileError(file, 'expected the cluster file written by `xenos cluster init`, found none')
  let json: unknown
  try { json = JSON.parse(text) } catch { throw new TrustFileError(file, 'expected JSON, found text that is not') }
  try {
    return checkBody(clusterFileSchema, json, 'cluster file')
  } catch (err) {
    throw new TrustFileError(file, (err as Error).message)
  }
}

export class HostTrust {
  private hostsList: { doc: SignedDocument, body: HostsRevocation } | undefined
  private usersList: { doc: SignedDocument, body: UsersRevocation } | undefined
  private revokedHosts = new Set<string>()
  private revokedUsers = new Map<string, number>()
  private revokedTokens = new Set<string>()
  private members = new Set<string>()
  private readonly tokenCache = new Map<string, TokenClaims>()
  private readonly listeners = new Set<(revoked: string[]) => void>()
  private readonly now: () => number
  /** Host names that admission records bind to peer ids: this host's own, then every peer's that presented one. */
  private readonly names = new Map<string, string>()

  private constructor (
    readonly cluster: ClusterFile,
    /** The cluster's pre-shared key, 32 bytes. */
    readonly swarmKey: Uint8Array,
    readonly admission: SignedDocument,
    readonly peerId: string,
    private readonly admissionKey: KeyObject,
    private readonly issuerKey: KeyObject,
    private readonly stateDir: string | undefined,
    now: (() => number) | undefined
  ) {
    this.now = now ?? Date.now
  }

  static async open (init: HostTrustInit): Promise<HostTrust> {
    const cluster = await readClusterFile(init.clusterDir)
    const keyFile = join(init.clusterDir, SWARM_KEY_FILE)
    const swarmKey = swarmKeyBytes(await readSecret(keyFile), keyFile)
    const admissionKey = publicKeyFromText(cluster.admissionKey, 'cluster file admissionKey')
    const issuerKey = publicKeyFromText(cluster.issuerKey, 'cluster file issuerKey')
    const own = checkBody(admissionSchema, openDocument(ADMISSION_CONTEXT, init.admission, admissionKey, 'admission record'), 'admission record')
    if (own.cluster !== cluster.cluster) {
      throw new SignedDocumentError('this host\'s admission record', `cluster "${cluster.cluster}"`, `cluster "${own.cluster}"`)
    }
    if (own.peerId !== init.peerId) {
      throw new SignedDocumentError('this host\'s admission record', `peer id ${init.peerId} (this host)`, `peer id ${own.peerId}`)
    }
    const trust = new HostTrust(cluster, swarmKey, init.admission, init.peerId, admissionKey, issuerKey, init.stateDir, init.now)
    if (own.name !== undefined) trust.names.set(own.peerId, own.name)
    if (init.stateDir !== undefined) {
      for (const file of [HOSTS_LIST_FILE, USERS_LIST_FILE]) {
        const text = await readOptional(join(init.stateDir, file))
        if (text === undefined) continue
        try {
          await trust.adopt(parseSignedDocument(text, file), { persist: false })
        } catch (err) {
          throw new TrustFileError(join(init.stateDir, file), (err as Error).message, { cause: err })
        }
      }
    }
    return trust
  }

  get clusterId (): string { return this.cluster.cluster }

  /** This host's admission record as the bytes sent when a connection opens. */
  admissionBytes (): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(this.admission))
  }

  /** Checks the admission a peer presented for `remotePeer`; throws `AdmissionError`. */
  verifyAdmission (bytes: Uint8Array, remotePeer: string): AdmissionRecord {
    let record: AdmissionRecord
    try {
      const doc = parseSignedDocument(new TextDecoder().decode(bytes), 'admission record')
      record = checkBody(admissionSchema, openDocument(ADMISSION_CONTEXT, doc, this.admissionKey, 'admission record'), 'admission record')
    } catch (err) {
      throw new AdmissionError(remotePeer, 'an admission record signed by the cluster\'s admission key', (err as Error).message)
    }
    if (record.cluster !== this.clusterId) {
      throw new AdmissionError(remotePeer, `an admission to cluster "${this.clusterId}"`, `one to cluster "${record.cluster}"`)
    }
    if (record.peerId !== remotePeer) throw new AdmissionError(remotePeer, 'an admission record for its own peer id', `one for ${record.peerId}`)
    if (this.revokedHosts.has(remotePeer)) {
      throw new AdmissionError(remotePeer, 'a host that is not revoked', `revoked in the hosts' revocation list version ${this.hostsList?.body.version ?? 0}`)
    }
    if (record.name !== undefined) this.names.set(remotePeer, record.name)
    return record
  }

  /**
   * The host name the admission record of `peerId` binds to it: this host's
   * own, or a peer's as verified when it connected; `undefined` for a peer
   * not met yet or admitted without a name. A host is named only by its
   * admission, never by what it announces of itself.
   */
  admittedName (peerId: string): string | undefined {
    return this.names.get(peerId)
  }

  /** True when the administrator added `user` (the users' list names it): grants may name it. */
  userExists (user: string): boolean {
    return this.members.has(user)
  }

  isHostRevoked (peerId: string): boolean {
    return this.revokedHosts.has(peerId)
  }

  /** Called with the newly revoked peer ids each time a hosts' revocation list is adopted. */
  onHostsRevoked (listener: (peerIds: string[]) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /**
   * Checks a cluster token (`xenos1.…`): signature by the issuing key, this
   * cluster, not expired, not revoked. Returns the user and role it names;
   * throws `AuthenticationError` saying what was wrong.
   */
  verifyToken (token: string): Principal {
    const claims = this.tokenClaims(token)
    const now = this.now()
    if (now >= claims.exp) {
      throw new AuthenticationError('an unexpired token', `a token of "${claims.sub}" that expired at ${new Date(claims.exp).toISOString()}`)
    }
    if (claims.iat > now + CLOCK_SKEW_MS) {
      throw new AuthenticationError('a token issued in the past', `a token of "${claims.sub}" issued at ${new Date(claims.iat).toISOString()}, in the future`)
    }
    const before = this.revokedUsers.get(claims.sub)
    if ((before !== undefined && claims.iat <= before) || this.revokedTokens.has(claims.jti)) {
      throw new AuthenticationError('a token that is not revoked',
        `a token of "${claims.sub}" revoked in the users' revocation list version ${this.usersList?.body.version ?? 0}`)
    }
    return principalOf(claims)
  }

  private tokenClaims (token: string): TokenClaims {
    const cached = this.tokenCache.get(token)
    if (cached !== undefined) return cached
    const doc = tokenDocument(token)
    if (doc === undefined) throw new AuthenticationError('a cluster token (xenos1.…)', 'another kind of token')
    let claims: TokenClaims
    try {
      claims = checkBody(tokenSchema, openDocument(TOKEN_CONTEXT, doc, this.issuerKey, 'user token'), 'user token')
    } catch (err) {
      throw new AuthenticationError('a token signed by this cluster\'s issuing key', (err as SignedDocumentError).found ?? 'an invalid token')
    }
    if (claims.cluster !== this.clusterId) throw new AuthenticationError(`a token of cluster "${this.clusterId}"`, `one of cluster "${claims.cluster}"`)
    if (this.tokenCache.size >= TOKEN_CACHE_SIZE) this.tokenCache.clear()
    this.tokenCache.set(token, claims)
    return claims
  }

  /** The current revocation lists (to send to peers). */
  revocations (): SignedDocument[] {
    return [this.hostsList?.doc, this.usersList?.doc].filter((d): d is SignedDocument => d !== undefined)
  }

  /** The version of each list held (0: none). */
  versions (): Record<RevocationKind, number> {
    return { hosts: this.hostsList?.body.version ?? 0, users: this.usersList?.body.version ?? 0 }
  }

  /**
   * Takes a revocation list when it is signed by the right key of this
   * cluster and newer than the one held; persists it. Throws
   * `SignedDocumentError` on a forged or foreign list; an older or equal
   * version is not an error (`adopted: false`).
   */
  async adopt (doc: SignedDocument, options: { persist?: boolean } = {}): Promise<AdoptResult> {
    const kind = peekKind(doc)
    if (kind === 'hosts') {
      const opened = openDocument(HOSTS_REVOCATION_CONTEXT, doc, this.admissionKey, 'hosts\' revocation list')
      const body = checkBody(hostsRevocationSchema, opened, 'hosts\' revocation list')
      if (body.cluster !== this.clusterId) throw new SignedDocumentError('hosts\' revocation list', `cluster "${this.clusterId}"`, `cluster "${body.cluster}"`)
      if (body.version <= (this.hostsList?.body.version ?? 0)) return { kind, version: body.version, adopted: false }
      if (options.persist !== false && this.stateDir !== undefined) await writeFileAtomic(join(this.stateDir, HOSTS_LIST_FILE), JSON.stringify(doc), 0o644)
      const fresh = body.revoked.map(r => r.peerId).filter(p => !this.revokedHosts.has(p))
      this.hostsList = { doc, body }
      this.revokedHosts = new Set(body.revoked.map(r => r.peerId))
      if (fresh.length > 0) for (const l of this.listeners) l(fresh)
      return { kind, version: body.version, adopted: true }
    }
    const opened = openDocument(USERS_REVOCATION_CONTEXT, doc, this.issuerKey, 'users\' revocation list')
    const body = checkBody(usersRevocationSchema, opened, 'users\' revocation list')
    if (body.cluster !== this.clusterId) throw new SignedDocumentError('users\' revocation list', `cluster "${this.clusterId}"`, `cluster "${body.cluster}"`)
    if (body.version <= (this.usersList?.body.version ?? 0)) return { kind, version: body.version, adopted: false }
    if (options.persist !== false && this.stateDir !== undefined) await writeFileAtomic(join(this.stateDir, USERS_LIST_FILE), JSON.stringify(doc), 0o644)
    this.usersList = { doc, body }
    this.revokedUsers = new Map(body.users.map(u => [u.user, u.issuedBefore]))
    this.revokedTokens = new Set(body.tokens.map(t => t.id))
    this.members = new Set(body.members)
    return { kind, version: body.version, adopted: true }
  }
}

/** The kind a revocation list says it is (read before its signature is checked, to pick the key). */
function peekKind (doc: SignedDocument): RevocationKind {
  let kind: unknown
  try {
    kind = (JSON.parse(Buffer.from(doc.payload, 'base64url').toString('utf8')) as { kind?: unknown }).kind
  } catch {
    kind = undefined
  }
  if (kind !== 'hosts' && kind !== 'users') throw new SignedDocumentError('revocation list', 'kind "hosts" or "users"', JSON.stringify(kind ?? null))
  return kind
}
