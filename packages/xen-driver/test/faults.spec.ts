// Faults the test double injects (a command that fails, hangs past its
// timeout, or prints a line no parser knows) and how the driver reports them.
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest'
import { waitFor } from '@xenos/hypervisor-interface'
import { existsSync } from 'node:fs'
import { mkdir, readdir, writeFile, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { xenDriver, type XenDriver } from '../src/index.js'
import { spawnSync } from 'node:child_process'
import { XlDouble, DOUBLE_BIN } from './xl-double.js'

const MiB = 1024 * 1024

async function expectName (p: Promise<unknown>, name: string): Promise<Error> {
  const err = await p.then(() => undefined, (e: unknown) => e as Error)
  expect(err, `expected ${name}`).toBeInstanceOf(Error)
  expect(err!.name, err!.message).toBe(name)
  return err!
}

describe('xen-driver under injected faults (xl test double)', { timeout: 30_000 }, () => {
  let double: XlDouble
  let driver: XenDriver
  let kernel: string
  let n = 0

  const make = async (host: string, extra: Partial<Parameters<typeof xenDriver>[0]> = {}): Promise<XenDriver> => await xenDriver({
    imageDir: join(double.root, `images-${host}`), stateDir: join(double.root, `state-${host}`),
    xl: double.xl(host), xentop: double.xentop(host), qemuImg: false, commandTimeoutS: 60,
    migration: { sshCommand: '', receiver: t => `XL_DOUBLE_HOST=${t.host} xl migrate-receive`, targets: { b: { imageDir: join(double.root, 'images-b') } } },
    ...extra
  })()

  const running = async (d: XenDriver = driver): Promise<string> => {
    const name = `f${++n}`
    await d.createImage(`${name}.img`, 4 * MiB)
    await d.createDomain({
      name, vcpus: 1, memoryMiB: 64, disks: [{ image: `${name}.img`, target: 'xvda' }], boot: { kind: 'pvh', kernel }, nics: [{ bridge: 'xenbr0' }]
    })
    await d.startDomain(name)
    return name
  }

  beforeAll(async () => {
    double = await XlDouble.create()
    await double.addHost('a')
    await double.addHost('b')
    kernel = join(double.root, 'vmlinuz')
    await writeFile(kernel, 'k')
    driver = await make('a')
  })
  afterEach(async () => { await double.clearFaults() })
  afterAll(async () => { await double.dispose() })

  it('a failing xl create gives XlCommandError with the exit code and stderr; the domain stays stopped', async () => {
    await double.faults([{ command: 'create', mode: 'fail', exitCode: 3, stderr: 'libxl: error: libxl_create.c:1:x: Domain 9:some new failure' }])
    const name = `f${++n}`
    await driver.createImage(`${name}.img`, 4 * MiB)
    await driver.createDomain({ name, vcpus: 1, memoryMiB: 64, disks: [{ image: `${name}.img`, target: 'xvda' }], boot: { kind: 'pvh', kernel }, nics: [] })
    const err = await expectName(driver.startDomain(name), 'XlCommandError')
    expect(err.message).toMatch(/xl create .*found 3.*some new failure/)
    expect((await driver.inspectDomain(name)).state).toBe('stopped')
  })

  it('a shutdown the guest ignores times out (OperationTimeoutError); force destroys it', async () => {
    const name = await running()
    await double.faults([{ command: 'shutdown', mode: 'hang', times: 2 }])
    await expectName(driver.shutdownDomain(name, { timeoutS: 1 }), 'OperationTimeoutError')
    expect((await driver.inspectDomain(name)).state).toBe('running')
    expect((await driver.shutdownDomain(name, { timeoutS: 1, force: true })).state).toBe('stopped')
  })

  it('an xl killed while it holds the host lock does not block the next one (as the kernel drops a dead holder\'s flock)', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
    const lock = join(double.root, 'a', 'lock')
    await mkdir(lock)
    await writeFile(join(lock, 'pid'), dead.stdout)
    const name = await running()
    expect((await driver.inspectDomain(name)).state).toBe('running')
    expect(existsSync(lock)).toBe(false)
    // a live holder is waited for, not broken
    await mkdir(lock)
    await writeFile(join(lock, 'pid'), String(process.pid))
    const waiting = driver.listDomains()
    // the waiter has found the lock held by a live process: it must leave it alone
    const host = join(double.root, 'a')
    await waitFor(async () => (await readdir(host)).some(f => f.startsWith('lock.waiting.')), { timeoutS: 60, what: 'an xl to wait for the lock' })
    expect(await readFile(join(lock, 'pid'), 'utf8')).toBe(String(process.pid))
    await rm(lock, { recursive: true })
    expect((await waiting).some(d => d.name === name)).toBe(true)
  })

  it('a command hanging past its timeout gives OperationTimeoutError', async () => {
    const name = await running()
    const impatient = await make('a', { commandTimeoutS: 3 })
    await double.faults([{ command: 'pause', mode: 'hang' }])
    const err = await expectName(impatient.pauseDomain(name), 'OperationTimeoutError')
    expect(err.message).toMatch(/xl pause .* within 3 s/)
  })

  it('a qemu-img that cannot be run means none; one whose probe hangs past the timeout fails the start, typed', async () => {
    const missing = await make('a', { qemuImg: join(double.root, 'no-such-qemu-img') })
    expect((await missing.capabilities()).copyOnWriteClone).toBe(false)
    const hanging = join(double.root, 'hanging-qemu-img')
    await writeFile(hanging, '#!/bin/sh\nexec sleep 60\n', { mode: 0o755 })
    const err = await expectName(make('a', { qemuImg: hanging, commandTimeoutS: 3 }), 'OperationTimeoutError')
    expect(err.message).toMatch(/hanging-qemu-img --version.* within 3 s/)
  })

  it('an unexpected line in xl list, xl list -l or xl info gives XlOutputError naming the command and the line', async () => {
    await double.faults([{ command: 'list', mode: 'garbage', line: 'Domain-Z  what is this' }])
    const err = await expectName(driver.listDomains(), 'XlOutputError')
    expect(err.message).toContain('`xl list -v`')
    expect(err.message).toContain('Domain-Z  what is this')
    // xl list -l is read when a driver adopts a domain it did not define
    await running()
    const fresh = await make('a', { stateDir: join(double.root, 'state-adopt') })
    await double.faults([{ command: 'list -l', mode: 'garbage', line: 'libxl: warning: something new' }])
    expect((await expectName(fresh.listDomains(), 'XlOutputError')).message).toContain('libxl: warning: something new')
    await double.faults([{ command: 'info', mode: 'garbage', line: 'a line without a separator' }])
    expect((await expectName(driver.hostFacts(), 'XlOutputError')).message).toContain('a line without a separator')
  })

  it('a migration that fails at the sender leaves the domain running and no image on the target', async () => {
    const target = await make('b')
    const name = await running()
    await double.faults([{ command: 'migrate', mode: 'fail' }])
    const err = await expectName(driver.migrateDomain(name, { host: 'b' }), 'MigrationFailedError')
    expect(err.message).toMatch(/Migration failed, resuming at sender/)
    expect((await driver.inspectDomain(name)).state).toBe('running')
    expect(existsSync(join(double.root, 'images-b', `${name}.img`))).toBe(false)
    expect((await target.listDomains()).some(d => d.name === name)).toBe(false)
  })

  it('a migration whose receiver cannot start the domain (no such bridge there) fails cleanly', async () => {
    await double.addHost('c', { bridges: ['br-other'] })
    const name = await running()
    const d = await make('a', {
      migration: { sshCommand: '', receiver: t => `XL_DOUBLE_HOST=${t.host} xl migrate-receive`, targets: { c: { imageDir: join(double.root, 'images-c') } } }
    })
    const err = await expectName(d.migrateDomain(name, { host: 'c' }), 'MigrationFailedError')
    expect(err.message).toContain(name)
    expect((await driver.inspectDomain(name)).state).toBe('running')
    expect(existsSync(join(double.root, 'images-c', `${name}.img`))).toBe(false)
  })

  it('a crashed guest is reported crashed; start brings it back with its uuid; remove forgets it', async () => {
    const name = await running()
    const before = await driver.inspectDomain(name)
    await double.crash('a', name)
    expect((await driver.inspectDomain(name)).state).toBe('crashed')
    await expectName(driver.pauseDomain(name), 'InvalidStateError')
    const again = await driver.startDomain(name)
    expect(again.state).toBe('running')
    expect(again.uuid).toBe(before.uuid)
    await double.crash('a', name)
    await driver.removeDomain(name, { deleteImages: true })
    expect((await driver.listDomains()).some(d => d.name === name)).toBe(false)
  })

  it('a guest that has shut down but is not cleaned up yet is stopped, and starts again at once', async () => {
    const name = await running()
    const uuid = (await driver.inspectDomain(name)).uuid
    expect((await driver.shutdownDomain(name, { timeoutS: 20 })).state).toBe('stopped')
    const again = await driver.startDomain(name)
    expect(again).toMatchObject({ state: 'running', uuid })
  })

  it('saving a paused domain works: the driver runs it for xl\'s suspend, which a paused PV guest cannot acknowledge', async () => {
    const name = await running()
    await driver.pauseDomain(name)
    const kept = await driver.saveDomain(name, `${name}-kept.ckpt`, { leaveRunning: true })
    expect(kept.state).toBe('paused')
    const saved = await driver.saveDomain(name, `${name}.ckpt`)
    expect(saved.state).toBe('stopped')
    // xl itself (here the double, as real xl) gives up on a paused guest
    const other = await running()
    await driver.pauseDomain(other)
    const r = spawnSync(join(DOUBLE_BIN, 'xl'), ['save', other, join(double.root, 'x.ckpt')],
      { env: { ...process.env, XL_DOUBLE_HOST: 'a' }, encoding: 'utf8' })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/guest didn't acknowledge suspend, cancelling request\nFailed to save domain, resuming domain\n$/)
    expect((await driver.inspectDomain(other)).state).toBe('paused')
  })

  it('xl without a hypervisor gives BackendUnavailableError', async () => {
    await expectName(make('no-such-host'), 'BackendUnavailableError')
  })

  it('writes the xl config it creates from (name, uuid, type, memory, disk target last, vif)', async () => {
    const name = await running()
    const info = await driver.inspectDomain(name)
    const cfg = await readFile(join(double.root, 'state-a', 'host', `${name}.cfg`), 'utf8')
    expect(cfg).toContain(`name = "${name}"`)
    expect(cfg).toContain(`uuid = "${info.uuid}"`)
    expect(cfg).toContain('type = "pvh"')
    expect(cfg).toContain('memory = 64')
    expect(cfg).toMatch(new RegExp(`disk = \\[ 'format=raw, vdev=xvda, access=rw, target=${join(double.root, 'images-a', name)}\\.img' \\]`))
    expect(cfg).toMatch(/vif = \[ 'mac=00:16:3e:[0-9a-f:]{8}, bridge=xenbr0' \]/)
  })

  it('a restarted driver finds its running domains again from the state directory', async () => {
    const name = await running()
    const handle = await driver.handle(name)
    const again = await make('a')
    const back = await again.reattach(handle)
    expect(back.state).toBe('running')
    // its start time is kept on a clock that survives the restart: no negative uptime
    expect(back.startedAtS).toBeLessThanOrEqual(again.clock.nowS())
    expect(again.clock.nowS() - back.startedAtS!).toBeLessThan(300)
    await mkdir(join(double.root, 'state-fresh'), { recursive: true })
    const fresh = await make('a', { stateDir: join(double.root, 'state-fresh') })
    const adopted = await fresh.reattach(handle)
    expect(adopted.uuid).toBe(handle.uuid)
    expect(adopted.spec.disks[0]?.image).toBe(`${name}.img`)
  })
})

