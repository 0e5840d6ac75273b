// A faithful stand-in for Xen 4.17's `xl`, for tests: same command grammar,
// output formats, standard-error messages and exit codes for the commands
// xen-driver uses, with domains kept in XL_DOUBLE_ROOT/XL_DOUBLE_HOST.
// See README.md in this folder for what is imitated and what is not.
import { readFileSync, writeFileSync, existsSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { hostDir, withState, readHost, takeFault, sleepMs } from './state.mjs'
import { parseConfig, parseDisk, parseVif, toLibxlConfig, ConfigError } from './config.mjs'
import { LIST_HEADER, LIST_HEADER_VERBOSE, listRow, infoLines } from './format.mjs'

const SAVE_MAGIC = 'Xen saved domain, xl format\n \0 \r'
const err = s => process.stderr.write(s + '\n')
const out = s => process.stdout.write(s + '\n')
const libxlError = (file, line, fn, domid, msg) => err(`libxl: error: ${file}:${line}:${fn}: ${domid === undefined ? '' : `Domain ${domid}:`}${msg}`)

/** libxc names PVH guests HVM (xc: info: Saving domain 1, type x86 HVM). */
const xcType = config => config.c_info.type === 'pv' ? 'PV' : 'HVM'

/**
 * A paused PV or PVH guest cannot acknowledge libxl's suspend request (it must
 * run to clear control/shutdown): libxl gives up after its timeout.
 */
function suspendTimesOut (dir, d) {
  if (!d.paused || d.config.c_info.type === 'hvm') return false
  sleepMs(Number(readHost(dir).suspendTimeoutMs ?? 300))
  libxlError('libxl_dom_suspend.c', 237, 'domain_suspend_common_pvcontrol_suspending', d.domid, 'guest didn\'t acknowledge suspend, cancelling request')
  return true
}

class Exit extends Error { constructor (code) { super(`exit ${code}`); this.code = code } }
const exit = (code) => { throw new Exit(code) }

function freeMiB (host, state) {
  return host.totalMiB - host.dom0MiB - state.domains.reduce((s, d) => s + d.memMiB + 1, 0)
}

/** find_domain(): a name or a domid, else "X is an invalid domain identifier (rc=-6)", exit 1. */
function findDomain (state, q) {
  const d = /^[0-9]+$/.test(q) ? state.domains.find(x => x.domid === Number(q)) : state.domains.find(x => x.name === q)
  if (d === undefined) { err(`${q} is an invalid domain identifier (rc=-6)`); exit(1) }
  return d
}

/** getopt-style split of argv into flags (with values for `withValue`) and positionals. */
function opts (args, withValue = '') {
  const flags = {}; const pos = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (a === '--') { pos.push(...args.slice(i + 1)); break }
    if (a.startsWith('--')) { flags[a.slice(2)] = true; continue }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]
        if (withValue.includes(c)) { flags[c] = a.length > j + 1 ? a.slice(j + 1) : args[++i]; break }
        if (!'lvwpcdeFqnfaVADhZ'.includes(c)) { err(`option \`${c}' not supported.`); exit(2) }
        flags[c] = true
      }
      continue
    }
    pos.push(a)
  }
  return { flags, pos }
}

function requireArgs (cmd, pos, n) {
  if (pos.length < n) { err(`'xl ${cmd}' requires at least ${n} argument${n > 1 ? 's' : ''}.\n`); err(`Usage: xl [-v] ${cmd} <Domain>`); exit(2) }
}

