import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { waitFor } from '@xenos/hypervisor-interface'
import { XENOS_METHODS, xenosClient, type XenosClient } from '../../src/api/index.js'
import { FaultCode, XmlRpcFault } from '../../src/xmlrpc/fault.js'
import { ApiHarness } from '../support/api-harness.js'
import { FakeCluster } from '../support/fake-cluster.js'
import { webTemplate } from '../support/harness.js'

let h: ApiHarness
const clients: XenosClient[] = []
function client (token: string, urls: string[], strategy?: 'failover' | 'round-robin'): XenosClient {
  const c = xenosClient({ endpoints: urls, credentials: { scheme: 'bearer', token }, timeoutMs: 60_000, ...(strategy === undefined ? {} : { strategy }) })
  clients.push(c)
  return c
}
async function fault (p: Promise<unknown>): Promise<XmlRpcFault> {
  try { await p } catch (err) { if (err instanceof XmlRpcFault) return err; throw err }
  throw new Error('expected a fault, found success')
}

beforeEach(async () => {
  h = new ApiHarness(new FakeCluster([{ name: 'h1' }, { name: 'h2' }, { name: 'h3', memoryMiB: 4096 }]))
  await h.addApi('h1', [webTemplate('web')])
  await h.addApi('h2')
  await h.addApi('h3')
})
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await h.close()
})

describe('the xenos.* methods', () => {
  it('are listed with help and signatures', async () => {
    const anon = client('none', [h.url('h1')])
    const names = await anon.call('system.listMethods') as string[]
    for (const m of XENOS_METHODS) expect(names).toContain(m)
    expect(await anon.call('system.methodHelp', ['xenos.migrateService'])).toMatch(/search query/)
    expect(await anon.call('system.methodSignature', ['xenos.migrateService']))
      .toEqual([['struct', 'string', 'string'], ['struct', 'string', 'string', 'struct']])
  })

  it('refuse unauthenticated and unauthorised calls with clear faults, and keep serving', async () => {
    const alice = client('tok-alice', [h.url('h1')])
    const bob = client('tok-bob', [h.url('h1')])
    const admin = client('tok-admin', [h.url('h1')])
    const nobody = client('tok-nobody', [h.url('h1')])
    const svc = await alice.createInstance('web', { name: 'alices', start: true })
    expect(svc).toMatchObject({ owner: 'alice', state: 'running' })
    expect((await fault(nobody.hostInfo())).faultCode).toBe(FaultCode.UNAUTHENTICATED)
    const refused = await fault(bob.stopService(svc.id))
    expect(refused.faultCode).toBe(FaultCode.FORBIDDEN)
    expect(refused.faultString).toMatch(/user "bob" is not allowed: expected owner of service/)
    expect((await fault(bob.call('xenos.grant', [svc.id, 'bob']))).faultCode).toBe(FaultCode.FORBIDDEN)
    expect((await fault(alice.call('xenos.peer.exportTemplate', ['web']))).faultCode).toBe(FaultCode.FORBIDDEN)
    // even an administrator's malformed peer call is a clear fault, not a crash
    const bad = await fault(admin.call('xenos.peer.commitMigration', ['m1', { id: 'x', groups: 'g' }]))
    expect(bad.faultCode).toBe(FaultCode.BAD_ARGUMENT)
    expect(bad.faultString).toMatch(/record\.name: expected a non-empty string/)
    const listed = await bob.listServices('state=running owner=alice')
    expect(listed.map(s => [s.name, s.grantees])).toEqual([['alices', []]])
    expect((await alice.pauseService(svc.id)).state).toBe('paused')
    // a grant names a user that exists, or it is refused and changes nothing
    const nobody404 = await fault(admin.grant(svc.id, 'nobody'))
    expect(nobody404.faultCode).toBe(FaultCode.NOT_FOUND)
    expect(nobody404.faultString).toMatch(/expected a user "nobody", found no such user/)
    expect((await admin.getService(svc.id)).grantees).toEqual([])
    await admin.grant(svc.id, 'bob')
    expect((await bob.unpauseService(svc.id)).state).toBe('running')
    expect((await admin.stopService(svc.id)).state).toBe('stopped')
    // reading is open to every authenticated user
    expect((await bob.getService(svc.id)).name).toBe('alices')
  })

  it('validate parameters: wrong types, unknown members, bad values, unknown ids', async () => {
    const alice = client('tok-alice', [h.url('h1')])
    expect((await fault(alice.call('xenos.getService', [123]))).faultCode).toBe(FaultCode.INVALID_PARAMS)
    expect((await fault(alice.call('xenos.getService', []))).faultCode).toBe(FaultCode.INVALID_PARAMS)
    const unknownMember = await fault(alice.call('xenos.createInstance', ['web', { nmae: 'x' }]))
    expect(unknownMember.faultCode).toBe(FaultCode.BAD_ARGUMENT)
    expect(unknownMember.faultString).toMatch(/options.nmae: expected one of the members name, groups, attributes, start, clone/)
    expect((await fault(alice.call('xenos.createInstance', ['web', { clone: 'teleport' }]))).faultCode).toBe(FaultCode.BAD_ARGUMENT)
    expect((await fault(alice.call('xenos.createInstance', ['web', { name: '-bad' }]))).faultCode).toBe(FaultCode.BAD_ARGUMENT)
    expect((await fault(alice.call('xenos.createInstance', ['nope']))).faultCode).toBe(FaultCode.NOT_FOUND)
    expect((await fault(alice.call('xenos.getService', ['svc-none']))).faultCode).toBe(FaultCode.NOT_FOUND)
    expect((await fault(alice.call('xenos.searchServices', ['>=3 state'])))).toMatchObject({ faultCode: FaultCode.BAD_ARGUMENT })
    expect((await fault(alice.call('xenos.events', [-1]))).faultCode).toBe(FaultCode.BAD_ARGUMENT)
    const s = await alice.createInstance('web')
    expect((await fault(alice.pauseService(s.id))).faultCode).toBe(FaultCode.CONFLICT)
    expect((await fault(alice.call('xenos.migrateService', [s.id, 'h2', { storage: 'teleport' }]))).faultCode).toBe(FaultCode.BAD_ARGUMENT)
    expect((await alice.hostInfo()).hostname).toBe('h1')
  })
})

