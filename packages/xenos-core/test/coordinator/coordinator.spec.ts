import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FakeCluster } from '../support/fake-cluster.js'
import { GiB, Harness, webTemplate } from '../support/harness.js'
import { faultFor } from '../../src/api/faults.js'
import { FaultCode } from '../../src/xmlrpc/fault.js'
import type { CoordinatorEvent } from '../../src/coordinator/index.js'

let h: Harness
beforeEach(() => { h = new Harness(new FakeCluster([{ name: 'h1' }, { name: 'h2' }, { name: 'h3', memoryMiB: 4096 }])) })
afterEach(async () => { await h.close() })

describe('registry from config files', () => {
  it('registers templates and services, and a broken entry does not stop the others', async () => {
    const a = await h.add('h1', [webTemplate('web')], [
      { name: 'web-a', template: 'web', groups: ['edge'], attributes: { role: 'a' }, endpoints: [], owner: 'alice', autostart: true, source: 'web-a.yaml:1' },
      { name: 'broken', template: 'no-such-template', groups: [], attributes: {}, endpoints: [], owner: 'bob', autostart: false, source: 'broken.yaml:1' },
      {
        name: 'web-b',
        template: 'web',
        groups: [],
        attributes: {},
        endpoints: [],
        owner: 'bob',
        autostart: false,
        id: 'svc-fixed-1',
        memoryMiB: 256,
        source: 'web-b.yaml:1'
      }
    ])
    const c = a.coordinator
    expect(c.getService('web-b').id).toBe('svc-fixed-1')
    expect((await h.cluster.driver('h1').inspectDomain('web-b')).spec.memoryMiB).toBe(256)
    expect((await c.localSearch('services', 'memoryMiB<300')).map(r => (r as { name: string }).name)).toEqual(['web-b'])
    expect(c.listTemplates().map(t => t.name)).toEqual(['web'])
    expect(c.listServices().map(s => s.name).sort()).toEqual(['web-a', 'web-b'])
    const webA = c.getService('web-a')
    expect(webA).toMatchObject({ template: 'web', host: 'h1', state: 'running', owner: 'alice', origin: 'config', attributes: { tier: 'front', role: 'a' } })
    expect(webA.groups.sort()).toEqual(['edge', 'web-all'])
    const page = c.events(0)
    const problems = page.events.filter(e => e.kind === 'config-error')
    expect(problems).toHaveLength(1)
    expect(problems[0]?.subject).toBe('broken.yaml:1')
    expect(problems[0]?.detail).toMatch(/expected a template "no-such-template"/)
  })

  it('picks up changed and new files on reload, keeping ids', async () => {
    const a = await h.add('h1', [webTemplate('web')], [
      { name: 'web-a', template: 'web', groups: ['edge'], attributes: {}, endpoints: [], owner: 'alice', autostart: false, source: 'a' }
    ])
    const id = a.coordinator.getService('web-a').id
    a.config.services = [
      { name: 'web-a', template: 'web', groups: ['core'], attributes: { v: '2' }, endpoints: [], owner: 'carol', autostart: true, source: 'a' },
      { name: 'web-c', template: 'web', groups: [], attributes: {}, endpoints: [], owner: 'alice', autostart: false, source: 'c' }
    ]
    const r = await a.coordinator.reload()
    expect(r?.services.sort()).toEqual(['web-a', 'web-c'])
    expect(a.coordinator.getService('web-a')).toMatchObject({ id, owner: 'carol', state: 'running', attributes: { tier: 'front', v: '2' } })
    expect(a.coordinator.getService('web-a').groups.sort()).toEqual(['core', 'web-all'])
    expect(a.coordinator.getService('web-c').state).toBe('stopped')
  })

  it('answers the local side of search for services and for the host', async () => {
    const a = await h.add('h1', [webTemplate('web')], [
      { name: 'web-a', template: 'web', groups: ['edge'], attributes: {}, endpoints: [], owner: 'alice', autostart: true, source: 'a' },
      { name: 'web-b', template: 'web', groups: [], attributes: {}, endpoints: [], owner: 'alice', autostart: false, source: 'b' }
    ])
    const running = await a.coordinator.localSearch('services', 'template=web state=running')
    expect(running.map(r => (r as { name: string }).name)).toEqual(['web-a'])
    expect(await a.coordinator.localSearch('services', 'group=edge memoryMiB>=384')).toHaveLength(1)
    const [host] = await a.coordinator.localSearch('hosts', 'freeMemoryMiB>=512')
    expect(host)
      .toMatchObject({ kind: 'host', hostname: 'h1', cores: 2, totalMemoryMiB: 2048, freeMemoryMiB: 2048 - 512 - 384, templates: ['web'], services: 2 })
    expect(await a.coordinator.localSearch('hosts', 'freeMemoryMiB>=2000')).toEqual([])
  })
})

