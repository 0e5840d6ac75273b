// `xentop -b -i 1 [-f]` of the xl test double: one batch iteration (no summary lines in batch mode).
import { hostDir, withState, readHost, takeFault } from './state.mjs'
import { xentopHeader, xentopRow } from './format.mjs'

const dir = hostDir()
if (dir === undefined) {
  process.stderr.write('Failed to initialize xenstat library\n')
  process.exit(1)
}
const args = process.argv.slice(2)
if (!args.includes('-b')) { process.stderr.write('xentop double: only batch mode (-b) is imitated\n'); process.exit(1) }
const full = args.includes('-f')
const host = readHost(dir)
const fault = takeFault('xentop')
if (fault?.mode === 'fail') {
  process.stderr.write((fault.stderr ?? 'Failed to retrieve statistics from libxenstat') + '\n')
  process.exit(fault.exitCode ?? 1)
}
const domains = withState(dir, state => state.domains)
// with dom0_mem=...,max:... (the testbed, most labs) xentop shows Domain-0's maximum, not "no limit"
const dom0 = { name: 'Domain-0', running: true, paused: false, cpuTimeS: 42.5, memMiB: host.dom0MiB, maxMemMiB: host.dom0MiB, vcpus: host.nrCpus }
const lines = [xentopHeader()]
for (const d of [dom0, ...domains].sort((a, b) => a.name.localeCompare(b.name))) {
  const name = full ? d.name : d.name.slice(0, 10)
  const counters = { vbdRsect: (d.vbds ?? 0) * 2048, vbdWsect: (d.vbds ?? 0) * 512, netRxBytes: (d.nets ?? 0) * 10240, netTxBytes: (d.nets ?? 0) * 4096 }
  lines.push(xentopRow({ ...d, name, running: !d.paused && d.name === 'Domain-0', ...counters }, host.totalMiB * 1024))
}
if (fault?.mode === 'garbage') lines.push(fault.line ?? 'unexpected xentop line')
process.stdout.write(lines.join('\n') + '\n')