describe('error mapping of failed xl commands', () => {
  it('maps real xl 4.17 messages, the testbed forwarder and unknown failures', async () => {
    const { mapXlError } = await import('../src/map-xl-error.js')
    const ctx = { hostname: 'h', domain: 'g1', requestedMiB: 4096, freeMiB: 368 }
    const r = (stderr: string, exitCode = 1): { argv: string[], exitCode: number, stdout: string, stderr: string } =>
      ({ argv: ['xl', 'create', 'g1.cfg'], exitCode, stdout: '', stderr })
    expect(mapXlError(r('g1 is an invalid domain identifier (rc=-6)\n'), ctx).name).toBe('DomainNotFoundError')
    const exists = r('libxl: error: libxl_domain.c:81:libxl__domain_rename: Domain 3:Domain with name "g1" already exists.\n', 3)
    expect(mapXlError(exists, ctx).name).toBe('DomainExistsError')
    const oom = mapXlError(r('libxl: error: libxl_dom.c:586:libxl__build_dom: xc_dom_boot_mem_init failed: Cannot allocate memory\n', 3), ctx)
    expect(oom.name).toBe('InsufficientMemoryError')
    expect(oom.message).toContain('4096')
    const noImage = r('libxl: error: libxl_device.c:386:libxl__device_disk_set_backend:'
      + ' Disk vdev=xvda failed to stat: /img/g1.img: No such file or directory\n', 3)
    expect(mapXlError(noImage, ctx).message).toContain('/img/g1.img')
    expect(mapXlError(r('cannot init xl context\n'), ctx).name).toBe('BackendUnavailableError')
    expect(mapXlError(r('xl-forward: cannot reach Domain 0 at 127.0.0.1:7001 (ECONNREFUSED)\n', 125), ctx).name).toBe('BackendUnavailableError')
    const other = mapXlError(r('Failed to save domain, resuming domain\n'), ctx)
    expect(other.name).toBe('XlCommandError')
    expect(other.message).toMatch(/xl create g1\.cfg.*found 1.*Failed to save domain/)
  })
})

