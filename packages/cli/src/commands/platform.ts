import type { Command } from 'commander'
import { loadPlatform } from '@xenos/sim-engine'

/** `xenos platform check FILE...`: validate simulated platform files. */
export function platformCommand (program: Command, io: { out: (s: string) => void }): void {
  const platform = program.command('platform').description('simulated platform files (hosts, disks, network, virtualization overheads)')
  platform.command('check')
    .description('validate platform files; errors name file, line, field, expected and found')
    .argument('<files...>', 'YAML or JSON platform files')
    .action(async (files: string[]) => {
      for (const file of files) {
        const p = await loadPlatform(file)
        const cores = p.hosts.reduce((s, h) => s + h.cores, 0)
        io.out(`${file}: ok: platform ${p.name}, ${p.hosts.length} hosts, ${cores} cores\n`)
      }
    })
}
