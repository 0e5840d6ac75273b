import { XlOutputError } from '../errors.js'

/** A domain's configuration as `xl list -l` prints it (libxl_domain_config as JSON). */
export interface XlDomainConfig {
  domid: number
  name: string
  uuid?: string
  type?: string
  vcpus?: number
  memoryMiB?: number
  kernel?: string
  ramdisk?: string
  cmdline?: string
  disks: Array<{ path: string, vdev: string, format?: string, readwrite: boolean }>
  nics: Array<{ mac?: string, bridge?: string }>
}

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): string | undefined => typeof v === 'string' ? v : undefined
const num = (v: unknown): number | undefined => typeof v === 'number' ? v : undefined

/**
 * Parses `xl list -l` (JSON, the default output format since Xen 4.5): an
 * array of `{ domid, config: { c_info, b_info, disks, nics, ... } }`. Xen
 * 4.14..4.19 keep these names; older ones put the kernel under
 * `b_info["type.pv"]`, which is read too. Throws `XlOutputError` when the
 * text is not that JSON (for example the SXP format of `output_format="sxp"`).
 */
export function parseXlListLong (text: string, command = 'xl list -l'): XlDomainConfig[] {
  const trimmed = text.trim()
  if (trimmed === '') return []
  let data: unknown
  try {
    data = JSON.parse(trimmed)
  } catch {
    const bad = trimmed.split('\n').find(l => !/^[\s[\]{}",:\w.\-/+=@]*$/.test(l)) ?? trimmed.split('\n')[0] ?? ''
    throw new XlOutputError(command, bad, 'JSON (libxl domain configurations)')
  }
  if (!Array.isArray(data)) throw new XlOutputError(command, trimmed.split('\n')[0] ?? '', 'a JSON array of domains')
  return data.map((item: unknown) => {
    if (!isObject(item) || typeof item.domid !== 'number' || !isObject(item.config)) {
      throw new XlOutputError(command, JSON.stringify(item).slice(0, 200), 'an object { "domid": n, "config": {...} }')
    }
    const config = item.config
    const cInfo = isObject(config.c_info) ? config.c_info : {}
    const bInfo = isObject(config.b_info) ? config.b_info : {}
    const name = str(cInfo.name)
    if (name === undefined) throw new XlOutputError(command, JSON.stringify(cInfo).slice(0, 200), 'c_info.name')
    const typePv = isObject(bInfo['type.pv']) ? bInfo['type.pv'] : {}
    const disks = (Array.isArray(config.disks) ? config.disks : []).filter(isObject).map(d => ({
      path: str(d.pdev_path) ?? '',
      vdev: str(d.vdev) ?? '',
      ...(str(d.format) !== undefined ? { format: str(d.format) } : {}),
      readwrite: d.readwrite === undefined ? true : d.readwrite === 1 || d.readwrite === true
    }))
    const nics = (Array.isArray(config.nics) ? config.nics : []).filter(isObject).map(n => ({
      ...(str(n.mac) !== undefined ? { mac: str(n.mac) } : {}),
      ...(str(n.bridge) !== undefined ? { bridge: str(n.bridge) } : {})
    }))
    const targetKiB = num(bInfo.target_memkb) ?? num(bInfo.max_memkb)
    const result: XlDomainConfig = { domid: item.domid, name, disks, nics }
    const uuid = str(cInfo.uuid); if (uuid !== undefined) result.uuid = uuid
    const type = str(cInfo.type); if (type !== undefined) result.type = type
    const vcpus = num(bInfo.max_vcpus); if (vcpus !== undefined) result.vcpus = vcpus
    if (targetKiB !== undefined) result.memoryMiB = Math.round(targetKiB / 1024)
    const kernel = str(bInfo.kernel) ?? str(typePv.kernel); if (kernel !== undefined) result.kernel = kernel
    const ramdisk = str(bInfo.ramdisk) ?? str(typePv.ramdisk); if (ramdisk !== undefined) result.ramdisk = ramdisk
    const cmdline = str(bInfo.cmdline) ?? str(typePv.cmdline); if (cmdline !== undefined) result.cmdline = cmdline
    return result
  })
}
