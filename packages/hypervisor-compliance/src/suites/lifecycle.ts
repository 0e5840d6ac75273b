import { expect } from 'vitest'
import { needs, type SuiteContext } from '../suite-context.js'
import { expectRejects } from '../expect-error.js'

/** lifecycle.* clauses: each transition of the contract's state machine, valid and invalid. */
export function lifecycleTests (s: SuiteContext): void {
  s.test('lifecycle.start', 'start takes a stopped domain to running', async ({ fixture: { driver }, name, spec }) => {
    const n = name('start')
    const created = await driver.createDomain(await spec(n))
    const before = driver.clock.nowS()
    const info = await driver.startDomain(n)
    expect(info.state).toBe('running')
    expect(info.uuid).toBe(created.uuid)
    expect(typeof info.domid).toBe('number')
    expect(info.startedAtS).toBeGreaterThanOrEqual(before - 1e-6)
    expect(info.usage.memoryMiB).toBeGreaterThan(0)
    expect((await driver.inspectDomain(n)).state).toBe('running')
    expect((await driver.listDomains()).find(d => d.name === n)?.state).toBe('running')
  })

  s.test('lifecycle.start.invalid', 'starting a running domain fails with InvalidStateError', async ({ fixture: { driver }, name, running }) => {
    const n = name('start2')
    await running(n)
    const err = await expectRejects(driver.startDomain(n), 'InvalidStateError')
    expect(err.message).toMatch(/running/)
    expect((await driver.inspectDomain(n)).state).toBe('running')
  })

  s.test('lifecycle.pause', 'pause takes running to paused; pausing again is a no-op', async ({ fixture: { driver }, name, running }) => {
    const n = name('pause')
    const started = await running(n)
    const paused = await driver.pauseDomain(n)
    expect(paused.state).toBe('paused')
    expect(paused.uuid).toBe(started.uuid)
    expect((await driver.inspectDomain(n)).state).toBe('paused')
    expect((await driver.pauseDomain(n)).state).toBe('paused')
    expect((await driver.listDomains()).find(d => d.name === n)?.state).toBe('paused')
  }, [needs('pause')])

  s.test('lifecycle.pause.invalid', 'pausing a stopped domain fails with InvalidStateError', async ({ fixture: { driver }, name, spec }) => {
    const n = name('pausestop')
    await driver.createDomain(await spec(n))
    const err = await expectRejects(driver.pauseDomain(n), 'InvalidStateError')
    expect(err.message).toMatch(/stopped/)
    expect((await driver.inspectDomain(n)).state).toBe('stopped')
  }, [needs('pause')])

  s.test('lifecycle.unpause', 'unpause takes paused to running; unpausing a running domain is a no-op', async ({ fixture: { driver }, name, running }) => {
    const n = name('unpause')
    await running(n)
    expect((await driver.unpauseDomain(n)).state).toBe('running')
    await driver.pauseDomain(n)
    expect((await driver.unpauseDomain(n)).state).toBe('running')
    expect((await driver.inspectDomain(n)).state).toBe('running')
  }, [needs('pause')])

  s.test('lifecycle.unpause.invalid', 'unpausing a stopped domain fails with InvalidStateError', async ({ fixture: { driver }, name, spec }) => {
    const n = name('unpausestop')
    await driver.createDomain(await spec(n))
    await expectRejects(driver.unpauseDomain(n), 'InvalidStateError')
    expect((await driver.inspectDomain(n)).state).toBe('stopped')
  }, [needs('pause')])

  s.test('lifecycle.shutdown', 'a graceful shutdown stops a running domain', async ({ fixture: { driver }, name, running }) => {
    const n = name('shutdown')
    const started = await running(n)
    const info = await driver.shutdownDomain(n, { timeoutS: 60 })
    expect(info.state).toBe('stopped')
    expect(info.uuid).toBe(started.uuid)
    expect((await driver.inspectDomain(n)).state).toBe('stopped')
  }, [needs('gracefulShutdown')])

  s.test('lifecycle.shutdown.idempotent', 'shutting down a stopped domain is a no-op', async ({ fixture: { driver }, name, spec }) => {
    const n = name('shutstop')
    const created = await driver.createDomain(await spec(n))
    const info = await driver.shutdownDomain(n, { timeoutS: 5 })
    expect(info.state).toBe('stopped')
    expect(info.uuid).toBe(created.uuid)
  })

  s.test('lifecycle.destroy', 'destroy stops a running and a paused domain', async ({ fixture: { driver }, caps, name, running }) => {
    const n = name('destroy')
    await running(n)
    expect((await driver.destroyDomain(n)).state).toBe('stopped')
    expect((await driver.inspectDomain(n)).state).toBe('stopped')
    if (caps.pause) {
      await driver.startDomain(n)
      await driver.pauseDomain(n)
      expect((await driver.destroyDomain(n)).state).toBe('stopped')
      expect((await driver.inspectDomain(n)).state).toBe('stopped')
    }
  })

  s.test('lifecycle.destroy.idempotent', 'destroying a stopped domain is a no-op', async ({ fixture: { driver }, name, running }) => {
    const n = name('destroy2')
    await running(n)
    await driver.destroyDomain(n)
    const again = await driver.destroyDomain(n)
    expect(again.state).toBe('stopped')
    expect((await driver.listDomains()).filter(d => d.name === n)).toHaveLength(1)
  })

  s.test('lifecycle.restart', 'a stopped domain starts again with the same uuid', async ({ fixture: { driver }, name, running }) => {
    const n = name('restart')
    const first = await running(n)
    await driver.destroyDomain(n)
    const second = await driver.startDomain(n)
    expect(second.state).toBe('running')
    expect(second.uuid).toBe(first.uuid)
  })

  s.test('lifecycle.remove', 'remove forgets a stopped domain and keeps or deletes its images', async ({ fixture: { driver }, name, spec }) => {
    const kept = await spec(name('rmkeep'))
    await driver.createDomain(kept)
    await driver.removeDomain(kept.name)
    expect((await driver.listDomains()).some(d => d.name === kept.name)).toBe(false)
    await expectRejects(driver.inspectDomain(kept.name), 'DomainNotFoundError')
    for (const disk of kept.disks) expect((await driver.imageInfo(disk.image)).path).toBe(disk.image)
    // the name is free again
    await driver.createDomain(kept)
    await driver.removeDomain(kept.name, { deleteImages: true })
    for (const disk of kept.disks) await expectRejects(driver.imageInfo(disk.image), 'ImageNotFoundError')
  })

  s.test('lifecycle.remove.idempotent', 'removing an unknown domain is a no-op', async ({ fixture: { driver }, name }) => {
    await driver.removeDomain(name('never'))
    await driver.removeDomain(name('never'), { deleteImages: true })
  })

  s.test('lifecycle.remove.invalid', 'removing a running domain fails with InvalidStateError', async ({ fixture: { driver }, name, running }) => {
    const n = name('rmrun')
    await running(n)
    await expectRejects(driver.removeDomain(n), 'InvalidStateError')
    expect((await driver.inspectDomain(n)).state).toBe('running')
  })
}