describe('read-only xl queries that crash', () => {
  let double: XlDouble
  let driver: XenDriver

  beforeAll(async () => {
    double = await XlDouble.create()
    await double.addHost('q')
    driver = await xenDriver({
      imageDir: join(double.root, 'images-q'), stateDir: join(double.root, 'state-q'), xl: double.xl('q'), xentop: double.xentop('q'), qemuImg: false
    })()
  })
  afterEach(async () => { await double.clearFaults() })
  afterAll(async () => { await double.dispose() })

  it('an xl list or xl info killed by a signal (SIGSEGV, exit 139) is asked again', async () => {
    await double.faults([{ command: 'list', mode: 'fail', exitCode: 139, times: 2 }])
    expect(await driver.listDomains()).toEqual([])
    await double.faults([{ command: 'info', mode: 'fail', exitCode: 139 }])
    expect((await driver.hostFacts()).cpu.cores).toBeGreaterThan(0)
  })

  it('gives up after three crashes, and never repeats an ordinary failure', async () => {
    await double.faults([{ command: 'list', mode: 'fail', exitCode: 139, times: 3 }])
    expect((await expectName(driver.listDomains(), 'XlCommandError')).message).toMatch(/xl list -v.*found 139/)
    await double.faults([
      { command: 'list', mode: 'fail', exitCode: 1, stderr: 'libxl: error: something', times: 1 },
      { command: 'list', mode: 'fail', exitCode: 1, times: 1 }
    ])
    await expectName(driver.listDomains(), 'XlCommandError')
    // the second fault is still there: the failing query ran once
    await expectName(driver.listDomains(), 'XlCommandError')
    expect(await driver.listDomains()).toEqual([])
  })
})