/** Builds a domain record from config text, checking it as libxl would. Returns the record or exits 3. */
function buildDomain (host, state, cfg, source, { paused, keepUuid }) {
  if (typeof cfg.name !== 'string' || cfg.name === '') { err('Domain name must be specified.'); exit(1) }
  const disks = []
  for (const s of Array.isArray(cfg.disk) ? cfg.disk : []) {
    const d = parseDisk(s)
    if (d === undefined) { err(`${source}: config parsing error in disk specification: unknown value \`${s}'`); exit(1) }
    disks.push(d)
  }
  const nics = []
  for (const [i, s] of (Array.isArray(cfg.vif) ? cfg.vif : []).entries()) {
    const n = parseVif(s, i)
    if (n === undefined) { err(`Invalid parameter \`${s}'.`); exit(1) }
    nics.push(n)
  }
  const domid = state.nextDomid
  const memMiB = typeof cfg.memory === 'number' ? cfg.memory : 128
  const destroyFailed = () => {
    libxlError('libxl_domain.c', 1183, 'libxl__destroy_domid', domid, 'Non-existant domain')
    libxlError('libxl_domain.c', 1137, 'domain_destroy_callback', domid, 'Unable to destroy guest')
    libxlError('libxl_domain.c', 1064, 'domain_destroy_cb', domid, 'Destruction of domain failed')
    state.nextDomid++; exit(3)
  }
  if (memMiB + 1 > freeMiB(host, state)) {
    err('xc: error: panic: xg_dom_boot.c:119: xc_dom_boot_mem_init: can\'t allocate low memory for domain: Out of memory')
    libxlError('libxl_dom.c', 586, 'libxl__build_dom', undefined, 'xc_dom_boot_mem_init failed: Cannot allocate memory')
    libxlError('libxl_create.c', 1640, 'domcreate_rebuild_done', domid, 'cannot (re-)build domain: -3')
    destroyFailed()
  }
  if (state.domains.some(d => d.name === cfg.name)) {
    libxlError('libxl_domain.c', 81, 'libxl__domain_rename', domid, `Domain with name "${cfg.name}" already exists.`)
    libxlError('libxl_create.c', 1296, 'initiate_domain_create', domid, 'cannot make domain: -6')
    libxlError('libxl_xshelp.c', 206, 'libxl__xs_read_mandatory', undefined, `xenstore read failed: \`/libxl/${domid}/type': No such file or directory`)
    err(`libxl: warning: libxl_dom.c:49:libxl__domain_type: unable to get domain type for domid=${domid}, assuming HVM`)
    destroyFailed()
  }
  if (cfg.type !== 'hvm' && typeof cfg.kernel === 'string' && !existsSync(cfg.kernel)) {
    err(`xc: error: panic: xc_dom_core.c:207: failed to open file '${cfg.kernel}': No such file or directory: Internal error`)
    libxlError('libxl_dom.c', 571, 'libxl__build_dom', undefined, 'xc_dom_kernel_file failed: No such file or directory')
    libxlError('libxl_create.c', 1640, 'domcreate_rebuild_done', domid, 'cannot (re-)build domain: -3')
    destroyFailed()
  }
  for (const [i, d] of disks.entries()) {
    if (!existsSync(d.target)) {
      libxlError('libxl_device.c', 386, 'libxl__device_disk_set_backend', undefined,
        `Disk vdev=${d.vdev} failed to stat: ${d.target}: No such file or directory`)
      libxlError('libxl_create.c', 1249, 'initiate_domain_create', domid, `Unable to set disk defaults for disk ${i}`)
      state.nextDomid++; exit(3)
    }
  }
  const bridges = host.bridges ?? ['xenbr0']
  for (const n of nics) {
    if (!bridges.includes(n.bridge)) {
      libxlError('libxl_exec.c', 117, 'libxl_report_child_exitstatus', undefined,
        `/etc/xen/scripts/vif-bridge online [${process.pid}] exited with error status 1`)
      libxlError('libxl_device.c', 1286, 'device_hotplug_child_death_cb', domid, `script: Could not find bridge device ${n.bridge}`)
      libxlError('libxl_create.c', 1915, 'domcreate_attach_devices', domid, 'unable to add nic devices')
      state.nextDomid++; exit(3)
    }
  }
  const uuid = keepUuid ?? (typeof cfg.uuid === 'string' ? cfg.uuid : randomUUID())
  const config = toLibxlConfig({ ...cfg, uuid }, disks, nics)
  const d = {
    domid, name: cfg.name, uuid, memMiB, maxMemMiB: typeof cfg.maxmem === 'number' ? cfg.maxmem : memMiB,
    vcpus: typeof cfg.vcpus === 'number' ? cfg.vcpus : 1, paused, running: false, crashed: false,
    cpuTimeS: 0, config, nets: nics.length, vbds: disks.length
  }
  state.nextDomid++
  return d
}

