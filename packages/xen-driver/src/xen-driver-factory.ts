import { posix } from 'node:path'
import { BackendUnavailableError, InvalidSpecError } from '@xenos/hypervisor-interface'
import { HostShell } from './host-shell.js'
import { ImageStore } from './image-store.js'
import { DomainRecords } from './domain-records.js'
import { mapXlError } from './map-xl-error.js'
import { parseXlInfo } from './parsers/xl-info.js'
import { XenDriver, type XenDriverInit, type XenDriverComponents } from './xen-driver.js'

/**
 * The Xen driver factory, `xenDriver(init)(components)`: checks that `xl`
 * answers (`xl info`), finds the host name and whether `qemu-img` is there,
 * and prepares the state and image directories.
 */
export function xenDriver (init: XenDriverInit): (components?: XenDriverComponents) => Promise<XenDriver> {
  return async (components = {}) => {
    if (typeof init?.imageDir !== 'string' || !posix.isAbsolute(init.imageDir)) {
      throw new InvalidSpecError('imageDir', 'an absolute directory path', init?.imageDir)
    }
    if (typeof init.stateDir !== 'string' || init.stateDir === '') throw new InvalidSpecError('stateDir', 'a directory path', init.stateDir)
    if (init.checkpointDir !== undefined && (typeof init.checkpointDir !== 'string' || !posix.isAbsolute(init.checkpointDir))) {
      throw new InvalidSpecError('checkpointDir', 'an absolute directory path', init.checkpointDir)
    }
    const shell = new HostShell(init.prefix ?? [], init.quotePrefixArgs ?? undefined)
    const xl = [...(init.xl ?? ['xl']), 'info']
    const r = await shell.run(xl, { timeoutS: init.commandTimeoutS ?? 120 })
    if (r.exitCode !== 0) throw mapXlError({ ...r, argv: ['xl', 'info'] }, { hostname: init.hostname ?? '(unknown)' })
    const info = parseXlInfo(r.stdout)
    const hostname = init.hostname ?? info.host
    let qemuImg: string | undefined
    if (init.qemuImg !== false) {
      const candidate = init.qemuImg ?? 'qemu-img'
      // a qemu-img that cannot be run (not installed, not executable) means none; any other failure (a probe
      // that hangs past its timeout, ...) is the host's and is thrown
      const probe = await shell.run([candidate, '--version'], { timeoutS: init.commandTimeoutS ?? 120 }).catch((err: unknown) => {
        if (err instanceof BackendUnavailableError) return undefined
        throw err
      })
      if (probe?.exitCode === 0) qemuImg = candidate
    }
    const hostDir = init.hostDir ?? posix.join(init.stateDir, 'host')
    for (const dir of [init.imageDir, hostDir]) {
      const mk = await shell.run(['mkdir', '-p', dir])
      if (mk.exitCode !== 0) throw mapXlError({ ...mk, argv: ['xl', 'mkdir', dir] }, { hostname })
    }
    const records = new DomainRecords(init.stateDir)
    await records.init()
    const store = new ImageStore(shell, init.imageDir, hostname, qemuImg)
    return new XenDriver(init, hostname, shell, store, records, components.transfer ?? init.migration?.transfer)
  }
}
