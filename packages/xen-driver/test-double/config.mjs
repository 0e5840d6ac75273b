// xl.cfg parsing for the xl test double: the subset of the grammar in
// xl.cfg(5) that domain configs use (key = value, strings in double or single
// quotes, integers, lists in brackets, # comments), and the libxl JSON that
// `xl list -l` prints for a domain (libxl_domain_config, Xen 4.17 field names).
import { randomUUID } from 'node:crypto'

export class ConfigError extends Error {}

/** Parses xl.cfg text into { key: string | number | string[] }. */
export function parseConfig (text, source) {
  const out = {}
  let i = 0
  let line = 1
  const err = (msg) => { throw new ConfigError(`${source}:${line}: config parsing error near \`${text.slice(i, i + 10).split('\n')[0]}': ${msg}`) }
  const skip = () => {
    for (;;) {
      while (i < text.length && /[ \t\r]/.test(text[i])) i++
      if (text[i] === '#') { while (i < text.length && text[i] !== '\n') i++; continue }
      if (text[i] === '\n') { i++; line++; continue }
      if (text[i] === ';') { i++; continue }
      return
    }
  }
  const value = () => {
    skip()
    const c = text[i]
    if (c === '"' || c === '\'') {
      const end = text.indexOf(c, i + 1)
      if (end < 0 || text.slice(i + 1, end).includes('\n')) err('syntax error')
      const s = text.slice(i + 1, end); i = end + 1; return s
    }
    if (c === '[') {
      i++; const list = []
      for (;;) {
        skip()
        if (text[i] === ']') { i++; return list }
        const v = value(); if (typeof v !== 'string') err('syntax error'); list.push(v)
        skip(); if (text[i] === ',') { i++; continue }
        if (text[i] === ']') { i++; return list }
        err('syntax error')
      }
    }
    const m = /^(0x[0-9a-fA-F]+|[0-9]+)/.exec(text.slice(i))
    if (m === null) err('syntax error')
    i += m[0].length
    return Number(m[0])
  }
  for (;;) {
    skip()
    if (i >= text.length) return out
    const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i))
    if (m === null) err('syntax error')
    i += m[0].length
    skip()
    if (text[i] !== '=') err('syntax error')
    i++
    out[m[0]] = value()
  }
}

/** Parses one disk spec string (xl-disk-configuration(5)): key=value form or legacy "file:/p,xvda,w". */
export function parseDisk (spec) {
  // `target=` consumes the rest of the string, commas included (xl-disk-configuration(5))
  const t = /(^|,)\s*target=/.exec(spec)
  const head = t === null ? spec : spec.slice(0, t.index)
  const parts = head.split(',').map(s => s.trim()).filter(s => s !== '')
  const disk = { format: 'raw', readwrite: 1, vdev: undefined, target: t === null ? undefined : spec.slice(t.index + t[0].length) }
  const positional = []
  for (const p of parts) {
    const eq = p.indexOf('=')
    if (eq > 0) {
      const k = p.slice(0, eq); const v = p.slice(eq + 1)
      if (k === 'target') disk.target = v
      else if (k === 'vdev') disk.vdev = v
      else if (k === 'format') disk.format = v
      else if (k === 'access') disk.readwrite = v.startsWith('w') || v === 'rw' ? 1 : 0
      else if (k === 'backendtype' || k === 'devtype' || k === 'script') continue
      else return undefined
    } else positional.push(p)
  }
  if (positional.length > 0) {
    let target = positional[0]
    const m = /^(file|phy|qcow2|raw|aio|tap|tap2):(.*)$/.exec(target)
    if (m !== null) { target = m[2]; if (m[1] === 'qcow2') disk.format = 'qcow2' }
    disk.target = target
    if (positional[1] !== undefined) disk.vdev = positional[1]
    if (positional[2] !== undefined) disk.readwrite = positional[2].startsWith('w') ? 1 : 0
  }
  if (disk.target === undefined || disk.vdev === undefined) return undefined
  return disk
}

/** Parses one vif spec string (xl-network-configuration(5)). */
export function parseVif (spec, devid) {
  const nic = { devid, nictype: 'vif', script: 'vif-bridge', bridge: 'xenbr0' }
  for (const p of spec.split(',').map(s => s.trim()).filter(s => s !== '')) {
    const eq = p.indexOf('=')
    if (eq <= 0) return undefined
    const k = p.slice(0, eq); const v = p.slice(eq + 1)
    if (k === 'mac') nic.mac = v.toLowerCase()
    else if (k === 'bridge') nic.bridge = v
    else if (k === 'ip' || k === 'model' || k === 'type' || k === 'vifname' || k === 'script' || k === 'rate') nic[k] = v
    else return undefined
  }
  if (nic.mac === undefined) {
    // libxl picks 00:16:3e plus three random bytes
    const r = randomUUID().replace(/-/g, '')
    nic.mac = `00:16:3e:${r.slice(0, 2)}:${r.slice(2, 4)}:${r.slice(4, 6)}`
  }
  return nic
}

/** The libxl_domain_config JSON object `xl list -l` prints under "config". */
export function toLibxlConfig (cfg, disks, nics) {
  const type = typeof cfg.type === 'string' ? cfg.type : (cfg.builder === 'hvm' ? 'hvm' : 'pv')
  const memkb = (typeof cfg.memory === 'number' ? cfg.memory : 128) * 1024
  const maxmemkb = (typeof cfg.maxmem === 'number' ? cfg.maxmem : memkb / 1024) * 1024
  const vcpus = typeof cfg.vcpus === 'number' ? cfg.vcpus : 1
  const bInfo = {
    max_vcpus: vcpus,
    avail_vcpus: Array.from({ length: vcpus }, (_, i) => i),
    max_memkb: maxmemkb,
    target_memkb: memkb,
    video_memkb: 0,
    sched_params: { sched: 'credit2', weight: 256, cap: 0 },
    claim_mode: 'True'
  }
  if (typeof cfg.kernel === 'string') bInfo.kernel = cfg.kernel
  if (typeof cfg.ramdisk === 'string') bInfo.ramdisk = cfg.ramdisk
  if (typeof cfg.extra === 'string' || typeof cfg.cmdline === 'string') bInfo.cmdline = cfg.cmdline ?? cfg.extra
  if (typeof cfg.tsc_mode === 'string') bInfo.tsc_mode = cfg.tsc_mode
  bInfo[`type.${type}`] = {}
  bInfo.arch_arm = {}
  bInfo.arch_x86 = { msr_relaxed: 'False' }
  return {
    c_info: { type, name: cfg.name, domid: 4294967295, uuid: cfg.uuid, run_hotplug_scripts: 'True' },
    b_info: bInfo,
    ...(disks.length > 0
      ? { disks: disks.map(d => ({ pdev_path: d.target, vdev: d.vdev, format: d.format, readwrite: d.readwrite, colo_restore_enable: 'False' })) }
      : {}),
    ...(nics.length > 0 ? { nics: nics.map(n => ({ devid: n.devid, mac: n.mac, bridge: n.bridge, script: n.script, nictype: n.nictype })) } : {}),
    // libxl omits fields at their default (on_poweroff destroy, on_crash destroy)
    ...(cfg.on_poweroff !== undefined && cfg.on_poweroff !== 'destroy' ? { on_poweroff: cfg.on_poweroff } : {}),
    on_reboot: cfg.on_reboot ?? 'restart',
    ...(cfg.on_crash !== undefined && cfg.on_crash !== 'destroy' ? { on_crash: cfg.on_crash } : {}),
    on_soft_reset: 'soft_reset'
  }
}