function readConfigFile (file) {
  try { return readFileSync(file, 'utf8') } catch (e) {
    err(`Failed to read config file: ${file}: ${e.code === 'ENOENT' ? 'No such file or directory' : e.message}`); exit(3)
  }
}

function parseOrExit (text, source) {
  try { return parseConfig(text, source) } catch (e) {
    if (e instanceof ConfigError) { err(e.message); err('Failed to parse config: Invalid argument'); exit(1) }
    throw e
  }
}

function cmdCreate (dir, args) {
  const { flags, pos } = opts(args, 'f')
  const file = flags.f ?? pos.find(p => !p.includes('='))
  const extra = pos.filter(p => p.includes('=')).join('\n')
  if (file === undefined) { err('Config file not specified and none in save file'); exit(6) }
  const text = readConfigFile(file) + (extra === '' ? '' : `\n${extra}\n`)
  if (flags.q !== true) err(`Parsing config from ${file}`)
  const cfg = parseOrExit(text, file)
  const host = readHost(dir)
  if (flags.n === true) { out(JSON.stringify(toLibxlConfig(cfg, [], []), null, 4)); return 0 }
  withState(dir, (state) => {
    const d = buildDomain(host, state, cfg, file, { paused: flags.p === true })
    state.domains.push(d)
  })
  return 0
}

function cmdList (dir, args, fault) {
  const { flags, pos } = opts(args)
  const host = readHost(dir)
  return withState(dir, (state) => {
    let doms = state.domains
    if (pos.length > 1) { err('Usage: xl [-v] list [options] [Domain]'); exit(1) }
    if (pos.length === 1) {
      if (pos[0] === '0' || pos[0] === 'Domain-0') doms = []
      else doms = [findDomain(state, pos[0])]
    }
    const dom0 = {
      domid: 0, name: 'Domain-0', uuid: '00000000-0000-0000-0000-000000000000',
      memMiB: host.dom0MiB, vcpus: host.nrCpus, running: true, paused: false, cpuTimeS: 42.5
    }
    const all = (pos.length === 1 && doms.length === 0) || pos.length === 0 ? [dom0, ...doms] : doms
    if (flags.l === true) {
      const items = all.map(d => d.domid === 0
        ? {
            domid: 0,
            config: {
              c_info: { type: 'pv', name: 'Domain-0' },
              b_info: { 'max_vcpus': host.nrCpus, 'max_memkb': host.dom0MiB * 1024, 'target_memkb': host.dom0MiB * 1024, 'type.pv': {} },
              on_reboot: 'restart'
            }
          }
        : { domid: d.domid, config: d.config })
      const text = JSON.stringify(items, null, 4)
      if (fault?.mode === 'garbage') out(fault.line ?? 'libxl: warning: unexpected output')
      out(text)
      return 0
    }
    out(LIST_HEADER + (flags.v === true ? LIST_HEADER_VERBOSE : ''))
    for (const d of all) out(listRow(d, flags.v === true))
    if (fault?.mode === 'garbage') out(fault.line ?? 'Domain-X  garbage line')
    return 0
  })
}

function cmdInfo (dir, args, fault) {
  const { pos } = opts(args, '')
  const host = readHost(dir)
  const free = withState(dir, state => freeMiB(host, state))
  let lines = infoLines(host, free)
  if (pos[0] !== undefined) lines = lines.filter(l => l.startsWith(pos[0])).map(l => l.slice(l.indexOf(': ') + 2))
  for (const l of lines) out(l)
  if (fault?.mode === 'garbage') out(fault.line ?? 'unexpected_field_without_separator')
  return 0
}

