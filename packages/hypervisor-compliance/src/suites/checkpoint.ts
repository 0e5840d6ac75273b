import { expect } from 'vitest'
import { needs, type SuiteContext } from '../suite-context.js'
import { expectRejects } from '../expect-error.js'

/** checkpoint.* clauses: save and restore keep the domain's identity. */
export function checkpointTests (s: SuiteContext): void {
  s.test('checkpoint.save-restore', 'save stops the domain; restore runs it with the same name and uuid', async ({
    fixture: { driver }, name, running, checkpointPath
  }) => {
    const n = name('ckpt')
    const started = await running(n)
    const path = checkpointPath(n)
    const saved = await driver.saveDomain(n, path)
    expect(saved.state).toBe('stopped')
    expect(saved.uuid).toBe(started.uuid)
    expect((await driver.inspectDomain(n)).state).toBe('stopped')
    const restored = await driver.restoreDomain(path)
    expect(restored.name).toBe(n)
    expect(restored.uuid).toBe(started.uuid)
    expect(restored.state).toBe('running')
    expect(restored.spec.memoryMiB).toBe(started.spec.memoryMiB)
    const listed = (await driver.listDomains()).filter(d => d.name === n)
    expect(listed.map(d => [d.uuid, d.state])).toEqual([[started.uuid, 'running']])
  }, [needs('checkpoint')])

  s.test('checkpoint.leave-running', 'save with leaveRunning keeps the domain running', async ({ fixture: { driver }, name, running, checkpointPath }) => {
    const n = name('ckptrun')
    const started = await running(n)
    const saved = await driver.saveDomain(n, checkpointPath(n), { leaveRunning: true })
    expect(saved.state).toBe('running')
    expect(saved.uuid).toBe(started.uuid)
    expect((await driver.inspectDomain(n)).state).toBe('running')
  }, [needs('checkpoint')])

  s.test('checkpoint.invalid', 'saving a stopped domain fails with InvalidStateError; restoring a missing file fails typed', async ({
    fixture: { driver }, name, spec, checkpointPath
  }) => {
    const n = name('ckptstop')
    await driver.createDomain(await spec(n))
    await expectRejects(driver.saveDomain(n, checkpointPath(n)), 'InvalidStateError')
    expect((await driver.inspectDomain(n)).state).toBe('stopped')
    const err = await driver.restoreDomain(checkpointPath(name('nockpt'))).then(() => undefined, (e: unknown) => e as Error)
    expect(err, 'restoring a checkpoint that does not exist must fail').toBeInstanceOf(Error)
    expect(err?.name).toMatch(/^(ImageNotFoundError|InvalidSpecError|HypervisorError)$/)
  }, [needs('checkpoint')])
}
