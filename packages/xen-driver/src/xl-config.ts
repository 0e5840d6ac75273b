import { InvalidSpecError, type DomainSpec } from '@xenos/hypervisor-interface'

/** Absolute paths the config needs, resolved by the driver from store-relative spec paths. */
export interface ResolvedPaths {
  disks: string[]
  kernel?: string
  ramdisk?: string
}

const SAFE_PATH = /^[^'"\n\\]+$/
const XEN_KEY = /^xen\.([a-z_][a-z0-9_]*)$/

function quoted (value: string, field: string): string {
  if (!SAFE_PATH.test(value)) throw new InvalidSpecError(field, 'a value without quotes, backslashes or newlines', value)
  return `"${value}"`
}

/**
 * The `xl create` configuration file (xl.cfg(5)) for a validated spec:
 * name, uuid, type (pv/pvh/hvm), memory, vcpus, kernel/ramdisk/extra, disks
 * in the `key=value` form of xl-disk-configuration(5) with `target=` last
 * (it may contain commas), vifs with bridge and MAC (xl-network-configuration(5)).
 * Guests that power off are destroyed; crashed guests are preserved so the
 * driver can report `crashed`. Annotations `xen.KEY` add `KEY = "value"`
 * lines (for example `xen.tsc_mode: native`, needed under QEMU emulation).
 */
export function xlConfig (spec: DomainSpec, uuid: string, paths: ResolvedPaths): string {
  const lines = [
    '# written by @xenos/xen-driver; edits are overwritten',
    `name = ${quoted(spec.name, 'name')}`,
    `uuid = "${uuid}"`,
    `type = "${spec.boot.kind}"`,
    `memory = ${spec.memoryMiB}`,
    `maxmem = ${spec.memoryMiB}`,
    `vcpus = ${spec.vcpus}`
  ]
  if (spec.boot.kind !== 'hvm') {
    lines.push(`kernel = ${quoted(paths.kernel ?? spec.boot.kernel, 'boot.kernel')}`)
    if (paths.ramdisk !== undefined) lines.push(`ramdisk = ${quoted(paths.ramdisk, 'boot.ramdisk')}`)
    if (spec.boot.cmdline !== undefined) lines.push(`extra = ${quoted(spec.boot.cmdline, 'boot.cmdline')}`)
  }
  const disks = spec.disks.map((d, i) => {
    const path = paths.disks[i]
    if (path === undefined || !SAFE_PATH.test(path)) throw new InvalidSpecError(`disks[${i}].image`, 'a path without quotes or newlines', d.image)
    return `'format=${d.format ?? 'raw'}, vdev=${d.target}, access=${d.mode ?? 'rw'}, target=${path}'`
  })
  if (disks.length > 0) lines.push(`disk = [ ${disks.join(', ')} ]`)
  const vifs = spec.nics.map(n => `'mac=${n.mac ?? ''}, bridge=${n.bridge}'`.replace('mac=, ', ''))
  if (vifs.length > 0) lines.push(`vif = [ ${vifs.join(', ')} ]`)
  lines.push('on_poweroff = "destroy"', 'on_reboot = "restart"', 'on_crash = "preserve"')
  for (const [key, value] of Object.entries(spec.annotations ?? {})) {
    const m = XEN_KEY.exec(key)
    if (m === null) continue
    if (!/^[A-Za-z0-9_.,:=/ -]*$/.test(value)) throw new InvalidSpecError(`annotations.${key}`, 'letters, digits and _.,:=/ - only', value)
    lines.push(/^\d+$/.test(value) ? `${m[1]} = ${value}` : `${m[1]} = "${value}"`)
  }
  return lines.join('\n') + '\n'
}

/** A MAC in Xen's OUI 00:16:3e, derived from the domain uuid and interface index (stable across restarts). */
export function macFor (uuid: string, index: number): string {
  const hex = uuid.replace(/-/g, '')
  const b = (i: number): string => hex.slice(i, i + 2)
  const last = ((parseInt(b(30), 16) + index) & 0x7f).toString(16).padStart(2, '0')
  return `00:16:3e:${(parseInt(b(26), 16) & 0x7f).toString(16).padStart(2, '0')}:${b(28)}:${last}`
}