function cmdSimple (dir, cmd, args) {
  const { flags, pos } = opts(args)
  requireArgs(cmd, pos, 1)
  return withState(dir, (state) => {
    const d = findDomain(state, pos[0])
    if (cmd === 'pause') d.paused = true
    else if (cmd === 'unpause') d.paused = false
    else if (cmd === 'destroy') {
      if (d.domid === 0 && flags.f !== true) { err('Not destroying domain 0; use -f to force.'); exit(1) }
      state.domains = state.domains.filter(x => x !== d)
    }
    return 0
  })
}

function cmdShutdown (dir, args, fault) {
  const { flags, pos } = opts(args)
  if (pos[0] === undefined && flags.a !== true) { err('You must specify -a or a domain id.\n'); return 1 }
  const delayMs = Number(readHost(dir).shutdownMs ?? 300)
  const domid = withState(dir, (state) => {
    const d = findDomain(state, pos[0])
    err(`Shutting down domain ${d.domid}`)
    if (fault?.mode !== 'hang') d.shutdownAtMs = Date.now() + delayMs
    return d.domid
  })
  if (flags.w !== true) return 0
  err('Waiting for 1 domains')
  // xl counts a shutdown event as the end of the wait (wait_for_domain_deaths): the
  // domain may still be listed, shut down, until xl's monitor destroys it
  for (;;) {
    const seen = withState(dir, (state) => {
      const d = state.domains.find(x => x.domid === domid)
      return d === undefined ? 'gone' : d.poweredOff === true ? 'shutdown' : 'running'
    })
    if (seen === 'gone') { err(`Domain ${domid} has been destroyed`); return 0 }
    if (seen === 'shutdown') { err(`Domain ${domid} has been shut down, reason code 0`); return 0 }
    sleepMs(50)
  }
}

function cmdSave (dir, args) {
  const { flags, pos } = opts(args)
  requireArgs('save', pos, 2)
  const paused = withState(dir, state => findDomain(state, pos[0]))
  if (paused.paused) {
    err(`Saving to ${pos[1]} new xl format (info 0x3/0x0/1055)`)
    if (suspendTimesOut(dir, paused)) { err('Failed to save domain, resuming domain'); return 1 }
  }
  return withState(dir, (state) => {
    const d = findDomain(state, pos[0])
    const file = pos[1]
    const payload = JSON.stringify({ config: d.config, memMiB: d.memMiB, vcpus: d.vcpus, name: d.name, uuid: d.uuid })
    try { writeFileSync(file, SAVE_MAGIC + payload) } catch {
      err(`Failed to open temp file ${file} for writing`); exit(1)
    }
    err(`Saving to ${file} new xl format (info 0x3/0x0/${payload.length})`)
    err(`xc: info: Saving domain ${d.domid}, type x86 ${xcType(d.config)}`)
    if (flags.c === true || flags.p === true) { d.paused = flags.p === true; return 0 }
    state.domains = state.domains.filter(x => x !== d)
    return 0
  })
}

function cmdRestore (dir, args) {
  const { flags, pos } = opts(args)
  const file = pos.length >= 2 ? pos[1] : pos[0]
  if (file === undefined) { err('\'xl restore\' requires at least 1 argument.\n'); return 2 }
  let raw
  try { raw = readFileSync(file, 'latin1') } catch (e) {
    err(`Can't open restore file: ${e.code === 'ENOENT' ? 'No such file or directory' : e.message}`); return 1
  }
  if (!raw.startsWith(SAVE_MAGIC)) { err('File has wrong magic number - corrupt or for a different tool?'); return 1 }
  const saved = JSON.parse(raw.slice(SAVE_MAGIC.length))
  err(`Loading new save file ${file} (new xl fmt info 0x3/0x0/${raw.length - SAVE_MAGIC.length})`)
  err(' Savefile contains xl domain config in JSON format')
  err('Parsing config from <saved>')
  restoreInto(dir, saved, flags.p === true)
  return 0
}

