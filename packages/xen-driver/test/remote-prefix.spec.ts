// A remote Domain 0 behind `ssh root@host`: every argument reaches the remote
// shell quoted, so spaces and shell metacharacters in paths stay data. A fake
// `ssh` on PATH runs the joined command with `sh -c`, as sshd does.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { existsSync } from 'node:fs'
import { mkdir, writeFile, chmod } from 'node:fs/promises'
import { join } from 'node:path'
import { xenDriver, scpTransfer, HostShell, type XenDriver } from '../src/index.js'
import { XlDouble } from './xl-double.js'

const MiB = 1024 * 1024

describe('xen-driver through an ssh prefix', { timeout: 60_000 }, () => {
  let double: XlDouble
  let driver: XenDriver
  let fakeBin: string

  beforeAll(async () => {
    double = await XlDouble.create()
    await double.addHost('r')
    fakeBin = join(double.root, 'fake-ssh-bin')
    await mkdir(fakeBin)
    // ssh [-o opt]... HOST ARGS...: ARGS joined by spaces, run by a shell (what sshd does)
    await writeFile(join(fakeBin, 'ssh'), '#!/bin/sh\nwhile [ "$1" = -o ]; do shift 2; done\nshift\nexec sh -c "$*"\n')
    // scp [-q] [-o opt]... SRC HOST:DST (copies locally)
    await writeFile(join(fakeBin, 'scp'), '#!/bin/sh\nwhile [ "${1#-}" != "$1" ]; do if [ "$1" = -o ]; then shift; fi; shift; done\nexec cp "$1" "${2#*:}"\n')
    await chmod(join(fakeBin, 'ssh'), 0o755)
    await chmod(join(fakeBin, 'scp'), 0o755)
    process.env.PATH = `${fakeBin}:${process.env.PATH ?? ''}`
    driver = await xenDriver({
      imageDir: join(double.root, 'remote images'), stateDir: join(double.root, 'state'),
      xl: double.xl('r'), xentop: double.xentop('r'), qemuImg: false, prefix: ['ssh', 'root@r']
    })()
  })
  afterAll(async () => { await double.dispose() })

  it('quotes each argument for the remote shell', () => {
    const shell = new HostShell(['ssh', 'root@r'])
    expect(shell.wrap(['cp', '--sparse=always', '/a b/c', 'it\'s;rm -rf /']))
      .toEqual(['ssh', 'root@r', 'cp', '--sparse=always', '\'/a b/c\'', `'it'\\''s;rm -rf /'`])
    expect(new HostShell(['sudo']).wrap(['xl', 'list'])).toEqual(['sudo', 'xl', 'list'])
  })

  it('runs xl and the image commands remotely, with paths that need quoting', async () => {
    expect((await driver.hostFacts()).hostname).toBe('r')
    const path = 'dir with space/x;touch PWNED.img'
    const info = await driver.createImage(path, 2 * MiB)
    expect(info.sizeBytes).toBe(2 * MiB)
    expect(existsSync(join(double.root, 'remote images', 'dir with space', 'x;touch PWNED.img'))).toBe(true)
    expect(existsSync(join(double.root, 'remote images', 'PWNED.img'))).toBe(false)
    expect(existsSync('PWNED.img')).toBe(false)
    expect((await driver.listImages()).map(i => i.path)).toContain(path)
    await driver.deleteImage(path)
    await expect(driver.imageInfo(path)).rejects.toMatchObject({ name: 'ImageNotFoundError' })
  })

  it('scpTransfer copies to the target, refuses to overwrite, and removes', async () => {
    const transfer = scpTransfer(new HostShell())
    const src = join(double.root, 'src image.img')
    await writeFile(src, 'x'.repeat(1000))
    const dst = join(double.root, 'target dir', 'dst image.img')
    expect(await transfer.exists({ host: 't' }, dst)).toBe(false)
    expect((await transfer.copy(src, { host: 't' }, dst)).bytes).toBe(1000)
    expect(await transfer.exists({ host: 't' }, dst)).toBe(true)
    await expect(transfer.copy(src, { host: 't' }, dst)).rejects.toThrow(/expected no file/)
    await transfer.remove({ host: 't' }, dst)
    expect(existsSync(dst)).toBe(false)
  })
})
