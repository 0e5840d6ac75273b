import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FakeCluster } from '../support/fake-cluster.js'
import { Harness, webTemplate } from '../support/harness.js'
import { faultFor } from '../../src/api/faults.js'
import { FaultCode } from '../../src/xmlrpc/fault.js'

let h: Harness
beforeEach(() => { h = new Harness(new FakeCluster([{ name: 'h1' }, { name: 'h2' }, { name: 'h3', memoryMiB: 4096 }, { name: 'h4', memoryMiB: 1024 }])) })
afterEach(async () => { await h.close() })

async function running (): Promise<{ id: string, groups: string[] }> {
  const a = h.get('h1')
  const s = await a.createInstance('web', { name: 'w', groups: ['shop'] })
  await a.startService(s.id)
  return s
}

describe('migrateService', () => {
  beforeEach(async () => {
    await h.add('h1', [webTemplate('web')])
    await h.add('h2')
    await h.add('h3')
    await h.add('h4')
  })

  it('moves a running service to a named host, keeping its id and groups; the target replicates the template', async () => {
    const s = await running()
    const r = await h.get('h1').migrateService(s.id, { host: 'h2' })
    expect(r).toMatchObject({ fromHost: 'h1', toHost: 'h2', committed: true })
    expect(h.get('h1').listServices()).toEqual([])
    const moved = h.get('h2').getService(s.id)
    expect(moved).toMatchObject({ id: s.id, name: 'w', host: 'h2', state: 'running', origin: 'migration' })
    expect(moved.groups.sort()).toEqual(['shop', 'web-all'])
    expect(h.get('h2').listTemplates().map(t => t.name)).toEqual(['web'])
    expect((await h.cluster.driver('h2').inspectDomain('w')).state).toBe('running')
    expect(h.get('h1').events(0).events.map(e => e.kind)).toContain('migrated')
    expect(h.get('h2').events(0).events.map(e => e.kind)).toContain('migrated-in')
    // and it can be controlled on its new host
    expect((await h.get('h2').pauseService(s.id)).state).toBe('paused')
  })

  it('picks the host with most free memory among a search\'s matches', async () => {
    const s = await running()
    const r = await h.get('h1').migrateService(s.id, { query: 'freeMemoryMiB>=256' })
    expect(r.toHost).toBe('h3')
    expect(h.get('h3').getService(s.id).state).toBe('running')
  })

  it('refuses when no host matching the query has room, and the service keeps running', async () => {
    const s = await running()
    const err = await h.get('h1').migrateService(s.id, { query: 'freeMemoryMiB>=100000' }).then(() => undefined, (e: unknown) => e)
    expect(err).toMatchObject({ name: 'NoCapacityError' })
    expect(faultFor(err)?.faultCode).toBe(FaultCode.INSUFFICIENT_RESOURCES)
    expect(h.get('h1').getService(s.id).state).toBe('running')
    expect(h.get('h1').events(0).events.at(-1)).toMatchObject({ kind: 'failed', serviceId: s.id })
  })

  it('answers 503 naming the host that did not answer when the only host that could match is down (not 507)', async () => {
    const s = await running()
    h.net.down.add('h3') // the only host with 3000 MiB free
    const err = await h.get('h1').migrateService(s.id, { query: 'freeMemoryMiB>=3000' }).then(() => undefined, (e: unknown) => e)
    expect(err).toMatchObject({ name: 'UnreachableHostsError' })
    expect((err as Error).message).toMatch(/none among the 0 matches of the hosts that answered; not reached: h3 \(declared failed: connection refused\)$/)
    expect(faultFor(err)?.faultCode).toBe(FaultCode.UNAVAILABLE)
    expect(h.get('h1').getService(s.id).state).toBe('running')
    const last = h.get('h1').events(0).events.at(-1)!
    expect(last).toMatchObject({ kind: 'failed', serviceId: s.id })
    expect(last.detail).toMatch(/^migration to a host matching "freeMemoryMiB>=3000": .*h3 \(declared failed: connection refused\)/)
  })

  it('leaves the service running on the source and the target clean when the driver migration fails', async () => {
    const s = await running()
    h.cluster.failNextMigrationTo.add('h2')
    const before = await h.get('h2').hostRecord()
    await expect(h.get('h1').migrateService(s.id, { host: 'h2' })).rejects.toMatchObject({ name: 'MigrationFailedError' })
    expect(h.get('h1').getService(s.id)).toMatchObject({ state: 'running', host: 'h1' })
    expect((await h.cluster.driver('h1').inspectDomain('w')).state).toBe('running')
    const t = h.get('h2')
    expect(t.listServices()).toEqual([])
    expect(t.listTemplates()).toEqual([])
    expect(await h.cluster.driver('h2').listImages()).toEqual([])
    expect(await t.hostRecord()).toEqual(before)
    expect(h.net.calls).toContain('h2:xenos.peer.abortMigration')
    expect(h.get('h1').events(0).events.at(-1)).toMatchObject({ kind: 'failed', serviceId: s.id })
  })

  it('leaves the service on the source when the target dies before the copy, saying what happened to the target', async () => {
    const s = await running()
    h.net.down.add('h2')
    h.cluster.hosts.get('h2')!.down = true
    const err = await h.get('h1').migrateService(s.id, { host: 'h2' }).then(() => undefined, (e: unknown) => e)
    expect((err as Error).message).toMatch(/expected host h2 to answer xenos.peer.prepareMigration, found: connection refused at every known address; the/)
    expect(faultFor(err)?.faultCode).toBe(FaultCode.UNAVAILABLE)
    expect(h.get('h1').getService(s.id).state).toBe('running')
    expect(h.get('h1').events(0).events.at(-1)).toMatchObject({ kind: 'failed', serviceId: s.id })
  })

  it('aborts the move when the target\'s coordinator dies during it: the service stays on the source; the target, back, releases its reservation', async () => {
    const s = await running()
    const before = await h.get('h2').hostRecord()
    let entered!: () => void
    const moving = new Promise<void>((resolve) => { entered = resolve })
    h.cluster.holdNextMigration = { entered, until: new Promise(() => {}) }
    const migration = h.get('h1').migrateService(s.id, { host: 'h2' })
    await moving
    h.net.down.add('h2') // its coordinator is gone; Xen would go on moving the guest
    await expect(migration).rejects.toThrow(/aborted \(the coordinator of h2 does not answer/)
    expect(h.get('h1').getService(s.id)).toMatchObject({ state: 'running', host: 'h1' })
    expect((await h.cluster.driver('h1').inspectDomain('w')).state).toBe('running')
    expect((await h.get('h2').hostRecord()).freeMemoryMiB).toBeLessThan(before.freeMemoryMiB) // still reserved: the abort could not reach it
    h.net.down.delete('h2')
    await h.get('h2').reconcile()
    expect(await h.get('h2').hostRecord()).toEqual({ ...before, templates: [] })
    expect(h.get('h2').listServices()).toEqual([])
    expect(h.get('h2').events(0).events.at(-1)).toMatchObject({ kind: 'failed', serviceId: s.id })
    expect(h.get('h2').events(0).events.at(-1)?.detail).toMatch(/the source is no longer sending it; its reservation is released/)
  })

  it('answers whether a migration is under way on either side', async () => {
    const s = await running()
    let entered!: () => void
    const moving = new Promise<void>((resolve) => { entered = resolve })
    let release!: () => void
    h.cluster.holdNextMigration = { entered, until: new Promise((resolve) => { release = resolve }) }
    let id = ''
    const target = h.net.members.get('h2')!
    const real = target.caller
    target.caller = async (method, params) => {
      if (method === 'xenos.peer.prepareMigration') id = (params[0] as { migrationId: string }).migrationId
      return await real(method, params)
    }
    const migration = h.get('h1').migrateService(s.id, { host: 'h2' })
    await moving
    expect(h.get('h1').peer.migrationStatus(id)).toEqual({ sending: true, expecting: false })
    expect(h.get('h2').peer.migrationStatus(id)).toEqual({ sending: false, expecting: true })
    release()
    await migration
    expect(h.get('h1').peer.migrationStatus(id)).toEqual({ sending: false, expecting: false })
    expect(h.get('h2').peer.migrationStatus(id)).toEqual({ sending: false, expecting: false })
  })

  it('refuses when the target lacks memory, without touching either side', async () => {
    const c = h.get('h1')
    const s = await c.createInstance('web', { name: 'w' })
    await c.startService(s.id)
    const big = await c.createInstance('web', { name: 'w2' })
    await c.startService(big.id)
    // h4 has 1024 - 512 = 512 MiB free: one 384 MiB domain fits, two do not
    await c.migrateService(s.id, { host: 'h4' })
    await expect(c.migrateService(big.id, { host: 'h4' })).rejects.toThrow(/384 MiB free on h4/)
    expect(c.getService(big.id).state).toBe('running')
    expect(h.get('h4').listServices().map(x => x.id)).toEqual([s.id])
  })

  it('completes a migration whose commit was lost: the target adopts it on reconcile and the source then forgets it', async () => {
    const s = await running()
    const target = h.net.members.get('h2')!
    const real = target.caller
    target.caller = async (method, params) => {
      if (method === 'xenos.peer.commitMigration') throw new Error('connection reset')
      return await real(method, params)
    }
    const r = await h.get('h1').migrateService(s.id, { host: 'h2' })
    expect(r.committed).toBe(false)
    expect(h.get('h1').getService(s.id)).toMatchObject({ state: 'vanished' })
    expect(h.get('h1').getService(s.id).lastError).toMatch(/migrated to h2, which did not confirm/)
    expect(h.get('h2').listServices()).toEqual([])
    expect(await h.get('h2').reconcile()).toEqual([s.id])
    expect(h.get('h1').listServices()).toEqual([])
    expect(h.get('h2').getService(s.id)).toMatchObject({ host: 'h2', state: 'running', origin: 'migration' })
    expect(h.get('h2').getService(s.id).groups.sort()).toEqual(['shop', 'web-all'])
  })

  it('refuses to migrate a stopped service', async () => {
    const s = await h.get('h1').createInstance('web', { name: 'w' })
    await expect(h.get('h1').migrateService(s.id, { host: 'h2' })).rejects.toThrow(/expected state running or paused, found stopped/)
  })
})