/** Creates a domain from a saved image (restore and migrate-receive). */
function restoreInto (dir, saved, paused, name = saved.name) {
  const host = readHost(dir)
  return withState(dir, (state) => {
    const c = saved.config
    const cfg = {
      name, memory: saved.memMiB, vcpus: saved.vcpus, type: c.c_info.type, kernel: c.b_info.kernel, ramdisk: c.b_info.ramdisk,
      extra: c.b_info.cmdline,
      disk: (c.disks ?? []).map(d => `format=${d.format},vdev=${d.vdev},access=${d.readwrite === 1 ? 'rw' : 'ro'},target=${d.pdev_path}`),
      vif: (c.nics ?? []).map(n => `mac=${n.mac},bridge=${n.bridge}`), on_poweroff: c.on_poweroff, on_reboot: c.on_reboot, on_crash: c.on_crash
    }
    const d = buildDomain(host, state, cfg, '<saved>', { paused, keepUuid: saved.uuid })
    err(`xc: info: Found x86 ${xcType(c)} domain from Xen 4.17`)
    err('xc: info: Restoring domain')
    err('xc: info: Restore successful')
    err('xc: info: XenStore: mfn 0xfeffc, dom 0, evt 1')
    err('xc: info: Console: mfn 0xfefff, dom 0, evt 2')
    state.domains.push(d)
    return d
  })
}

