/**
 * The administrator's side of a cluster's trust: a directory made once by
 * `xenos cluster init` (or by `xenos sim-cluster` on its first start) that
 * holds
 *
 * | file | who needs it | mode |
 * |---|---|---|
 * | `cluster.json` | every host and the administrator: the cluster id and the two public keys | 0644 |
 * | `swarm.key` | every host: the libp2p private network's pre-shared key | 0600 |
 * | `admission-key.pem` | the administrator only: admits and revokes hosts | 0600 |
 * | `issuer-key.pem` | the administrator only: signs user tokens and user revocations | 0600 |
 * | `revoked-hosts.json`, `revoked-users.json` | the latest revocation lists, to publish | 0644 |
 *
 * Hosts get a copy of `cluster.json` and `swarm.key` only, and their own
 * admission record: a host's key, or the whole of a host, cannot admit
 * another host or issue a token.
 *
 * For tests and in-process clusters this is also the one way to get a
 * cluster's credentials: make an authority in a temporary directory and ask
 * it for each host's trust.
 *
 * @example
 * ```ts
 * const authority = await ClusterAuthority.create('/tmp/cluster')
 * const host = await startXenosHost({ dataDir: '/tmp/a', trust: await authority.hostTrust('/tmp/a', driver.hostname) }, { driver })
 * const { token } = authority.issueToken('alice', 'user')
 * ```
 */
import { createPublicKey, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { KeyObject } from 'node:crypto'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Role } from '../auth/principal.js'
import { loadOrCreateIdentity } from '../overlay/identity.js'
import { generateSwarmKeyText } from '../overlay/swarm-key.js'
import {
  ADMISSION_CONTEXT, CLUSTER_TOKEN_PREFIX, HOSTS_REVOCATION_CONTEXT, TOKEN_CONTEXT, USERS_REVOCATION_CONTEXT,
  checkBody, hostsRevocationSchema, tokenDocument, tokenSchema, usersRevocationSchema,
  type AdmissionRecord, type ClusterFile, type HostsRevocation, type TokenClaims, type UsersRevocation
} from './documents.js'
import { TrustFileError } from './errors.js'
import { readOptional, readSecret, writeFileAtomic } from './files.js'
import { CLUSTER_FILE, HostTrust, SWARM_KEY_FILE, readClusterFile } from './host-trust.js'
import {
  generateEd25519, openDocument, parseSignedDocument, privateKeyFromPem, privateKeyPem, publicKeyText, signDocument, type SignedDocument
} from './signed.js'

const ADMISSION_KEY_FILE = 'admission-key.pem'
const ISSUER_KEY_FILE = 'issuer-key.pem'
const HOSTS_LIST_FILE = 'revoked-hosts.json'
const USERS_LIST_FILE = 'revoked-users.json'

/** Default lifetime of a user token: 30 days. */
export const DEFAULT_TOKEN_TTL_MS = 30 * 24 * 3600_000

/** Where a coordinator with data directory `dataDir` keeps its peer identity (`startXenosHost`'s layout). */
export function hostIdentityDir (dataDir: string): string { return join(dataDir, 'overlay') }
/** Where a coordinator with data directory `dataDir` keeps the revocation lists it adopted. */
export function hostTrustStateDir (dataDir: string): string { return join(dataDir, 'trust') }
/** Where a coordinator with data directory `dataDir` looks for its admission record by default. */
export function hostAdmissionFile (dataDir: string): string { return join(dataDir, 'admission.json') }

/** The peer id of the identity kept in `identityDir` (made if missing). */
export async function peerIdOfIdentity (identityDir: string): Promise<string> {
  return peerIdFromPrivateKey(await loadOrCreateIdentity(identityDir)).toString()
}

export class ClusterAuthority {
  private constructor (
    readonly dir: string,
    readonly cluster: ClusterFile,
    private readonly admissionKey: KeyObject,
    private readonly issuerKey: KeyObject,
    private readonly now: () => number
  ) {}

