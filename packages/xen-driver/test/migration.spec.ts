// How xen-driver moves a domain with its disks (xl test double, two hosts).
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { xenDriver, localCopyTransfer, HostShell, type ImageTransfer, type XenDriver } from '../src/index.js'
import { XlDouble } from './xl-double.js'

const MiB = 1024 * 1024
const hasQemuImg = spawnSync('qemu-img', ['--version']).status === 0

describe('migration with disk images (xl test double)', { timeout: 60_000 }, () => {
  let double: XlDouble
  let kernel: string
  let n = 0
  const seen: string[] = []
  let failCopy = false

  const make = async (host: string, transfer?: ImageTransfer, shared = false): Promise<XenDriver> => await xenDriver({
    imageDir: join(double.root, shared ? 'images-shared' : `images-${host}`), stateDir: join(double.root, `state-${host}`),
    xl: double.xl(host), xentop: false,
    migration: {
      sshCommand: '', receiver: t => `XL_DOUBLE_HOST=${t.host} xl migrate-receive`,
      targets: { b: { imageDir: join(double.root, shared ? 'images-shared' : 'images-b') } },
      ...(transfer !== undefined ? { transfer } : {})
    }
  })()

  const running = async (d: XenDriver): Promise<string> => {
    const name = `m${++n}`
    await d.createImage(`${name}.img`, 4 * MiB)
    await d.createDomain({ name, vcpus: 1, memoryMiB: 64, disks: [{ image: `${name}.img`, target: 'xvda' }], boot: { kind: 'pvh', kernel }, nics: [] })
    await d.startDomain(name)
    return name
  }

  beforeAll(async () => {
    double = await XlDouble.create()
    await double.addHost('a')
    await double.addHost('b')
    kernel = join(double.root, 'vmlinuz')
    await writeFile(kernel, 'k')
  })
  afterAll(async () => { await double.dispose() })

  /** A transfer that records the source domain's state while it copies, and can fail. */
  const watching = (source: () => XenDriver): ImageTransfer => {
    const inner = localCopyTransfer(new HostShell())
    return {
      exists: inner.exists,
      copy: async (from, target, to, signal) => {
        const name = /\/(m\d+)\.img$/.exec(from)?.[1] ?? '?'
        seen.push((await source().inspectDomain(name)).state)
        const r = await inner.copy(from, target, to, signal)
        await source().clock.sleep(0.3)
        if (failCopy) throw new Error('link dropped mid-copy')
        return r
      },
      remove: inner.remove
    }
  }

  it('stop-and-copy copies the images, then migrates live (the guest runs meanwhile); the target runs it', async () => {
    const box: { d?: XenDriver } = {}
    const a = box.d = await make('a', watching(() => box.d!))
    const b = await make('b')
    const name = await running(a)
    const report = await a.migrateDomain(name, { host: 'b' }, { storage: 'stop-and-copy' })
    expect(seen.at(-1)).toBe('running')
    expect((await b.inspectDomain(name)).state).toBe('running')
    expect(report.totalS).toBeGreaterThanOrEqual(0.3) // the copy is part of the migration
    expect(report.downtimeS).toBeGreaterThan(0)
    expect(report.totalS).toBeGreaterThanOrEqual(report.downtimeS)
    expect(report.diskBytes).toBe(4 * MiB)
    expect(existsSync(join(double.root, 'images-b', `${name}.img`))).toBe(true)
    expect(existsSync(join(double.root, 'images-a', `${name}.img`))).toBe(false)
  })

  it('a copy that fails leaves the domain running on the source and no partial image on the target', async () => {
    const box: { d?: XenDriver } = {}
    const a = box.d = await make('a', watching(() => box.d!))
    const name = await running(a)
    failCopy = true
    try {
      const err = await a.migrateDomain(name, { host: 'b' }).then(() => undefined, (e: unknown) => e as Error)
      expect(err?.name).toBe('MigrationFailedError')
      expect(err?.message).toContain('link dropped mid-copy')
    } finally { failCopy = false }
    expect((await a.inspectDomain(name)).state).toBe('running')
    expect(existsSync(join(double.root, 'images-b', `${name}.img`))).toBe(false)
    expect(existsSync(join(double.root, 'images-a', `${name}.img`))).toBe(true)
  })

  it('a paused domain is run for xl\'s suspend (a paused PV guest cannot acknowledge it): it migrates, or is paused here again on failure', async () => {
    const a = await make('a')
    const b = await make('b')
    const moving = await running(a)
    await a.pauseDomain(moving)
    await a.migrateDomain(moving, { host: 'b' })
    // with an sh -c transport xl does not pass -p on to migrate-receive: it arrives running
    expect((await b.inspectDomain(moving)).state).toBe('running')
  })

  it('a domain the caller paused is left paused here when the migration fails', async () => {
    const a = await make('a')
    const name = await running(a)
    await a.pauseDomain(name)
    const err = await a.migrateDomain(name, { host: 'nowhere' }).then(() => undefined, (e: unknown) => e as Error)
    expect(err?.name).toBe('MigrationFailedError')
    expect((await a.inspectDomain(name)).state).toBe('paused')
  })

  it('storage none (shared storage) migrates without copying or deleting images', async () => {
    const a = await make('a', undefined, true)
    const b = await make('b', undefined, true)
    const name = await running(a)
    const report = await a.migrateDomain(name, { host: 'b' }, { storage: 'none' })
    expect(report).toMatchObject({ storage: 'none', diskBytes: 0, live: true })
    expect((await b.inspectDomain(name)).state).toBe('running')
    expect(existsSync(join(double.root, 'images-shared', `${name}.img`))).toBe(true)
  })

  it.skipIf(!hasQemuImg)('a copy-on-write clone moves with its template, rebased onto the target\'s copy; the source keeps the template', async () => {
    const a = await make('a')
    const b = await make('b')
    const name = `m${++n}`
    await a.createImage('templates/base.img', 8 * MiB)
    const clone = await a.cloneImage('templates/base.img', `${name}.qcow2`, { mode: 'cow' })
    expect(clone).toMatchObject({ format: 'qcow2', backingImage: 'templates/base.img' })
    await a.createDomain({
      name, vcpus: 1, memoryMiB: 64, disks: [{ image: `${name}.qcow2`, target: 'xvda', format: 'qcow2' }], boot: { kind: 'pvh', kernel }, nics: []
    })
    await a.startDomain(name)
    const report = await a.migrateDomain(name, { host: 'b' })
    expect(report.diskBytes).toBeGreaterThanOrEqual(8 * MiB)
    const moved = await b.imageInfo(`${name}.qcow2`)
    expect(moved).toMatchObject({ format: 'qcow2', backingImage: 'templates/base.img', sizeBytes: 8 * MiB })
    expect((await b.imageInfo('templates/base.img')).sizeBytes).toBe(8 * MiB)
    expect((await a.imageInfo('templates/base.img')).sizeBytes).toBe(8 * MiB)
    await expect(a.imageInfo(`${name}.qcow2`)).rejects.toMatchObject({ name: 'ImageNotFoundError' })
    expect((await b.inspectDomain(name)).state).toBe('running')
  })

  it('a target known by name is reached at its configured address, with its image directory; the report names it', async () => {
    const reached: string[] = []
    const a = await xenDriver({
      imageDir: join(double.root, 'images-a'), stateDir: join(double.root, 'state-a'), xl: double.xl('a'), xentop: false,
      migration: {
        sshCommand: '', receiver: (t) => { reached.push(t.host); return `XL_DOUBLE_HOST=${t.host} xl migrate-receive` },
        targets: { 'host-b.lab': { address: 'b', imageDir: join(double.root, 'images-b'), hostname: 'b' } }
      }
    })()
    const b = await make('b')
    const name = await running(a)
    const report = await a.migrateDomain(name, { host: 'host-b.lab' })
    expect(reached).toEqual(['b'])
    expect(report.toHost).toBe('b')
    expect((await b.inspectDomain(name)).state).toBe('running')
    expect(existsSync(join(double.root, 'images-b', `${name}.img`))).toBe(true)
  })

  it('an aborted migration says so, leaves the domain running here and removes what it copied', async () => {
    const controller = new AbortController()
    const inner = localCopyTransfer(new HostShell())
    const a = await make('a', {
      ...inner,
      copy: async (from, target, to, signal) => {
        const r = await inner.copy(from, target, to, signal)
        controller.abort(new Error('the target\'s coordinator went away'))
        return r
      }
    })
    const name = await running(a)
    const err = await a.migrateDomain(name, { host: 'b' }, { signal: controller.signal }).then(() => undefined, (e: unknown) => e as Error)
    expect(err?.name).toBe('MigrationFailedError')
    expect(err?.message).toContain('aborted (the target\'s coordinator went away)')
    expect((await a.inspectDomain(name)).state).toBe('running')
    expect(existsSync(join(double.root, 'images-b', `${name}.img`))).toBe(false)
  })

  it('rejects a target that is not a host name before running anything', async () => {
    const a = await make('a')
    const name = await running(a)
    const err = await a.migrateDomain(name, { host: 'b; rm -rf /' }).then(() => undefined, (e: unknown) => e as Error)
    expect(err?.name).toBe('InvalidSpecError')
    expect((await a.inspectDomain(name)).state).toBe('running')
  })
})
