import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { XmlRpcClient, httpTransport } from '../xmlrpc/client.js'
import { FaultCode, XmlRpcFault } from '../xmlrpc/fault.js'
import { createXmlRpcHttpServer } from '../xmlrpc/http-server.js'
import { MethodRegistry } from '../xmlrpc/registry.js'
import { authorize, canControl, type OwnedTarget } from './authorizer.js'
import { AuthenticationError, AuthorizationError, UsersFileError } from './errors.js'
import { faultFor } from '../api/faults.js'
import { generateToken, hashToken, isWellFormedToken, verifyToken } from './tokens.js'
import { UserStore } from './user-store.js'

let dir: string
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'xenos-auth-')) })
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

describe('tokens', () => {
  it('are 256-bit, stored as sha256, verified in constant time', () => {
    const t = generateToken()
    expect(isWellFormedToken(t)).toBe(true)
    expect(generateToken()).not.toBe(t)
    expect(hashToken(t)).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(verifyToken(t, hashToken(t))).toBe(true)
    expect(verifyToken(t + 'x', hashToken(t))).toBe(false)
    expect(verifyToken(t, 'plaintext')).toBe(false)
    expect(generateToken(n => new Uint8Array(n).fill(1))).toBe(generateToken(n => new Uint8Array(n).fill(1)))
  })
})

describe('UserStore', () => {
  it('adds users, persists only hashes with mode 0600, and authenticates by bearer and by basic', async () => {
    const file = join(dir, 'sub', 'users.yaml')
    const store = await UserStore.load(file)
    expect(store.list()).toEqual([])
    const root = await store.addUser('root', 'admin')
    const alice = await store.addUser('alice', 'user')
    const text = await readFile(file, 'utf8')
    expect(text).not.toContain(root.token)
    expect(text).toContain(hashToken(alice.token))
    expect((await stat(file)).mode & 0o777).toBe(0o600)

    const reloaded = await UserStore.load(file)
    expect(reloaded.authenticate({ scheme: 'bearer', token: root.token })).toEqual({ user: 'root', role: 'admin' })
    expect(reloaded.authenticate({ scheme: 'basic', user: 'alice', token: alice.token })).toEqual({ user: 'alice', role: 'user' })
    expect(() => reloaded.authenticate({ scheme: 'basic', user: 'root', token: alice.token })).toThrow(AuthenticationError)
    expect(() => reloaded.authenticate({ scheme: 'bearer', token: 'xenos_guess' })).toThrow(/matches no user/)
    await expect(store.addUser('alice', 'admin')).rejects.toThrow(UsersFileError)
    await expect(store.addUser('bad name', 'user')).rejects.toThrow(UsersFileError)
  })

  it('rotates tokens, removes users, and reloads edits', async () => {
    const file = join(dir, 'rotate.yaml')
    const store = await UserStore.load(file)
    const first = await store.addUser('bob', 'user')
    const second = await store.rotateToken('bob')
    expect(() => store.authenticate({ scheme: 'bearer', token: first.token })).toThrow(AuthenticationError)
    expect(store.authenticate({ scheme: 'bearer', token: second.token }).user).toBe('bob')
    const other = await UserStore.load(file)
    await other.removeUser('bob')
    await store.reload()
    expect(store.list()).toEqual([])
  })

  it('refuses broken users files with a clear error', async () => {
    const cases: Array<[string, RegExp]> = [
      ['users: [{ name: a, role: god, tokenHash: "sha256:' + '0'.repeat(64) + '" }]', /users.0.role/],
      ['users: [{ name: a, role: user, tokenHash: plain }]', /sha256/],
      ['users: [\n', /invalid YAML/],
      // no overlay peer acts as a user: a peer proves only that it is an admitted host
      ['users: []\npeers: [{ peerId: p, user: root }]', /peers/]
    ]
    for (const [text, re] of cases) {
      const f = join(dir, `bad-${Math.abs(text.length)}.yaml`)
      await writeFile(f, text)
      await expect(UserStore.load(f)).rejects.toThrow(re)
    }
  })
})

