import { getHeapStatistics } from 'node:v8'
import type { Command } from 'commander'
import type { StorageMigrationMode } from '@xenos/hypervisor-interface'
import { clusterScale, printClusterScale } from '@xenos/sim-driver'
import { UsageError } from '../errors.js'

type Out = (s: string) => void

function count (name: string, value: string, min: number): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name}: expected an integer >= ${min}, found "${value}"`)
  return n
}

/**
 * `xenos sim-scale`: the simulator at scale, in this process. A cluster of
 * `--hosts` simulated Xen hosts boots `--vms-per-host` domains on each, all at
 * once, through the driver layer, then runs `--migrations` concurrent live
 * migrations; prints wall and CPU time, peak memory and the simulated figures
 * (each also as one JSON line). The `xenos` command gives it the heap it needs
 * (`bin/xenos.js`): no Node flag is needed.
 */
export function simScaleCommand (program: Command, io: { out: Out, err: Out }): void {
  program.command('sim-scale')
    .description('boot a large simulated cluster (domains on every host at once), then run concurrent live migrations; '
      + 'print time, memory and the simulated figures')
    .option('--hosts <n>', 'simulated hosts', '100000')
    .option('--vms-per-host <n>', 'domains booted on each host', '4')
    .option('--migrations <n>', 'concurrent live migrations after the boot (at most hosts / 2 x vms-per-host)', '1000')
    .option('--storage <mode>', 'disk images during migration: none, stop-and-copy or pre-copy', 'pre-copy')
    .option('--seed <n>', 'seed of the simulation', '1')
    .action(async (opts: { hosts: string, vmsPerHost: string, migrations: string, storage: string, seed: string }) => {
      const storage = opts.storage
      if (storage !== 'none' && storage !== 'stop-and-copy' && storage !== 'pre-copy') {
        throw new UsageError(`--storage: expected none, stop-and-copy or pre-copy, found "${storage}"`)
      }
      const hosts = count('hosts', opts.hosts, 2)
      const vmsPerHost = count('vms-per-host', opts.vmsPerHost, 1)
      const migrations = count('migrations', opts.migrations, 1)
      const seed = count('seed', opts.seed, 0)
      const heapMiB = Math.round(getHeapStatistics().heap_size_limit / 1024 / 1024)
      io.err(`xenos sim-scale: ${hosts} hosts x ${vmsPerHost} domains, then ${migrations} migrations (storage ${storage}, seed ${seed}); `
        + `Node heap limit ${heapMiB} MiB\n`)
      const figures = await clusterScale({
        hosts, vmsPerHost, migrations, storage: storage as StorageMigrationMode, seed,
        onPhase: (phase) => { io.err(phase === 'boot' ? `  booting ${hosts * vmsPerHost} domains ...\n` : `  migrating ${migrations} domains at once ...\n`) }
      })
      printClusterScale(figures, io.out)
    })
}
