import { expect } from 'vitest'
import type { SuiteContext } from '../suite-context.js'
import { expectRejects } from '../expect-error.js'
import { waitFor } from '@xenos/hypervisor-interface'

/** Tolerance on free memory coming back after a domain stops: real Xen keeps a few MiB of per-domain overhead in flux. */
const SLACK_MIB = 16

/** accounting.* clauses: memory and disk are reserved and released, and what does not fit fails cleanly. */
export function accountingTests (s: SuiteContext): void {
  s.test('accounting.memory', 'free memory drops while a domain runs and comes back after', async ({ fixture: { driver }, name, running }) => {
    const n = name('mem')
    const before = (await driver.hostFacts()).memory.freeMiB
    const info = await running(n)
    const memoryMiB = info.spec.memoryMiB
    const during = (await driver.hostFacts()).memory.freeMiB
    expect(before - during).toBeGreaterThanOrEqual(memoryMiB - SLACK_MIB)
    await driver.destroyDomain(n)
    // Real Xen frees a destroyed domain's memory a moment after `xl destroy` returns.
    await waitFor(async () => (await driver.hostFacts()).memory.freeMiB >= before - SLACK_MIB, {
      clock: driver.clock, timeoutS: 30, intervalS: 0.25, what: `free memory back to ${before} MiB (within ${SLACK_MIB}) after destroy`
    })
  })

  s.test('accounting.memory.never-fits', 'a domain larger than the host fails with InsufficientMemoryError and leaves nothing', async ({
    fixture: { driver }, name, spec
  }) => {
    const n = name('huge')
    const facts = await driver.hostFacts()
    const wanted = { ...(await spec(n)), memoryMiB: facts.memory.totalMiB + 1024 }
    const err = await expectRejects(driver.createDomain(wanted), 'InsufficientMemoryError')
    expect(err.message).toContain(String(wanted.memoryMiB))
    expect((await driver.listDomains()).some(d => d.name === n)).toBe(false)
    expect((await driver.hostFacts()).memory.freeMiB).toBeGreaterThanOrEqual(facts.memory.freeMiB - SLACK_MIB)
  })

  s.test('accounting.memory.start-fails', 'starting a domain that does not fit now fails with InsufficientMemoryError', async ({
    fixture: { driver }, name, running, spec
  }) => {
    // Fill part of the host, then ask for a little more than what is left:
    // the host could run it (so create may succeed) but not now.
    await running(name('filler'))
    const free = (await driver.hostFacts()).memory.freeMiB
    const n = name('nofit')
    const wanted = { ...(await spec(n)), memoryMiB: free + 32 }
    let created = true
    try {
      await driver.createDomain(wanted)
    } catch (err) {
      // a driver may already refuse at create time; it must say why, typed
      expect((err as Error).name).toBe('InsufficientMemoryError')
      created = false
    }
    if (created) {
      await expectRejects(driver.startDomain(n), 'InsufficientMemoryError')
      expect((await driver.inspectDomain(n)).state).toBe('stopped')
    } else {
      expect((await driver.listDomains()).some(d => d.name === n)).toBe(false)
    }
    const after = (await driver.hostFacts()).memory.freeMiB
    expect(after).toBeGreaterThanOrEqual(free - SLACK_MIB)
  })

  s.test('accounting.disk', 'an image larger than the free disk fails with InsufficientDiskError and leaves nothing', async ({
    fixture: { driver }, name, imagePath
  }) => {
    const facts = await driver.hostFacts()
    const path = imagePath(name('toobig'))
    const sizeBytes = facts.disk.freeBytes + 1024 * 1024 * 1024
    const err = await expectRejects(driver.createImage(path, sizeBytes), 'InsufficientDiskError')
    expect(err.message).toContain(String(sizeBytes))
    await expectRejects(driver.imageInfo(path), 'ImageNotFoundError')
    expect((await driver.listImages()).some(i => i.path === path)).toBe(false)
  })
}
