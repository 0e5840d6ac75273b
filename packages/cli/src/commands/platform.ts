import type { Command } from 'commander'
import { IMAGE_BACKENDS, loadPlatform, type Platform } from '@xenos/sim-engine'
import { loadCosts, PAPER_HADOOP, setupMemoryBudget, setupById, type DomainBudget, type HadoopCosts } from '@xenos/hadoop-bench'

/** Setups whose memory budget `platform check` reports. */
const BUDGET_SETUPS = ['PHY', 'VM1', 'VM2', 'VM4', 'VM4-HDFSHOST']

function budgetLines (p: Platform, costs: HadoopCosts): string[] {
  // A slave host: the platform's second host (the first is the master host), or its only one.
  const host = p.hosts[1] ?? p.hosts[0]
  if (host === undefined) return []
  const hostMemory = { memoryMiB: host.memoryMiB, dom0MemoryMiB: host.dom0MemoryMiB, dom0ProcessesMiB: p.pageCache.dom0WorkingSetMiB }
  const fmt = (b: DomainBudget): string => {
    const items = b.lines.map(l => `${l.count > 1 ? `${l.count} x ` : ''}${l.what} ${(l.count * l.eachMiB).toFixed(0)}`).join(', ')
    const verdict = b.swapMiB > 0
      ? `${b.swapMiB.toFixed(0)} MiB to swap, page cache at its ${b.pageCacheMiB.toFixed(0)} MiB floor`
      : `fits, ${b.pageCacheMiB.toFixed(0)} MiB of page cache`
    return `    ${b.domain}: ${b.capacityMiB} MiB = ${items}; used ${b.usedMiB.toFixed(0)} MiB: ${verdict}`
  }
  const s = PAPER_HADOOP
  const out = [`  memory budget of a slave host (${host.name}, ${host.memoryMiB} MiB), every slot busy `
    + `(${s.mapSlotsPerNode} map + ${s.reduceSlotsPerNode} reduce per TaskTracker, -Xmx${s.childHeapMiB}m, io.sort.mb ${s.ioSortMiB}):`]
  for (const id of BUDGET_SETUPS) {
    const setup = setupById(id)
    if (setup.virtualized && (!host.virtualized || setup.vmsPerHost * setup.vmMemoryMiB > host.memoryMiB - host.dom0MemoryMiB)) {
      out.push(`    ${id}: does not fit on ${host.name} (${setup.vmsPerHost} x ${setup.vmMemoryMiB} MiB guests)`)
      continue
    }
    out.push(`   ${id}:`, ...setupMemoryBudget(setup, hostMemory, PAPER_HADOOP, costs.memory).map(fmt))
  }
  return out
}

/** `xenos platform check FILE...`: validate simulated platform files and report each setup's memory budget. */
export function platformCommand (program: Command, io: { out: (s: string) => void }): void {
  const platform = program.command('platform').description('simulated platform files (hosts, disks, network, virtualization overheads)')
  platform.command('check')
    .description('validate platform files (errors name file, line, field, expected and found) and report each Hadoop setup\'s memory budget on them')
    .argument('<files...>', 'YAML or JSON platform files')
    .option('--costs <file>', 'Hadoop cost file for the memory budget (default: the shipped Hadoop 0.20 costs)')
    .action(async (files: string[], flags: { costs?: string }) => {
      const costs = await loadCosts(flags.costs)
      for (const file of files) {
        const p = await loadPlatform(file)
        const cores = p.hosts.reduce((s, h) => s + h.cores, 0)
        io.out(`${file}: ok: platform ${p.name}, ${p.hosts.length} hosts, ${cores} cores\n`)
        io.out(`  guest disks: ${IMAGE_BACKENDS[p.virtualization.imageBackend]}\n`)
        for (const line of budgetLines(p, costs)) io.out(`${line}\n`)
      }
    })
}