describe('createInstance', () => {
  it('gives each instance its own id, name, MAC and guest host name, on a copy-on-write clone', async () => {
    const c = (await h.add('h1', [webTemplate('web')])).coordinator
    const one = await c.createInstance('web', { name: 'shop-1', groups: ['shop'], attributes: { env: 'prod' }, owner: 'alice' })
    const two = await c.createInstance('web')
    expect(one.id).not.toBe(two.id)
    expect(one.mac).not.toBe(two.mac)
    expect(one).toMatchObject({ name: 'shop-1', guestHostname: 'shop-1', state: 'stopped', owner: 'alice', origin: 'instance' })
    expect(one.groups.sort()).toEqual(['shop', 'web-all'])
    expect(two.name).toMatch(/^web-/)
    const driver = h.cluster.driver('h1')
    const dom = await driver.inspectDomain('shop-1')
    expect(dom.spec.nics[0]?.mac).toBe(one.mac)
    expect(dom.spec.disks[0]?.image).toBe(`services/${one.id}/xvda.img`)
    const img = await driver.imageInfo(`services/${one.id}/xvda.img`)
    expect(img.backingImage).toBe('templates/web/xvda.img')
    const full = await c.createInstance('web', { clone: 'copy' })
    const copied = await driver.imageInfo(`services/${full.id}/xvda.img`)
    expect(copied.backingImage).toBeUndefined()
    expect(copied.allocatedBytes).toBe(2 * GiB)
  })

  it('names instances without a name distinctly (ids of one host share their peer tag)', async () => {
    const c = (await h.add('h1', [webTemplate('web', 16)])).coordinator
    const names = new Set<string>()
    for (let i = 0; i < 20; i++) names.add((await c.createInstance('web')).name)
    expect(names.size).toBe(20)
  })

  it('refuses a taken name and leaves nothing behind when the domain cannot be made', async () => {
    const c = (await h.add('h1', [webTemplate('web'), webTemplate('huge', 8192)])).coordinator
    await c.createInstance('web', { name: 'x' })
    await expect(c.createInstance('web', { name: 'x' })).rejects.toThrow(/expected service name "x" to be free/)
    await expect(c.createInstance('huge', { name: 'big' })).rejects.toThrow(/InsufficientMemory|MiB of free memory/)
    const driver = h.cluster.driver('h1')
    expect((await driver.listImages('services')).length).toBe(1)
    expect((await driver.listDomains()).map(d => d.name)).toEqual(['x'])
    expect(c.listServices()).toHaveLength(1)
  })
})

describe('operations and events', () => {
  it('drives the life cycle, records state and emits events in order', async () => {
    const c = (await h.add('h1', [webTemplate('web')])).coordinator
    const seen: CoordinatorEvent[] = []
    c.subscribe(e => seen.push(e))
    const s = await c.createInstance('web', { name: 'w' })
    expect((await c.startService(s.id)).state).toBe('running')
    expect((await c.pauseService('w')).state).toBe('paused')
    expect((await c.unpauseService(s.id)).state).toBe('running')
    const stats = await c.serviceStats(s.id)
    expect(stats).toMatchObject({ state: 'running', vcpus: 1, memoryMiB: 384 })
    const ck = await c.checkpointService(s.id)
    expect(ck.checkpointPath).toBe(`checkpoints/${s.id}/1.ckpt`)
    expect(ck.service.checkpoints).toEqual([ck.checkpointPath])
    expect((await c.stopService(s.id)).state).toBe('stopped')
    expect((await c.stopService(s.id)).state).toBe('stopped')
    await expect(c.pauseService(s.id)).rejects.toThrow(/expected state running or paused, found stopped/)
    await c.destroyService(s.id)
    expect(c.listServices()).toEqual([])
    expect(seen.map(e => e.kind)).toEqual(['created', 'started', 'paused', 'unpaused', 'checkpointed', 'stopped', 'failed', 'destroyed'])
    const page = c.events(0)
    expect(page.events.map(e => e.seq)).toEqual(page.events.map((_, i) => i + 1))
    const later = c.events(page.nextSeq - 2)
    expect(later.events.map(e => e.kind)).toEqual(['failed', 'destroyed'])
    expect(c.events(page.nextSeq).events).toEqual([])
  })

  it('notices a domain that crashed or vanished behind its back', async () => {
    const c = (await h.add('h1', [webTemplate('web')])).coordinator
    const s = await c.createInstance('web', { name: 'w' })
    await c.startService(s.id)
    const gone = await c.createInstance('web', { name: 'gone' })
    expect(await c.reconcile()).toEqual([])
    h.cluster.hosts.get('h1')!.domains.get('w')!.state = 'crashed'
    h.cluster.hosts.get('h1')!.domains.delete('gone')
    expect((await c.reconcile()).sort()).toEqual([s.id, gone.id].sort())
    expect(c.getService(s.id).state).toBe('crashed')
    expect(c.getService(gone.id).state).toBe('vanished')
    expect(c.events(0).events.slice(-2).map(e => e.kind).sort()).toEqual(['crashed', 'vanished'])
    expect((await c.startService(s.id)).state).toBe('running')
  })

  it('manages groups at run time', async () => {
    const c = (await h.add('h1', [webTemplate('web')])).coordinator
    const s = await c.createInstance('web', { name: 'w' })
    await c.createGroup('monitors')
    await c.joinGroup(s.id, 'monitors')
    expect(c.listGroups().find(g => g.name === 'monitors')).toEqual({ name: 'monitors', members: [s.id], createdAtRuntime: true })
    await c.leaveGroup(s.id, 'monitors')
    expect(c.listGroups().find(g => g.name === 'monitors')?.members).toEqual([])
    await expect(c.joinGroup(s.id, 'bad group')).rejects.toThrow(/expected a group name/)
  })
})

