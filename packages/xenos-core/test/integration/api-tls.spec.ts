/**
 * The API off loopback serves HTTPS: a certificate generated once (kept
 * across restarts) whose fingerprint clients pin, or trusted as a CA file;
 * a wrong pin is refused before any request, and so any token, is sent;
 * plain HTTP off loopback only with the insecure flag, which warns.
 */
import { X509Certificate } from 'node:crypto'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { xenosClient } from '../../src/api/index.js'
import { startXenosHost, type XenosHost } from '../../src/coordinator/index.js'
import { ClusterAuthority } from '../../src/trust/index.js'
import { normalizeFingerprint, selfSignedCertificate } from '../../src/tls/self-signed.js'
import { FakeCluster } from '../support/fake-cluster.js'

let dir: string
let authority: ClusterAuthority
const cluster = new FakeCluster([{ name: 't1' }, { name: 't2' }])

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xenos-tls-'))
  authority = await ClusterAuthority.create(join(dir, 'cluster'))
})
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

async function host (name: string, init: Partial<Parameters<typeof startXenosHost>[0]> = {}, warn: (m: string) => void = () => {}): Promise<XenosHost> {
  const trust = await authority.hostTrust(join(dir, name), name)
  return await startXenosHost({ dataDir: join(dir, name), trust, apiHost: '0.0.0.0', ...init }, { driver: cluster.driver(name), warn })
}
const local = (url: string): string => url.replace('0.0.0.0', '127.0.0.1')

describe('a self-signed certificate', () => {
  it('is valid X.509 for the names and addresses given, its own issuer, with its fingerprint', () => {
    const c = selfSignedCertificate({ names: ['h1.lab', '192.0.2.7', '::1'] })
    const x = new X509Certificate(c.cert)
    expect(x.subjectAltName).toBe('DNS:h1.lab, IP Address:192.0.2.7, IP Address:0:0:0:0:0:0:0:1')
    expect(x.verify(x.publicKey)).toBe(true)
    expect(x.checkIssued(x)).toBe(true)
    expect(x.fingerprint256).toBe(c.fingerprint256)
    expect(normalizeFingerprint(c.fingerprint256.replace(/:/g, '').toLowerCase())).toBe(c.fingerprint256)
    expect(() => normalizeFingerprint('AB:CD')).toThrow(/64 hexadecimal digits/)
  })
})

describe('the API off loopback', () => {
  it('serves HTTPS with a generated certificate that clients pin, the same after a restart', async () => {
    const token = authority.issueToken('alice', 'user').token
    let h = await host('t1')
    try {
      expect(h.apiUrl).toMatch(/^https:\/\//)
      const fingerprint = h.apiTlsFingerprint!
      expect((await stat(join(dir, 't1', 'api-tls', 'key.pem'))).mode & 0o777).toBe(0o600)
      const pinned = xenosClient({ endpoints: [local(h.apiUrl)], credentials: { scheme: 'bearer', token }, tls: { fingerprint256: fingerprint } })
      expect((await pinned.hostInfo()).apiTlsFingerprint).toBe(fingerprint)
      pinned.close()
      const ca = await readFile(join(dir, 't1', 'api-tls', 'cert.pem'), 'utf8')
      const asCa = xenosClient({ endpoints: [local(h.apiUrl)], credentials: { scheme: 'bearer', token }, tls: { ca } })
      expect((await asCa.hostInfo()).hostname).toBe('t1')
      asCa.close()
      // a wrong pin, or no trust at all: no request is sent
      const wrong = xenosClient({ endpoints: [local(h.apiUrl)], credentials: { scheme: 'bearer', token }, tls: { fingerprint256: 'AA'.repeat(32) } })
      await expect(wrong.hostInfo()).rejects.toThrow(/expected .* to present the certificate with SHA-256 fingerprint AA:AA/)
      wrong.close()
      const unpinned = xenosClient({ endpoints: [local(h.apiUrl)], credentials: { scheme: 'bearer', token } })
      await expect(unpinned.hostInfo()).rejects.toThrow(/self-signed certificate/)
      unpinned.close()
      // plain HTTP to the HTTPS port gets no XML-RPC answer
      const plain = await fetch(local(h.apiUrl).replace('https:', 'http:'), { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body: '<methodCall/>' })
        .then(r => r.status, () => 0)
      expect(plain).not.toBe(200)
      await h.stop()
      h = await host('t1')
      expect(h.apiTlsFingerprint).toBe(fingerprint)
    } finally {
      await h.stop()
    }
  })

  it('serves plain HTTP only with the insecure flag, and warns', async () => {
    const warnings: string[] = []
    const h = await host('t2', { insecureHttpApi: true }, (m) => { warnings.push(m) })
    try {
      expect(h.apiUrl).toMatch(/^http:\/\//)
      expect(h.apiTlsFingerprint).toBeUndefined()
      expect(warnings).toEqual([expect.stringMatching(/^WARNING: insecure HTTP API on 0\.0\.0\.0: bearer tokens cross the network in clear/)])
    } finally {
      await h.stop()
    }
  })
})
