/**
 * The Xen driver as a plugin of the coordinator (`driver: { kind: xen }` in a
 * host file): this machine's Domain 0 through `xl`. Its images are files
 * under `imageDir`, which the coordinator moves between hosts itself.
 *
 * ```yaml
 * driver:
 *   kind: xen
 *   options:
 *     imageDir: /var/lib/xenos/images   # required; relative paths are relative to the host file
 *     xlPath: xl                        # or xl through sudo (sudo: true)
 *     xentopPath: xentop                # false: disk and network counters stay 0
 *     hostDir: /var/lib/xenos/host      # xl config files (default <dataDir>/xen-driver/host)
 *     checkpointDir: /var/lib/xenos/ckp # default <hostDir>/checkpoints
 *     bridge: xenbr0
 *     migration:
 *       sshCommand: ssh                 # "" to have xl run `receiver` itself
 *       receiver: nc {host} 5000        # with sshCommand ""
 *       transfer: scp                   # or local (the target's image folder is a path here too)
 *       targets: { h02: { address: 10.0.0.2, imageDir: /mnt/h02/images } }
 *       timeoutS: 900
 * ```
 */
import { join } from 'node:path'
import { z } from 'zod'
import type { DriverPlugin } from '@xenos/hypervisor-interface'
import { HostShell } from './host-shell.js'
import { localCopyTransfer, scpTransfer } from './image-transfer.js'
import { xenDriver } from './xen-driver-factory.js'

const TARGET_HOST = /^[A-Za-z0-9][A-Za-z0-9.:_-]{0,252}$/

function xenOptionsSchema ({ resolvePath }: { resolvePath: (path: string) => string }) {
  const path = z.string().min(1, { error: 'a non-empty path' }).refine(s => !s.includes('\0'), { error: 'a path without NUL' })
  const filePath = path.transform(resolvePath)
  const targetHost = z.string().regex(TARGET_HOST, { error: 'a host name or address' })
  /** How `xl migrate` reaches other hosts and how disk images get there. */
  const migration = z.strictObject({
    /** `xl migrate -s`: the command that reaches another host's Domain 0; "" to have xl run `receiver` itself. */
    sshCommand: z.string().default('ssh'),
    /** With `sshCommand: ""`: the command xl runs to reach the target's `xl migrate-receive`, with `{host}` (its address) and `{port}`. */
    receiver: z.string().min(1, { error: 'a command such as "nc {host} 5000"' }).optional(),
    /** How disk images reach the target: `scp` to it, or `local` (its image folder is a path here too). */
    transfer: z.enum(['scp', 'local']).default('scp'),
    /** Per host (as its coordinator names it): the address to reach it at and its image folder, where they are not its name and this host's. */
    targets: z.record(targetHost, z.strictObject({ address: targetHost.optional(), imageDir: filePath.optional() })).default({}),
    /** Seconds before a migration is given up. */
    timeoutS: z.number().positive().default(900)
  }).refine(m => m.sshCommand !== '' || m.receiver !== undefined, {
    error: 'a receiver command when sshCommand is "" (for example "nc {host} 5000")', path: ['receiver']
  })
  return z.strictObject({
    /** The `xl` command. */
    xlPath: path.default('xl'),
    /** The `xentop` command, or false (disk and network counters then stay 0). */
    xentopPath: z.union([path, z.literal(false)]).default('xentop'),
    /** Image store directory. */
    imageDir: filePath,
    /** Domain 0 directory for the xl config files the driver writes. @default <dataDir>/xen-driver/host */
    hostDir: filePath.optional(),
    /** Domain 0 directory for checkpoints, on a local file system. @default <hostDir>/checkpoints */
    checkpointDir: filePath.optional(),
    /** Default bridge of new interfaces. */
    bridge: z.string().regex(/^[A-Za-z0-9._-]{1,15}$/, { error: 'a bridge name of 1-15 characters' }).default('xenbr0'),
    /** Run `xl` through sudo. */
    sudo: z.boolean().default(false),
    /** Seconds before an `xl` command other than create, save, restore and migrate is given up. */
    commandTimeoutS: z.number().positive().default(120),
    /** Seconds for `xl create`, `save` and `restore`. */
    createTimeoutS: z.number().positive().default(300),
    migration: migration.prefault({})
  })
}

/** `driver.options` of a `xen` host, as the schema gives them (paths absolute). */
export type XenDriverOptions = z.output<ReturnType<typeof xenOptionsSchema>>

export const xenDriverPlugin: DriverPlugin<XenDriverOptions> = {
  kind: 'xen',
  description: 'this machine\'s Xen Domain 0, through xl',
  optionsSchema: xenOptionsSchema,
  async create (o, host) {
    const m = o.migration
    const shell = new HostShell()
    const driver = await xenDriver({
      imageDir: o.imageDir,
      stateDir: join(host.dataDir, 'xen-driver'),
      xl: o.sudo ? ['sudo', o.xlPath] : [o.xlPath],
      xentop: o.xentopPath === false ? false : (o.sudo ? ['sudo', o.xentopPath] : [o.xentopPath]),
      ...(o.hostDir !== undefined ? { hostDir: o.hostDir } : {}),
      ...(o.checkpointDir !== undefined ? { checkpointDir: o.checkpointDir } : {}),
      ...(host.hostname !== undefined ? { hostname: host.hostname } : {}),
      commandTimeoutS: o.commandTimeoutS,
      createTimeoutS: o.createTimeoutS,
      migration: {
        sshCommand: m.sshCommand,
        // the target's address is filled in by the driver (migration.targets) before it calls this
        ...(m.receiver !== undefined ? { receiver: t => m.receiver!.replaceAll('{host}', t.host).replaceAll('{port}', String(t.port ?? 5000)) } : {}),
        targets: m.targets,
        transfer: m.transfer === 'scp' ? scpTransfer(shell) : localCopyTransfer(shell),
        timeoutS: m.timeoutS
      }
    })({})
    return { driver, images: { kind: 'files', imageDir: o.imageDir }, close: async () => { await driver.close() } }
  }
}
