import { afterEach, describe, expect, it } from 'vitest'
import { stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '../overlay/test-helpers.js'
import { AuthenticationError } from '../auth/errors.js'
import { ClusterAuthority } from './authority.js'
import { HostTrust } from './host-trust.js'
import { TrustFileError } from './errors.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })
async function dir (): Promise<string> {
  const d = await tempDir('xenos-trust-')
  cleanups.push(d.remove)
  return d.path
}

describe('a cluster authority', () => {
  it('writes its secrets with mode 0600 and its public file readable, and opens again with the same keys', async () => {
    const d = await dir()
    const a = await ClusterAuthority.create(d)
    for (const f of ['swarm.key', 'admission-key.pem', 'issuer-key.pem']) expect((await stat(join(d, f))).mode & 0o777).toBe(0o600)
    expect((await stat(join(d, 'cluster.json'))).mode & 0o777).toBe(0o644)
    await expect(ClusterAuthority.create(d)).rejects.toThrow(TrustFileError)
    const again = await ClusterAuthority.load(d)
    expect(again.clusterId).toBe(a.clusterId)
    const trust = await again.hostTrust(await dir(), 'h1')
    expect(trust.verifyToken(a.issueToken('alice', 'user').token)).toEqual({ user: 'alice', role: 'user' })
  })

  it('refuses a key file that is not the private half of the cluster file\'s key', async () => {
    const d = await dir()
    await ClusterAuthority.create(d)
    const other = await dir()
    await ClusterAuthority.create(other)
    await writeFile(join(d, 'issuer-key.pem'), await import('node:fs/promises').then(fs => fs.readFile(join(other, 'issuer-key.pem'), 'utf8')))
    await expect(ClusterAuthority.load(d)).rejects.toThrow(/expected the private half of cluster.json's key/)
  })
})

describe('user tokens', () => {
  it('are valid on any host until they expire, and refused once revoked (by user or one token), forged, or of another cluster', async () => {
    let now = 1_700_000_000_000
    const d = await dir()
    const a = await ClusterAuthority.create(d, { now: () => now })
    const hostDir = await dir()
    const peerTrust = await a.hostTrust(hostDir, 'h2')
    const trust = await HostTrust.open({
      clusterDir: d, admission: peerTrust.admission, peerId: peerTrust.peerId, stateDir: join(hostDir, 'trust'), now: () => now
    })
    const alice = a.issueToken('alice', 'user', { ttlMs: 3600_000 }).token
    const bob = a.issueToken('bob', 'admin').token
    expect(trust.verifyToken(alice)).toEqual({ user: 'alice', role: 'user' })
    expect(trust.verifyToken(bob)).toEqual({ user: 'bob', role: 'admin' })

    // tampering with the claims (user or role) breaks the signature
    const [, payload, signature] = /^xenos1\.([^.]+)\.(.+)$/.exec(bob)!
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>
    const forged = `xenos1.${Buffer.from(JSON.stringify({ ...claims, sub: 'mallory' })).toString('base64url')}.${signature!}`
    expect(() => trust.verifyToken(forged)).toThrow(/signature that does not verify/)
    expect(() => trust.verifyToken('xenos_notacluster')).toThrow(AuthenticationError)
    const foreign = (await ClusterAuthority.create(await dir())).issueToken('alice', 'admin').token
    expect(() => trust.verifyToken(foreign)).toThrow(/signature that does not verify/)

    now += 3600_000
    expect(() => trust.verifyToken(alice)).toThrow(/expired at/)
    const later = a.issueToken('alice', 'user').token
    expect(trust.verifyToken(later).user).toBe('alice')

    now += 1000
    expect(await trust.adopt(await a.revokeUser('alice'))).toEqual({ kind: 'users', version: 1, adopted: true })
    expect(() => trust.verifyToken(later)).toThrow(/revoked in the users' revocation list version 1/)
    now += 1
    const fresh = a.issueToken('alice', 'user').token
    expect(trust.verifyToken(fresh).user).toBe('alice')
    await trust.adopt(await a.revokeToken(bob))
    expect(() => trust.verifyToken(bob)).toThrow(/revoked/)
    expect(trust.verifyToken(fresh).user).toBe('alice')

    // the users list names the users the administrator added (grants may name them)
    expect(trust.userExists('alice')).toBe(false)
    await trust.adopt(await a.addUser('alice'))
    expect([trust.userExists('alice'), trust.userExists('mallory')]).toEqual([true, false])
    expect(() => trust.verifyToken(bob)).toThrow(/revoked/)

    // the lists survive a restart of the host
    const restarted = await HostTrust.open({
      clusterDir: d, admission: peerTrust.admission, peerId: peerTrust.peerId, stateDir: join(hostDir, 'trust'), now: () => now
    })
    expect(restarted.versions()).toEqual({ hosts: 0, users: 3 })
    expect(restarted.userExists('alice')).toBe(true)
    expect(() => restarted.verifyToken(bob)).toThrow(/revoked/)
    expect(() => restarted.verifyToken(later)).toThrow(/revoked/)
  })
})

describe('a host\'s own admission', () => {
  it('must name this host and be signed by the cluster', async () => {
    const a = await ClusterAuthority.create(await dir())
    const t = await a.hostTrust(await dir(), 'h1')
    const admission = a.admit('12D3KooWQ6dkh2D8tNXtHaRiYCeQzEcnbdY2N5b9WDBR5r4t6wBx')
    await expect(HostTrust.open({ clusterDir: a.dir, admission, peerId: t.peerId })).rejects.toThrow(/expected peer id/)
    const other = await ClusterAuthority.create(await dir())
    await expect(HostTrust.open({ clusterDir: a.dir, admission: other.admit(t.peerId), peerId: t.peerId })).rejects.toThrow(/signature that does not verify/)
  })
})