describe('replicateTemplate', () => {
  it.each(['chunked', 'whole-copy'] as const)('pulls a template from the holder found by search (%s)', async (method) => {
    await h.add('h1', [webTemplate('web')])
    const b = (await h.add('h2')).coordinator
    const r = await b.replicateTemplate('web', { method })
    expect(r).toMatchObject({ alreadyPresent: false, holders: ['h1'], bytes: 2 * GiB, method })
    expect(b.getTemplate('web').origin).toBe('replicated')
    expect(await h.cluster.driver('h2').imageInfo('templates/web/xvda.img')).toMatchObject({ sizeBytes: 2 * GiB })
    expect(await h.cluster.driver('h2').listImages('staging')).toEqual([])
    const inst = await b.createInstance('web')
    expect(inst.host).toBe('h2')
    expect((await b.replicateTemplate('web')).alreadyPresent).toBe(true)
  })

  it('replicates a missing template on demand when an instance is wanted', async () => {
    await h.add('h1', [webTemplate('web')])
    const b = (await h.add('h2')).coordinator
    const s = await b.createInstance('web', { name: 'anywhere' })
    expect(s.host).toBe('h2')
    expect(b.getTemplate('web').origin).toBe('replicated')
    expect(b.events(0).events.map(e => e.kind)).toEqual(['template-replicated', 'created'])
  })

  it('fails cleanly when no host holds the template, and records the failure', async () => {
    await h.add('h1')
    const b = (await h.add('h2')).coordinator
    await expect(b.replicateTemplate('ghost')).rejects.toThrow(/expected a template "ghost" on any reachable host/)
    expect(b.events(0).events.at(-1)).toMatchObject({ kind: 'failed', subject: 'ghost' })
  })

  it('answers 503 naming the host that did not answer when no host that answered holds the template', async () => {
    await h.add('h1', [webTemplate('web')])
    const b = (await h.add('h2')).coordinator
    await h.add('h3')
    h.net.down.add('h1')
    const err = await b.replicateTemplate('web').then(() => undefined, (e: unknown) => e)
    expect(err).toMatchObject({ name: 'UnreachableHostsError' })
    expect((err as Error).message).toBe(
      'expected a host holding template "web", found none among the 2 hosts that answered; not reached: h1 (declared failed: connection refused)')
    expect(faultFor(err)?.faultCode).toBe(FaultCode.UNAVAILABLE)
    expect(b.events(0).events.at(-1)).toMatchObject({ kind: 'failed', subject: 'web' })
    expect(b.events(0).events.at(-1)!.detail).toMatch(/h1 \(declared failed: connection refused\)/)
  })

  it('records a replication that could not fetch the template record from its holder', async () => {
    await h.add('h1', [webTemplate('web')])
    const b = (await h.add('h2')).coordinator
    h.net.down.add('h1')
    await expect(b.replicateTemplate('web', { fromPeers: ['h1'] })).rejects.toMatchObject({ name: 'PeerError' })
    expect(b.events(0).events.at(-1)).toMatchObject({ kind: 'failed', subject: 'web' })
    expect(b.events(0).events.at(-1)!.detail).toMatch(/replication from h1: .*connection refused/)
  })
})