describe('access levels', () => {
  const admin = { principal: { user: 'root', role: 'admin' as const } }
  const alice = { principal: { user: 'alice', role: 'user' as const } }
  const bob = { principal: { user: 'bob', role: 'user' as const } }
  const carol = { principal: { user: 'carol', role: 'user' as const } }
  const peer = { peer: '12D3KooWpeer' }
  const svc: OwnedTarget = { id: 'svc-1', owner: 'alice', grantees: ['carol'] }
  it('let admins do anything, users read, owners and grantees control, peers call the peer protocol', () => {
    expect(() => { authorize('anonymous', {}, 'system.listMethods') }).not.toThrow()
    expect(() => { authorize('user', {}, 'xenos.listServices') }).toThrow(AuthenticationError)
    expect(() => { authorize('user', { authFailure: 'a token that matches no user' }, 'xenos.listServices') }).toThrow(/found a token that matches no user/)
    expect(() => { authorize('user', bob, 'xenos.listServices') }).not.toThrow()
    expect(() => { authorize('owner', alice, 'xenos.stopService', svc) }).not.toThrow()
    expect(() => { authorize('owner', carol, 'xenos.stopService', svc) }).not.toThrow()
    expect(() => { authorize('owner', admin, 'xenos.stopService', svc) }).not.toThrow()
    expect(() => { authorize('owner', bob, 'xenos.stopService', svc) })
      .toThrow(/user "bob" is not allowed: expected owner of service "svc-1" or a grant from an administrator, found owner "alice", granted to carol/)
    expect(() => { authorize('owner', bob, 'xenos.stopService') }).toThrow(AuthorizationError)
    expect(() => { authorize('owner', peer, 'xenos.stopService', svc) }).toThrow(AuthenticationError)
    expect(() => { authorize('admin', alice, 'xenos.replicateTemplate') }).toThrow(/expected the admin role, found role user/)
    expect(() => { authorize('admin', peer, 'xenos.replicateTemplate') }).toThrow(AuthenticationError)
    expect(() => { authorize('peer', peer, 'xenos.peer.exportTemplate') }).not.toThrow()
    expect(() => { authorize('peer', admin, 'xenos.peer.exportTemplate') }).not.toThrow()
    expect(() => { authorize('peer', alice, 'xenos.peer.exportTemplate') }).toThrow(AuthorizationError)
    expect(() => { authorize('peer', {}, 'xenos.peer.exportTemplate') }).toThrow(AuthenticationError)
    expect(canControl(carol.principal, svc)).toBe(true)
    expect(canControl(bob.principal, svc)).toBe(false)
  })
  it('maps refusals to faults 401 and 403', () => {
    expect(faultFor(new AuthenticationError('a', 'b'))?.faultCode).toBe(401)
    expect(faultFor(new AuthorizationError('u', 'm', 'a', 'b'))?.faultCode).toBe(403)
    expect(faultFor(new AuthorizationError('u', 'm', 'a', 'b'))?.faultString).toBe('AuthorizationError: m: user "u" is not allowed: expected a, found b')
    expect(faultFor(new Error('other'))).toBeUndefined()
  })
})

describe('auth over the HTTP API', () => {
  it('refuses unauthenticated and unauthorised calls with faults and keeps serving', async () => {
    const store = new UserStore()
    const { token: rootToken } = await store.addUser('root', 'admin')
    const { token: aliceToken } = await store.addUser('alice', 'user')
    const { token: bobToken } = await store.addUser('bob', 'user')
    const services = new Map<string, OwnedTarget>([['svc-1', { id: 'svc-1', owner: 'alice', grantees: [] }]])
    const registry = new MethodRegistry({ mapError: faultFor })
    registry.register({
      name: 'xenos.stopService', params: ['string'], returns: 'boolean', help: 'Stops a service.',
      handler: ([id], ctx) => {
        const target = services.get(id)
        if (target === undefined) throw new XmlRpcFault(FaultCode.NOT_FOUND, `expected a service "${id}", found none`)
        authorize('owner', { ...(ctx.principal === undefined ? {} : { principal: ctx.principal }) }, 'xenos.stopService', target)
        return true
      }
    })
    const server = createXmlRpcHttpServer({ registry, authenticate: c => store.authenticate(c) })
    const { url } = await server.listen(0)
    const as = (token?: string): XmlRpcClient =>
      new XmlRpcClient({ transport: httpTransport({ url, ...(token !== undefined ? { credentials: { scheme: 'bearer' as const, token } } : {}) }) })
    const fault = async (c: XmlRpcClient): Promise<XmlRpcFault> =>
      await c.call('xenos.stopService', ['svc-1']).then(() => { throw new Error('expected a fault') }, (e: XmlRpcFault) => e)
    try {
      expect((await fault(as())).faultCode).toBe(401)
      expect((await fault(as('xenos_wrong'))).faultCode).toBe(401)
      const refused = await fault(as(bobToken))
      expect(refused.faultCode).toBe(403)
      expect(refused.faultString).toMatch(/bob/)
      expect(await as(aliceToken).call('xenos.stopService', ['svc-1'])).toBe(true)
      expect(await as(rootToken).call('xenos.stopService', ['svc-1'])).toBe(true)
    } finally {
      await server.close()
    }
  })
})
