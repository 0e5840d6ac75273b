import { expect } from 'vitest'
import type { SuiteContext } from '../suite-context.js'
import { expectRejects } from '../expect-error.js'

/** host.*, clock.*, domain.*, spec.* clauses. */
export function hostAndDomainTests (s: SuiteContext): void {
  s.test('host.facts', 'host facts are consistent', async ({ fixture: { driver } }) => {
    const facts = await driver.hostFacts()
    expect(facts.hostname).toBe(driver.hostname)
    expect(facts.hypervisor.length).toBeGreaterThan(0)
    expect(facts.cpu.cores).toBeGreaterThanOrEqual(1)
    expect(facts.cpu.speedMHz).toBeGreaterThan(0)
    expect(facts.memory.totalMiB).toBeGreaterThan(0)
    expect(facts.memory.freeMiB).toBeGreaterThanOrEqual(0)
    expect(facts.memory.freeMiB).toBeLessThanOrEqual(facts.memory.totalMiB)
    expect(facts.memory.dom0MiB).toBeGreaterThanOrEqual(0)
    expect(facts.memory.dom0MiB + facts.memory.freeMiB).toBeLessThanOrEqual(facts.memory.totalMiB)
    expect(facts.disk.totalBytes).toBeGreaterThan(0)
    expect(facts.disk.freeBytes).toBeGreaterThanOrEqual(0)
    expect(facts.disk.freeBytes).toBeLessThanOrEqual(facts.disk.totalBytes)
    expect(Array.isArray(facts.addresses)).toBe(true)
  })

  s.test('host.capabilities', 'capabilities are booleans and known storage modes', async ({ caps }) => {
    for (const flag of ['pause', 'gracefulShutdown', 'checkpoint', 'liveMigration', 'copyOnWriteClone', 'reattach'] as const) {
      expect(typeof caps[flag], flag).toBe('boolean')
    }
    expect(Array.isArray(caps.storageMigration)).toBe(true)
    for (const mode of caps.storageMigration) expect(['none', 'stop-and-copy', 'pre-copy']).toContain(mode)
  })

  s.test('clock.sleep', 'the clock advances by the time slept', async ({ fixture: { driver } }) => {
    const before = driver.clock.nowS()
    await driver.clock.sleep(0.05)
    const after = driver.clock.nowS()
    // real clocks: Node's timers round to whole milliseconds and may fire up to 1 ms early against performance.now()
    expect(after - before).toBeGreaterThanOrEqual(0.05 - 0.002)
  })

  s.test('domain.create', 'a created domain is stopped and listed with its spec', async ({ fixture: { driver }, name, spec }) => {
    const n = name('create')
    const wanted = await spec(n)
    const info = await driver.createDomain(wanted)
    expect(info.name).toBe(n)
    expect(info.state).toBe('stopped')
    expect(info.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i)
    expect(info.domid).toBeUndefined()
    expect(info.usage.memoryMiB).toBe(0)
    expect(info.spec.vcpus).toBe(wanted.vcpus)
    expect(info.spec.memoryMiB).toBe(wanted.memoryMiB)
    expect(info.spec.disks.map(d => d.image)).toEqual(wanted.disks.map(d => d.image))
    expect(info.spec.nics.length).toBe(wanted.nics.length)
    for (const nic of info.spec.nics) expect(nic.mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i)
    const listed = (await driver.listDomains()).filter(d => d.name === n)
    expect(listed).toHaveLength(1)
    expect(listed[0]?.uuid).toBe(info.uuid)
    const inspected = await driver.inspectDomain(n)
    expect(inspected.uuid).toBe(info.uuid)
    expect(inspected.state).toBe('stopped')
  })

  s.test('domain.create.duplicate', 'a used name fails with DomainExistsError', async ({ fixture: { driver }, name, spec }) => {
    const n = name('dup')
    const wanted = await spec(n)
    const first = await driver.createDomain(wanted)
    await expectRejects(driver.createDomain(wanted), 'DomainExistsError')
    const listed = (await driver.listDomains()).filter(d => d.name === n)
    expect(listed.map(d => d.uuid)).toEqual([first.uuid])
  })

  s.test('domain.create.missing-image', 'a missing image fails with ImageNotFoundError and leaves nothing', async ({ fixture: { driver }, name, spec }) => {
    const n = name('noimg')
    const good = await spec(n)
    const bad = { ...good, disks: [{ image: `compliance/${n}-absent.img`, target: 'xvdz' }, ...good.disks] }
    await expectRejects(driver.createDomain(bad), 'ImageNotFoundError')
    expect((await driver.listDomains()).some(d => d.name === n)).toBe(false)
    await expectRejects(driver.inspectDomain(n), 'DomainNotFoundError')
  })

  s.test('domain.not-found', 'operations on an unknown domain fail with DomainNotFoundError', async ({ fixture: { driver }, name }) => {
    const n = name('ghost')
    await expectRejects(driver.inspectDomain(n), 'DomainNotFoundError')
    await expectRejects(driver.startDomain(n), 'DomainNotFoundError')
    await expectRejects(driver.pauseDomain(n), 'DomainNotFoundError')
    await expectRejects(driver.handle(n), 'DomainNotFoundError')
    await expectRejects(driver.saveDomain(n, 'compliance/ghost.ckpt'), 'DomainNotFoundError')
  })

  s.test('spec.invalid', 'bad input fails with InvalidSpecError and changes nothing', async ({ fixture: { driver }, name, spec }) => {
    const n = name('bad')
    const good = await spec(n)
    const before = (await driver.listDomains()).length
    await expectRejects(driver.createDomain({ ...good, name: '-bad name' }), 'InvalidSpecError')
    await expectRejects(driver.createDomain({ ...good, vcpus: 0 }), 'InvalidSpecError')
    await expectRejects(driver.createDomain({ ...good, memoryMiB: 1.5 }), 'InvalidSpecError')
    await expectRejects(driver.createDomain({ ...good, disks: [{ image: '../../etc/passwd', target: 'xvda' }] }), 'InvalidSpecError')
    await expectRejects(driver.createDomain(null as never), 'InvalidSpecError')
    await expectRejects(driver.inspectDomain('a b;rm -rf /'), 'InvalidSpecError')
    await expectRejects(driver.startDomain(''), 'InvalidSpecError')
    await expectRejects(driver.createImage('compliance/x.img', -1), 'InvalidSpecError')
    await expectRejects(driver.createImage('../outside.img', 1024 * 1024), 'InvalidSpecError')
    expect((await driver.listDomains()).length).toBe(before)
    expect((await driver.listDomains()).some(d => d.name === n)).toBe(false)
  })
}
