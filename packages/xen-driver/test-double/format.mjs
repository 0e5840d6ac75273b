// Output formats of real xl 4.17 (tools/xl/xl_info.c) and xentop (tools/xentop/xentop.c).
export const LIST_HEADER = 'Name                                        ID   Mem VCPUs\tState\tTime(s)'
export const LIST_HEADER_VERBOSE = '   UUID                            Reason-Code\tSecurity Label'

const REASONS = '-rscwS'

/** One `xl list` row, printf("%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f"). */
export function listRow (d, verbose) {
  const shutdown = d.crashed === true || d.poweredOff === true
  const reason = d.crashed === true ? REASONS[3] : REASONS[0]
  const flags = (d.running ? 'r' : '-') + (!d.running && !d.paused && !shutdown ? 'b' : '-') + (d.paused ? 'p' : '-')
    + (shutdown ? 's' : '-') + (shutdown ? reason : '-') + '-'
  let row = `${d.name.padEnd(40)} ${String(d.domid).padStart(5)} ${String(d.memMiB).padStart(5)} ${String(d.vcpus).padStart(5)}`
    + `     ${flags}  ${d.cpuTimeS.toFixed(1).padStart(8)}`
  if (verbose) row += ` ${d.uuid} ${(shutdown ? (d.crashed === true ? '3' : '0') : '-').padStart(8)} ${'-'.padStart(16)}`
  return row
}

/** `xl info` lines, "%-23s: %s" as maybe_printf prints them, in xl_info.c's order. */
export function infoLines (host, freeMiB) {
  const v = host.xenVersion ?? '4.17.3'
  const [major, minor] = v.split('.')
  const extra = v.slice(`${major}.${minor}`.length)
  const kv = [
    ['host', host.hostname], ['release', '6.1.0-27-amd64'], ['version', '#1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)'],
    ['machine', 'x86_64'], ['nr_cpus', host.nrCpus], ['max_cpu_id', host.nrCpus - 1], ['nr_nodes', 1],
    ['cores_per_socket', host.nrCpus], ['threads_per_core', 1], ['cpu_mhz', host.cpuMhz],
    ['hw_caps', '178bf3ff:f6d8320b:2e500800:244037ff:0000000f:219c01a9:00400004:00000500'],
    ['virt_caps', 'pv hvm hvm_directio pv_directio hap shadow gnttab-v1 gnttab-v2'],
    ['total_memory', host.totalMiB], ['free_memory', freeMiB], ['sharing_freed_memory', 0], ['sharing_used_memory', 0],
    ['outstanding_claims', 0], ['free_cpus', 0], ['xen_major', major], ['xen_minor', minor], ['xen_extra', extra],
    ['xen_version', v], ['xen_caps', 'xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64'],
    ['xen_scheduler', 'credit2'], ['xen_pagesize', 4096], ['platform_params', 'virt_start=0xffff800000000000'],
    ['xen_changeset', ''], ['xen_commandline', 'placeholder dom0_mem=' + host.dom0MiB + 'M,max:' + host.dom0MiB + 'M'],
    ['cc_compiler', 'x86_64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0'], ['cc_compile_by', 'pkg-xen-devel'],
    ['cc_compile_domain', 'lists.alioth.debian.org'], ['cc_compile_date', 'Tue Oct 29 12:00:00 UTC 2024'],
    ['build_id', '2f6e5bd0b6a4e14cbf7e1fbd1c1ba5d1e4c8a2f0'], ['xend_config_format', 4]
  ]
  return kv.map(([k, val]) => `${k.padEnd(23)}: ${val}`)
}

const XENTOP_FIELDS = [['NAME', 10], ['STATE', 6], ['CPU(sec)', 10], ['CPU(%)', 6], ['MEM(k)', 10], ['MEM(%)', 6],
  ['MAXMEM(k)', 10], ['MAXMEM(%)', 9], ['VCPUS', 5], ['NETS', 4], ['NETTX(k)', 8], ['NETRX(k)', 8], ['VBDS', 4],
  ['VBD_OO', 8], ['VBD_RD', 8], ['VBD_WR', 8], ['VBD_RSECT', 10], ['VBD_WSECT', 10], ['SSID', 4]]

export function xentopHeader () {
  return XENTOP_FIELDS.map(([name, width]) => name.padStart(width)).join(' ')
}

/** One xentop batch row; `d` carries the counters. */
export function xentopRow (d, totalKiB) {
  const state = '-' + (d.crashed === true || d.poweredOff === true ? 's' : '-') + (!d.running && !d.paused ? 'b' : '-')
    + (d.crashed ? 'c' : '-') + (d.paused ? 'p' : '-') + (d.running ? 'r' : '-')
  const memKiB = d.memMiB * 1024
  const cells = [
    d.name.padStart(10), state, String(Math.floor(d.cpuTimeS)).padStart(10), '0.0'.padStart(6),
    String(memKiB + (d.name === 'Domain-0' ? 0 : 64)).padStart(10), (memKiB / totalKiB * 100).toFixed(1).padStart(6),
    d.maxMemMiB === undefined ? 'no limit'.padStart(10) : String(d.maxMemMiB * 1024 + (d.name === 'Domain-0' ? 0 : 1024)).padStart(10),
    d.maxMemMiB === undefined ? 'n/a'.padStart(9) : (d.maxMemMiB * 1024 / totalKiB * 100).toFixed(1).padStart(9),
    String(d.vcpus).padStart(5), String(d.nets ?? 0).padStart(4), String(Math.floor((d.netTxBytes ?? 0) / 1024)).padStart(8),
    String(Math.floor((d.netRxBytes ?? 0) / 1024)).padStart(8), String(d.vbds ?? 0).padStart(4), '0'.padStart(8),
    String(d.vbdRd ?? 0).padStart(8), String(d.vbdWr ?? 0).padStart(8), String(d.vbdRsect ?? 0).padStart(10),
    String(d.vbdWsect ?? 0).padStart(10), '0'.padStart(4)
  ]
  return cells.join(' ')
}