async function cmdMigrate (dir, args, fault) {
  const { flags, pos } = opts(args, 'sC')
  requireArgs('migrate', pos, 2)
  const [q, target] = pos
  const d = withState(dir, state => findDomain(state, q))
  let config = d.config
  if (typeof flags.C === 'string') {
    const text = readConfigFile(flags.C)
    const cfg = parseOrExit(text, flags.C)
    config = toLibxlConfig({ ...cfg, uuid: d.uuid }, (cfg.disk ?? []).map(parseDisk), (cfg.vif ?? []).map(parseVif))
  }
  const ssh = flags.s ?? 'ssh'
  const rune = ssh === '' ? target : `exec ${ssh} ${target} xl migrate-receive${flags.p === true ? ' -p' : ''}`
  const child = spawn('sh', ['-c', rune], { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const next = async () => { const r = await lines.next(); return r.done === true ? undefined : r.value }
  const childExit = new Promise(resolve => child.on('exit', code => resolve(code ?? 1)))
  child.stdin.on('error', () => {})
  const banner = await next()
  if (banner !== 'xl migration receiver ready, send binary domain data.') {
    libxlError('libxl_utils.c', 183, 'libxl_read_exactly', undefined, 'file/stream truncated reading banner from migration receiver stream')
    const code = await childExit
    err(`libxl: info: libxl_exec.c:117:libxl_report_child_exitstatus: migration transport process [${child.pid}] exited with error status ${code}`)
    return 1
  }
  const payload = JSON.stringify({ config, name: d.name, uuid: d.uuid, memMiB: d.memMiB, vcpus: d.vcpus, paused: d.paused })
  err(`Saving to migration stream new xl format (info 0x3/0x0/${payload.length})`)
  if (suspendTimesOut(dir, d)) {
    err('migration sender: libxl_domain_suspend failed (rc=-8)')
    child.stdin.end()
    await childExit
    err('Migration failed, failed to suspend at sender.')
    return 1
  }
  child.stdin.write(payload + '\n')
  err(`xc: info: Saving domain ${d.domid}, type x86 ${xcType(config)}`)
  if (fault?.mode === 'hang') sleepMs(3_600_000)
  sleepMs(Math.max(20, d.memMiB / 1024 * Number(readHost(dir).migrateMsPerGiB ?? 400)))
  const ready = await next()
  if (ready !== 'READY' || fault?.mode === 'fail') {
    child.stdin.end()
    await childExit
    err('Migration failed, resuming at sender.')
    return 1
  }
  err('migration sender: Target has acknowledged transfer.')
  withState(dir, (state) => { const x = state.domains.find(y => y.domid === d.domid); if (x !== undefined) x.name = `${d.name}--migratedaway` })
  err('migration sender: Giving target permission to start.')
  child.stdin.write('GO\n')
  const report = await next()
  if (report !== 'REPORT 0') {
    err(`migration sender: Target reports startup failure (status code ${report?.slice(7) ?? '?'}).`)
    withState(dir, (state) => { const x = state.domains.find(y => y.domid === d.domid); if (x !== undefined) x.name = d.name })
    err('migration sender: Trying to resume at our end.')
    err('migration sender: Resumed OK.')
    err('Migration failed due to problems at target.')
    return 1
  }
  err('migration sender: Target reports successful startup.')
  withState(dir, (state) => { state.domains = state.domains.filter(y => y.domid !== d.domid) })
  err('Migration successful.')
  child.stdin.end()
  await childExit
  return 0
}

async function cmdMigrateReceive (dir, args) {
  const { flags } = opts(args)
  err('migration target: Ready to receive domain.')
  out('xl migration receiver ready, send binary domain data.')
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
  const first = await lines.next()
  if (first.done === true) {
    libxlError('libxl_utils.c', 183, 'libxl_read_exactly', undefined, 'file/stream truncated reading ipc msg header from domain creation stream')
    return 1
  }
  const saved = JSON.parse(first.value)
  err(`Loading new save file <incoming migration stream> (new xl fmt info 0x3/0x0/${first.value.length})`)
  err(' Savefile contains xl domain config in JSON format')
  err('Parsing config from <saved>')
  let d
  try {
    d = restoreInto(dir, saved, true, `${saved.name}--incoming`)
  } catch (e) {
    if (e instanceof Exit) { err(`migration target: Domain creation failed (code -${e.code}).`); return 1 }
    throw e
  }
  err('migration target: Transfer complete, requesting permission to start domain.')
  out('READY')
  const go = await lines.next()
  if (go.done === true || go.value !== 'GO') {
    withState(dir, (state) => { state.domains = state.domains.filter(x => x.domid !== d.domid) })
    return 1
  }
  err('migration target: Got permission, starting domain.')
  withState(dir, (state) => {
    const x = state.domains.find(y => y.domid === d.domid)
    x.name = saved.name
    x.paused = flags.p === true // migrate-receive unpauses unless -p, as xl does
  })
  err('migration target: Domain started successsfully.')
  out('REPORT 0')
  return 0
}

async function main (argv) {
  let args = argv
  while (args[0] !== undefined && /^-v+$|^-N$|^-f$|^-t$/.test(args[0])) args = args.slice(1)
  const [cmd, ...rest] = args
  if (cmd === undefined) { err('Usage xl [-vfNtT] <subcommand> [args]'); return 1 }
  const dir = hostDir()
  if (dir === undefined) { err('cannot init xl context'); return 1 }
  // 'list -l' and 'list' are separate fault targets: the driver calls both
  const fault = takeFault(cmd === 'list' && rest.includes('-l') ? 'list -l' : cmd)
  if (fault !== undefined && (fault.mode === 'fail' || fault.mode === 'hang') && !(cmd === 'migrate' || (cmd === 'shutdown' && fault.mode === 'hang'))) {
    if (fault.mode === 'hang') sleepMs(3_600_000)
    if (fault.stderr !== undefined) err(fault.stderr)
    return fault.exitCode ?? 1
  }
  switch (cmd) {
    case 'create': return cmdCreate(dir, rest)
    case 'list': return cmdList(dir, rest, fault)
    case 'info': return cmdInfo(dir, rest, fault)
    case 'pause': case 'unpause': case 'destroy': return cmdSimple(dir, cmd, rest)
    case 'shutdown': return cmdShutdown(dir, rest, fault)
    case 'save': return cmdSave(dir, rest)
    case 'restore': return cmdRestore(dir, rest)
    case 'migrate': return await cmdMigrate(dir, rest, fault)
    case 'migrate-receive': {
      // stdin stays open from the sender: leave at once, as xl does
      const code = await cmdMigrateReceive(dir, rest)
      return process.exit(code)
    }
    default: err('command not implemented'); return 1
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code }, (e) => {
  if (e instanceof Exit) { process.exitCode = e.code; return }
  err(`xl test double: internal error: ${e.stack ?? e}`); process.exitCode = 70
})