  /** Makes a new cluster in `dir` (which must not hold one): keys, swarm key, cluster file. */
  static async create (dir: string, options: { now?: () => number } = {}): Promise<ClusterAuthority> {
    if (await readOptional(join(dir, CLUSTER_FILE)) !== undefined) {
      throw new TrustFileError(join(dir, CLUSTER_FILE), 'expected no cluster here yet, found one (use it, or choose another directory)')
    }
    const now = options.now ?? Date.now
    const admission = generateEd25519()
    const issuer = generateEd25519()
    const cluster: ClusterFile = {
      v: 1,
      cluster: `xc-${randomBytes(6).toString('hex')}`,
      admissionKey: publicKeyText(admission.publicKey),
      issuerKey: publicKeyText(issuer.publicKey),
      createdAt: now()
    }
    await writeFileAtomic(join(dir, ADMISSION_KEY_FILE), privateKeyPem(admission.privateKey), 0o600, true)
    await writeFileAtomic(join(dir, ISSUER_KEY_FILE), privateKeyPem(issuer.privateKey), 0o600, true)
    await writeFileAtomic(join(dir, SWARM_KEY_FILE), generateSwarmKeyText(), 0o600, true)
    await writeFileAtomic(join(dir, CLUSTER_FILE), `${JSON.stringify(cluster, null, 2)}\n`, 0o644, true)
    return new ClusterAuthority(dir, cluster, admission.privateKey, issuer.privateKey, now)
  }

  /** Opens the cluster in `dir`; throws `TrustFileError` when a file is missing or does not match the cluster file. */
  static async load (dir: string, options: { now?: () => number } = {}): Promise<ClusterAuthority> {
    const cluster = await readClusterFile(dir)
    const admissionKey = privateKeyFromPem(await readSecret(join(dir, ADMISSION_KEY_FILE)), join(dir, ADMISSION_KEY_FILE))
    const issuerKey = privateKeyFromPem(await readSecret(join(dir, ISSUER_KEY_FILE)), join(dir, ISSUER_KEY_FILE))
    await readSecret(join(dir, SWARM_KEY_FILE))
    for (const [file, key, pub] of [[ADMISSION_KEY_FILE, admissionKey, cluster.admissionKey], [ISSUER_KEY_FILE, issuerKey, cluster.issuerKey]] as const) {
      if (publicKeyText(key) !== pub) throw new TrustFileError(join(dir, file), `expected the private half of ${CLUSTER_FILE}'s key, found another key`)
    }
    return new ClusterAuthority(dir, cluster, admissionKey, issuerKey, options.now ?? Date.now)
  }

  /** Opens the cluster in `dir`, making it first when there is none. */
  static async loadOrCreate (dir: string, options: { now?: () => number } = {}): Promise<{ authority: ClusterAuthority, created: boolean }> {
    if (await readOptional(join(dir, CLUSTER_FILE)) === undefined) return { authority: await ClusterAuthority.create(dir, options), created: true }
    return { authority: await ClusterAuthority.load(dir, options), created: false }
  }

  get clusterId (): string { return this.cluster.cluster }

  /** An admission record for `peerId`. */
  admit (peerId: string, name?: string): SignedDocument {
    const record: AdmissionRecord = { v: 1, cluster: this.clusterId, peerId, ...(name === undefined ? {} : { name }), issuedAt: this.now() }
    return signDocument(ADMISSION_CONTEXT, record, this.admissionKey)
  }

  /**
   * The trust of the coordinator of host `name` whose data directory is
   * `dataDir`: its identity (made if missing) admitted under that name (which
   * binds it), its revocation lists kept in the data directory. What tests
   * and in-process clusters pass as `startXenosHost`'s `trust`.
   */
  async hostTrust (dataDir: string, name: string): Promise<HostTrust> {
    return await this.nodeTrust(hostIdentityDir(dataDir), { stateDir: hostTrustStateDir(dataDir), name })
  }

  /** The trust of a bare overlay node whose identity is kept in `identityDir`. */
  async nodeTrust (identityDir: string, options: { stateDir?: string, name?: string } = {}): Promise<HostTrust> {
    const peerId = await peerIdOfIdentity(identityDir)
    const trust = await HostTrust.open({
      clusterDir: this.dir, admission: this.admit(peerId, options.name), peerId, ...(options.stateDir === undefined ? {} : { stateDir: options.stateDir })
    })
    // made here, a host starts with the lists the administrator holds
    for (const doc of await this.revocations()) await trust.adopt(doc)
    return trust
  }