describe('XenosClient', () => {
  it('finds backup hosts, fails over when its host disappears, and spreads calls round-robin', async () => {
    const c = client('tok-alice', [h.url('h1')])
    const all = await c.refreshBackups()
    expect(new Set(all)).toEqual(new Set([h.url('h1'), h.url('h2'), h.url('h3')]))
    expect((await c.hostInfo()).hostname).toBe('h1')
    await h.kill('h1')
    const after = await c.hostInfo()
    expect(after.hostname).not.toBe('h1')
    expect(c.endpoints[0]).not.toBe(h.url('h1'))
    const rr = client('tok-alice', [h.url('h2'), h.url('h3')], 'round-robin')
    const seen = new Set<string>()
    for (let i = 0; i < 4; i++) seen.add((await rr.hostInfo()).hostname)
    expect(seen).toEqual(new Set(['h2', 'h3']))
  })

  it('forwards calls through one host to another over the overlay, checked as the caller on arrival', async () => {
    const on1 = client('tok-alice', [h.url('h1')])
    const svc = await on1.createInstance('web', { name: 'fwd', start: true })
    const alice2 = client('tok-alice', [h.url('h2')])
    expect(await alice2.forward('h1', 'xenos.pauseService', [svc.id])).toMatchObject({ id: svc.id, state: 'paused' })
    expect(await alice2.forward('h2', 'xenos.hostInfo')).toMatchObject({ hostname: 'h2' })
    const bob2 = client('tok-bob', [h.url('h2')])
    expect((await fault(bob2.forward('h1', 'xenos.unpauseService', [svc.id]))).faultCode).toBe(FaultCode.FORBIDDEN)
    expect((await fault(bob2.forward('h1', 'xenos.peer.exportTemplate', ['web']))).faultCode).toBe(FaultCode.BAD_ARGUMENT)
    expect((await fault(client('nobody', [h.url('h2')]).forward('h1', 'xenos.hostInfo'))).faultCode).toBe(FaultCode.UNAUTHENTICATED)
    expect((await fault(alice2.forward('h9', 'xenos.hostInfo'))).faultCode).toBe(FaultCode.UNAVAILABLE)
    // when the service's own API is gone but its host is still on the overlay, the client goes through its current host
    await h.servers.get('h1')!.server.close()
    expect((await alice2.unpauseService(svc.id)).state).toBe('running')
  })

  it('reaches a service on another host through search', async () => {
    const on1 = client('tok-alice', [h.url('h1')])
    const svc = await on1.createInstance('web', { name: 'far', start: true })
    const on2 = client('tok-alice', [h.url('h2')])
    expect((await on2.pauseService(svc.id)).state).toBe('paused')
    expect((await on2.serviceStats(svc.id)).state).toBe('paused')
  })

  it('replicates, creates and migrates with an automatic target through the API, and reports events', async () => {
    const admin = client('tok-admin', [h.url('h2')])
    const rep = await admin.replicateTemplate('web', { method: 'whole-copy' })
    expect(rep).toMatchObject({ alreadyPresent: false, holders: ['h1'], method: 'whole-copy' })
    const svc = await admin.createInstance('web', { name: 'mover', groups: ['g1'], start: true })
    expect(svc.host).toBe('h2')
    const moved = await admin.migrateService(svc.id, 'freeMemoryMiB>=384')
    expect(moved.toHost).toBe('h3')
    expect(moved.service).toMatchObject({ id: svc.id, host: 'h3', state: 'running' })
    expect(moved.service.groups).toContain('g1')
    const found = await admin.searchServices(`id=${svc.id}`)
    expect(found.results.map(r => r.host)).toEqual(['h3'])
    expect(found.nonResponders).toEqual([])
    const page = await admin.events(0)
    expect(page.events.map(e => e.kind)).toEqual(expect.arrayContaining(['template-replicated', 'created', 'started', 'migrating', 'migrated']))
    const next = await admin.events(page.nextSeq)
    expect(next.events).toEqual([])
    // the polling helper delivers what happens next, in order
    const on1 = client('tok-admin', [h.url('h1')])
    const stop = new AbortController()
    const all: Array<{ kind: string, id: string | undefined }> = []
    const watching = on1.watchEvents((e) => { all.push({ kind: e.kind, id: e.serviceId }) }, { intervalMs: 20, signal: stop.signal })
    const watchedId = (await on1.createInstance('web', { name: 'watched' })).id
    await on1.startService(watchedId)
    await on1.pauseService(watchedId)
    const seen = (): string[] => all.filter(e => e.id === watchedId).map(e => e.kind)
    await waitFor(() => seen().length >= 3, { timeoutS: 60, what: 'three events of the watched service' })
    stop.abort()
    await watching
    expect(seen()).toEqual(['created', 'started', 'paused'])
  })
})
