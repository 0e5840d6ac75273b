import { expect } from 'vitest'
import { needs, type SuiteContext } from '../suite-context.js'
import { expectRejects } from '../expect-error.js'

/** reattach.* clauses: a restarted coordinator finds its domains again. */
export function reattachTests (s: SuiteContext): void {
  s.test('reattach.handle', 'a JSON handle finds the domain again, and fails once it is gone', async ({ fixture: { driver }, name, running }) => {
    const n = name('handle')
    const started = await running(n)
    const handle = await driver.handle(n)
    expect(handle).toEqual({ backend: driver.backend, hostname: driver.hostname, name: n, uuid: started.uuid })
    const kept = JSON.parse(JSON.stringify(handle)) as typeof handle
    const found = await driver.reattach(kept)
    expect(found.name).toBe(n)
    expect(found.uuid).toBe(started.uuid)
    expect(found.state).toBe('running')
    await expectRejects(driver.reattach({ ...kept, uuid: '00000000-0000-4000-8000-000000000000' }), 'DomainNotFoundError')
    await driver.destroyDomain(n)
    await driver.removeDomain(n, { deleteImages: true })
    await expectRejects(driver.reattach(kept), 'DomainNotFoundError')
  }, [needs('reattach')])
}
