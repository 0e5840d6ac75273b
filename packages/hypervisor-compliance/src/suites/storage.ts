import { expect } from 'vitest'
import { needs, type SuiteContext } from '../suite-context.js'
import { expectRejects } from '../expect-error.js'

/** storage.* clauses: images as files in the host's store. */
export function storageTests (s: SuiteContext): void {
  const size = (s_: SuiteContext): number => s_.fixture?.imageSizeBytes ?? 16 * 1024 * 1024

  s.test('storage.create', 'createImage makes an image that info and list report', async ({ fixture: { driver }, name, imagePath }) => {
    const path = imagePath(name('img'))
    const info = await driver.createImage(path, size(s))
    expect(info.path).toBe(path)
    expect(info.sizeBytes).toBe(size(s))
    expect(info.format).toBe('raw')
    expect(info.allocatedBytes).toBeGreaterThanOrEqual(0)
    expect(info.allocatedBytes).toBeLessThanOrEqual(info.sizeBytes + 1024 * 1024)
    expect(await driver.imageInfo(path)).toEqual(info)
    expect((await driver.listImages()).map(i => i.path)).toContain(path)
    await expectRejects(driver.createImage(path, size(s)), 'ImageExistsError')
    expect((await driver.imageInfo(path)).sizeBytes).toBe(size(s))
  })

  s.test('storage.copy', 'copyImage makes a full copy; missing source and used destination fail typed', async ({ fixture: { driver }, name, imagePath }) => {
    const source = imagePath(name('src'))
    const copy = imagePath(name('copy'))
    await driver.createImage(source, size(s))
    const info = await driver.copyImage(source, copy)
    expect(info.path).toBe(copy)
    expect(info.sizeBytes).toBe(size(s))
    expect(info.backingImage).toBeUndefined()
    expect((await driver.imageInfo(copy)).sizeBytes).toBe(size(s))
    expect((await driver.imageInfo(source)).sizeBytes).toBe(size(s))
    await expectRejects(driver.copyImage(source, copy), 'ImageExistsError')
    const absent = imagePath(name('absent'))
    const nowhere = imagePath(name('nowhere'))
    await expectRejects(driver.copyImage(absent, nowhere), 'ImageNotFoundError')
    await expectRejects(driver.imageInfo(nowhere), 'ImageNotFoundError')
  })

  s.test('storage.clone', 'cloneImage in copy mode copies the template', async ({ fixture: { driver }, name, imagePath }) => {
    const template = imagePath(name('tpl'))
    const clone = imagePath(name('clone'))
    await driver.createImage(template, size(s))
    const info = await driver.cloneImage(template, clone, { mode: 'copy' })
    expect(info.path).toBe(clone)
    expect(info.sizeBytes).toBe(size(s))
    expect(info.backingImage).toBeUndefined()
    await expectRejects(driver.cloneImage(imagePath(name('notpl')), imagePath(name('noclone'))), 'ImageNotFoundError')
  })

  s.test('storage.clone.cow', 'a copy-on-write clone names its template', async ({ fixture: { driver }, name, imagePath }) => {
    const template = imagePath(name('cowtpl'))
    const clone = imagePath(name('cow'))
    await driver.createImage(template, size(s))
    const info = await driver.cloneImage(template, clone, { mode: 'cow' })
    expect(info.path).toBe(clone)
    expect(info.sizeBytes).toBe(size(s))
    expect(info.backingImage).toBe(template)
    expect(info.allocatedBytes).toBeLessThan(size(s))
    expect((await driver.imageInfo(clone)).backingImage).toBe(template)
  }, [needs('copyOnWriteClone')])

  s.test('storage.delete', 'deleteImage removes an image; again is a no-op', async ({ fixture: { driver }, name, imagePath }) => {
    const path = imagePath(name('del'))
    await driver.createImage(path, size(s))
    await driver.deleteImage(path)
    await expectRejects(driver.imageInfo(path), 'ImageNotFoundError')
    expect((await driver.listImages()).some(i => i.path === path)).toBe(false)
    await driver.deleteImage(path)
  })

  s.test('storage.in-use', 'deleting the image of a running domain fails with ImageInUseError', async ({ fixture: { driver }, caps, name, running }) => {
    const n = name('inuse')
    const info = await running(n)
    const image = info.spec.disks[0]?.image
    if (image === undefined) throw new Error(`makeSpec must give domain ${n} at least one disk image`)
    const err = await expectRejects(driver.deleteImage(image), 'ImageInUseError')
    expect(err.message).toContain(n)
    expect((await driver.imageInfo(image)).path).toBe(image)
    if (caps.pause) {
      await driver.pauseDomain(n)
      await expectRejects(driver.deleteImage(image), 'ImageInUseError')
    }
  })
}