  /** A signed token for `user` with `role`, valid `ttlMs` (default 30 days) on every host of the cluster. */
  issueToken (user: string, role: Role, options: { ttlMs?: number } = {}): { token: string, claims: TokenClaims } {
    const iat = this.now()
    const ttlMs = options.ttlMs ?? DEFAULT_TOKEN_TTL_MS
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 1000) throw new RangeError(`ttlMs: expected at least 1000 ms, found ${ttlMs}`)
    const claims = checkBody(tokenSchema, {
      v: 1, cluster: this.clusterId, sub: user, role, iat, exp: iat + ttlMs, jti: randomBytes(12).toString('base64url')
    }, 'user token')
    const doc = signDocument(TOKEN_CONTEXT, claims, this.issuerKey)
    return { token: `${CLUSTER_TOKEN_PREFIX}${doc.payload}.${doc.signature}`, claims }
  }

  /** The revocation lists last signed here (to publish to a running cluster). */
  async revocations (): Promise<SignedDocument[]> {
    const out: SignedDocument[] = []
    for (const f of [HOSTS_LIST_FILE, USERS_LIST_FILE]) {
      const text = await readOptional(join(this.dir, f))
      if (text !== undefined) out.push(parseSignedDocument(text, join(this.dir, f)))
    }
    return out
  }

  /** Adds `peerId` to the hosts' revocation list (a new version, saved here) and returns the signed list. */
  async revokeHost (peerId: string, name?: string): Promise<SignedDocument> {
    const current = await this.hostsList()
    const revoked = current.revoked.filter(r => r.peerId !== peerId)
    revoked.push({ peerId, at: this.now(), ...(name === undefined ? {} : { name }) })
    const body = checkBody(hostsRevocationSchema, {
      v: 1, kind: 'hosts', cluster: this.clusterId, version: current.version + 1, issuedAt: this.now(), revoked
    }, 'hosts\' revocation list')
    const doc = signDocument(HOSTS_REVOCATION_CONTEXT, body, this.admissionKey)
    await writeFileAtomic(join(this.dir, HOSTS_LIST_FILE), JSON.stringify(doc), 0o644)
    return doc
  }

  /** Adds `user` to the users' list (a new version, saved here; publish it so that grants may name the user). */
  async addUser (user: string): Promise<SignedDocument> {
    return await this.updateUsers(list => ({ ...list, members: [...new Set([...list.members, user])].sort() }))
  }

  /** Revokes every token of `user` issued until now (a new version of the users' list, saved here). */
  async revokeUser (user: string): Promise<SignedDocument> {
    return await this.updateUsers(list => ({ ...list, users: [...list.users.filter(u => u.user !== user), { user, issuedBefore: this.now() }] }))
  }

  /** Revokes one token (given whole, or by its id). */
  async revokeToken (tokenOrId: string): Promise<SignedDocument> {
    let id = tokenOrId
    let expiresAt = this.now() + DEFAULT_TOKEN_TTL_MS
    const doc = tokenDocument(tokenOrId)
    if (doc !== undefined) {
      const claims = checkBody(tokenSchema, openDocument(TOKEN_CONTEXT, doc, this.issuerKey, 'user token'), 'user token')
      id = claims.jti
      expiresAt = claims.exp
    }
    return await this.updateUsers(list => ({ ...list, tokens: [...list.tokens.filter(t => t.id !== id), { id, expiresAt }] }))
  }

  private async updateUsers (change: (list: UsersRevocation) => UsersRevocation): Promise<SignedDocument> {
    const current = await this.usersList()
    const now = this.now()
    const next = change(current)
    const body = checkBody(usersRevocationSchema, {
      ...next, version: current.version + 1, issuedAt: now, tokens: next.tokens.filter(t => t.expiresAt > now)
    }, 'users\' revocation list')
    const doc = signDocument(USERS_REVOCATION_CONTEXT, body, this.issuerKey)
    await writeFileAtomic(join(this.dir, USERS_LIST_FILE), JSON.stringify(doc), 0o644)
    return doc
  }

  private async hostsList (): Promise<HostsRevocation> {
    const text = await readOptional(join(this.dir, HOSTS_LIST_FILE))
    if (text === undefined) return { v: 1, kind: 'hosts', cluster: this.clusterId, version: 0, issuedAt: 0, revoked: [] } as unknown as HostsRevocation
    const opened = openDocument(HOSTS_REVOCATION_CONTEXT, parseSignedDocument(text, HOSTS_LIST_FILE), createPublicKey(this.admissionKey), HOSTS_LIST_FILE)
    return checkBody(hostsRevocationSchema, opened, HOSTS_LIST_FILE)
  }

  private async usersList (): Promise<UsersRevocation> {
    const text = await readOptional(join(this.dir, USERS_LIST_FILE))
    if (text === undefined) {
      return { v: 1, kind: 'users', cluster: this.clusterId, version: 0, issuedAt: 0, users: [], tokens: [], members: [] } as unknown as UsersRevocation
    }
    const opened = openDocument(USERS_REVOCATION_CONTEXT, parseSignedDocument(text, USERS_LIST_FILE), createPublicKey(this.issuerKey), USERS_LIST_FILE)
    return checkBody(usersRevocationSchema, opened, USERS_LIST_FILE)
  }
}
