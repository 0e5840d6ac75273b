/**
 * The inventory of a natively booted Hadoop cluster, for PHY on real
 * hardware (the paper rebooted the same 12 hosts without Xen): master and
 * slave hosts, how to reach the master by SSH, and the installed Hadoop.
 * With it the real runner needs no Xenos coordinator.
 *
 * ```yaml
 * master: node00
 * slaves: [node01, node02, node03]
 * ssh:
 *   user: hadoop
 *   keyFile: /home/me/.ssh/id_ed25519
 *   port: 22                      # optional
 *   options: [StrictHostKeyChecking=accept-new]   # optional, each -o
 * hadoop:
 *   home: /opt/hadoop-0.20.2
 *   line: "1"                     # "1" (0.20/1.x) or "2+" (YARN)
 *   examplesJar: /opt/hadoop-0.20.2/hadoop-0.20.2-examples.jar   # optional
 * ```
 *
 * Validated with zod; a bad file gives a `ConfigFileError` naming file,
 * line, field, what was expected and what was found.
 *
 * @example
 * ```ts
 * const inv = await loadInventory('phy.yaml')
 * const files = hadoopConfig(inventoryLayout(inv), PAPER_HADOOP, inv.hadoop.line)
 * const r = await phyRunner(inv, realClock()).run({ kind: 'pi', maps: 120, samplesPerMap: 10000 })
 * ```
 */
import { readFile } from 'node:fs/promises'
import type { Clock } from '@xenos/hypervisor-interface'
import { parseYamlFile } from '@xenos/config-file'
import { z } from 'zod'
import type { HadoopClusterLayout, HadoopLine } from './hadoop-config.js'
import { sshRunner, type CommandRunner } from './real/command-runner.js'
import { RealHadoop } from './real/real-hadoop.js'

/** A host name or IPv4 address, as inventories and testbed files give them. */
export const hostNameSchema = z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/, 'a host name or IPv4 address')
/** An absolute path of characters that need no quoting in a remote command. */
export const absPathSchema = z.string().regex(/^\/[A-Za-z0-9._/+-]*$/, 'an absolute path of letters, digits and ._/+-')
const hostName = hostNameSchema
const absPath = absPathSchema
const hadoopLine = z.preprocess(
  v => v === 1 ? '1' : (v === 2 || v === 3) ? '2+' : v,
  z.enum(['1', '2+'], { error: 'Hadoop line "1" (0.20/1.x) or "2+" (YARN)' })
)

/** How to reach a host by SSH (every field optional: ssh's own defaults). */
export const sshSettingsSchema = z.strictObject({
  user: z.string().regex(/^[a-z_][a-z0-9_.-]{0,31}$/i, 'a user name').optional(),
  keyFile: absPath.optional(),
  port: z.number().int().min(1).max(65535).optional(),
  command: z.string().min(1).optional(),
  options: z.array(z.string().regex(/^[A-Za-z]+=\S+$/, 'an ssh option Name=value')).optional()
})

/** An installed Hadoop: its home, its line (1.x or YARN) and where jobs work. */
export const hadoopInstallSchema = z.strictObject({
  home: absPath,
  line: hadoopLine,
  examplesJar: absPath.optional(),
  localWorkDir: absPath.optional(),
  hdfsWorkDir: absPath.optional()
})

export const inventorySchema = z.strictObject({
  master: hostName,
  slaves: z.array(hostName).min(1, 'at least one slave'),
  ssh: sshSettingsSchema.default({}),
  hadoop: hadoopInstallSchema
}).superRefine((inv, ctx) => {
  const seen = new Map<string, number>()
  inv.slaves.forEach((s, i) => {
    if (s === inv.master) {
      ctx.addIssue({ code: 'custom', path: ['slaves', i], message: `a slave other than the master "${inv.master}" (the master runs no slave)` })
    }
    const first = seen.get(s)
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['slaves', i], message: `each slave once ("${s}" is also slaves[${first}])` })
    else seen.set(s, i)
  })
})

export type Inventory = z.output<typeof inventorySchema> & { hadoop: { line: HadoopLine } }

/** Parses and validates the file's text; throws `ConfigFileError` naming file, line, field, expected and found. */
export function parseInventory (text: string, file: string): Inventory {
  return parseYamlFile(inventorySchema, text, file) as Inventory
}

export async function loadInventory (file: string): Promise<Inventory> {
  return parseInventory(await readFile(file, 'utf8'), file)
}

/** The master and slave lists of the inventory, for `hadoopConfig`. */
export function inventoryLayout (inv: Inventory): HadoopClusterLayout {
  return { master: inv.master, slaves: [...inv.slaves] }
}

/** A command runner that reaches the inventory's master over SSH. */
export function inventoryRunner (inv: Inventory): CommandRunner {
  return sshRunner({
    host: inv.master,
    ...(inv.ssh.user !== undefined ? { user: inv.ssh.user } : {}),
    ...(inv.ssh.keyFile !== undefined ? { keyFile: inv.ssh.keyFile } : {}),
    ...(inv.ssh.port !== undefined ? { port: inv.ssh.port } : {}),
    ...(inv.ssh.command !== undefined ? { sshCommand: inv.ssh.command } : {}),
    ...(inv.ssh.options !== undefined ? { sshOptions: inv.ssh.options } : {})
  })
}

/**
 * The PHY runner for an inventory: the real runner on its master, through
 * SSH (or through `runner` when given, e.g. in tests), timed on `clock`.
 */
export function phyRunner (inv: Inventory, clock: Clock, runner: CommandRunner = inventoryRunner(inv)): RealHadoop {
  const h = inv.hadoop
  return new RealHadoop({
    hadoopHome: h.home,
    line: h.line,
    ...(h.examplesJar !== undefined ? { examplesJar: h.examplesJar } : {}),
    ...(h.localWorkDir !== undefined ? { localWorkDir: h.localWorkDir } : {}),
    ...(h.hdfsWorkDir !== undefined ? { hdfsWorkDir: h.hdfsWorkDir } : {})
  }, { runner, clock })
}
