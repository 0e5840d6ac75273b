import { expect } from 'vitest'
import type { StorageMigrationMode } from '@xenos/hypervisor-interface'
import { needs, needsTarget, needsUnreachable, type SuiteContext } from '../suite-context.js'
import { expectRejects } from '../expect-error.js'

const MiB = 1024 * 1024

/** The storage mode the suite migrates with: the first that moves images. */
function movingMode (modes: StorageMigrationMode[]): StorageMigrationMode | undefined {
  return modes.find(m => m === 'stop-and-copy') ?? modes.find(m => m === 'pre-copy')
}

/** migration.* clauses: the domain and its images move; a failure leaves it on the source. */
export function migrationTests (s: SuiteContext): void {
  const movesImages = (caps: { storageMigration: StorageMigrationMode[] }): string | undefined =>
    movingMode(caps.storageMigration) === undefined ? 'driver cannot move images (storageMigration)' : undefined

  s.test('migration.live', 'a live migration moves the domain and its images to the target', async ({ fixture, caps, name, running }) => {
    const { driver } = fixture
    const target = fixture.target!
    const n = name('mig')
    const started = await running(n)
    const images = started.spec.disks.map(d => d.image)
    const sizes = await Promise.all(images.map(async p => (await driver.imageInfo(p)).sizeBytes))
    const storage = movingMode(caps.storageMigration)!
    const report = await driver.migrateDomain(n, fixture.targetAddress!, { live: true, storage })

    expect(report.domain).toBe(n)
    expect(report.fromHost).toBe(driver.hostname)
    expect(report.toHost).toBe(target.hostname)
    expect(report.live).toBe(true)
    expect(report.storage).toBe(storage)
    expect(report.totalS).toBeGreaterThanOrEqual(report.downtimeS)
    expect(report.downtimeS).toBeGreaterThanOrEqual(0)
    expect(report.memoryBytes).toBeGreaterThanOrEqual(started.spec.memoryMiB * MiB * 0.9)
    expect(report.diskBytes).toBeGreaterThan(0)
    expect(report.bytesMoved).toBeGreaterThanOrEqual(report.memoryBytes + report.diskBytes)
    expect(report.rounds).toBeGreaterThanOrEqual(1)

    expect((await driver.listDomains()).some(d => d.name === n)).toBe(false)
    await expectRejects(driver.inspectDomain(n), 'DomainNotFoundError')
    const moved = await target.inspectDomain(n)
    expect(moved.state).toBe('running')
    expect(moved.uuid).toBe(started.uuid)
    for (const [i, path] of images.entries()) {
      expect((await target.imageInfo(path)).sizeBytes).toBe(sizes[i])
      await expectRejects(driver.imageInfo(path), 'ImageNotFoundError')
    }
    // the moved domain is a full citizen of the target
    expect((await target.destroyDomain(n)).state).toBe('stopped')
  }, [needs('liveMigration'), needsTarget, movesImages])

  s.test('migration.failed', 'a failed migration throws MigrationFailedError and the domain still runs on the source', async ({
    fixture, caps, name, running
  }) => {
    const { driver } = fixture
    const n = name('migfail')
    const started = await running(n)
    const storage = movingMode(caps.storageMigration) ?? 'none'
    const err = await expectRejects(driver.migrateDomain(n, fixture.unreachableTarget!, { live: true, storage, timeoutS: 120 }), 'MigrationFailedError')
    expect(err.message).toContain(n)
    const after = await driver.inspectDomain(n)
    expect(after.state).toBe('running')
    expect(after.uuid).toBe(started.uuid)
    for (const disk of started.spec.disks) expect((await driver.imageInfo(disk.image)).path).toBe(disk.image)
    if (fixture.target !== undefined) {
      expect((await fixture.target.listDomains()).some(d => d.name === n)).toBe(false)
    }
  }, [needs('liveMigration'), needsUnreachable])
}
