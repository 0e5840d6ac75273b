import { posix } from 'node:path'
import type { MigrationTarget } from '@xenos/hypervisor-interface'
import type { HostShell } from './host-shell.js'
import { XlCommandError } from './errors.js'

/**
 * Copies a domain's disk image from this host to a migration target before
 * `xl migrate` (which moves memory, not storage), and removes a partial or
 * unwanted copy there. Paths are absolute in each host's Domain 0.
 */
export interface ImageTransfer {
  /** Whether `targetPath` exists on `target` (the driver never overwrites nor removes a file it did not copy). */
  exists: (target: MigrationTarget, targetPath: string) => Promise<boolean>
  /** Copies `sourcePath` (this host) to `targetPath` on `target`; fails if `targetPath` exists there. Returns bytes sent. */
  copy: (sourcePath: string, target: MigrationTarget, targetPath: string, signal?: AbortSignal) => Promise<{ bytes: number }>
  /** Removes `targetPath` on `target` (no-op when absent). */
  remove: (target: MigrationTarget, targetPath: string) => Promise<void>
  /**
   * Points the qcow2 image `targetPath` on `target` at another backing file
   * (`qemu-img rebase -u`), for a copy-on-write clone whose template sits at a
   * different path there. Optional: without it such clones cannot move.
   */
  rebase?: (target: MigrationTarget, targetPath: string, backingPath: string, backingFormat: string) => Promise<void>
}

/** For targets whose image directory this machine can reach as a local path (two hosts on one machine, shared storage, tests). */
export function localCopyTransfer (shell: HostShell, init: { qemuImg?: string } = {}): ImageTransfer {
  return {
    rebase: async (_target, targetPath, backingPath, backingFormat) => {
      const r = await shell.run([init.qemuImg ?? 'qemu-img', 'rebase', '-u', '-F', backingFormat, '-b', backingPath, targetPath])
      if (r.exitCode !== 0) throw new XlCommandError(`qemu-img rebase -u -b ${backingPath} ${targetPath}`, r.exitCode, r.stderr)
    },
    exists: async (_target, targetPath) => (await shell.run(['test', '-e', targetPath])).exitCode === 0,
    copy: async (sourcePath, _target, targetPath, signal) => {
      const exists = await shell.run(['test', '-e', targetPath])
      if (exists.exitCode === 0) throw new Error(`expected no file at ${targetPath} on the target, found one`)
      const mk = await shell.run(['mkdir', '-p', posix.dirname(targetPath)])
      if (mk.exitCode !== 0) throw new XlCommandError(`mkdir -p ${posix.dirname(targetPath)}`, mk.exitCode, mk.stderr)
      const cp = await shell.run(['cp', '--sparse=always', sourcePath, targetPath], signal !== undefined ? { signal } : {})
      if (cp.exitCode !== 0) throw new XlCommandError(`cp ${sourcePath} ${targetPath}`, cp.exitCode, cp.stderr)
      const st = await shell.run(['stat', '-c', '%s', sourcePath])
      return { bytes: Number(st.stdout.trim()) || 0 }
    },
    remove: async (_target, targetPath) => {
      await shell.run(['rm', '-f', targetPath])
    }
  }
}

export interface ScpTransferInit {
  /** User on the target. @default 'root' */
  user?: string
  /** Extra ssh/scp options, for example `['-i', '/root/.ssh/xenos', '-o', 'BatchMode=yes']`. */
  sshOptions?: string[]
}

/**
 * For lab hosts: `scp` from this host's Domain 0 (through the driver's
 * command prefix, so a remote Domain 0 copies directly) to the target, and
 * `ssh target rm -f` to clean up.
 */
export function scpTransfer (shell: HostShell, init: ScpTransferInit = {}): ImageTransfer {
  const user = init.user ?? 'root'
  const opts = init.sshOptions ?? ['-o', 'BatchMode=yes']
  const dest = (target: MigrationTarget): string => `${user}@${target.host}`
  const remote = (target: MigrationTarget, argv: string[]): Promise<{ exitCode: number | undefined, stderr: string }> =>
    shell.run(['ssh', ...opts, dest(target), argv.map(a => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')])
  return {
    exists: async (target, targetPath) => (await remote(target, ['test', '-e', targetPath])).exitCode === 0,
    rebase: async (target, targetPath, backingPath, backingFormat) => {
      const r = await remote(target, ['qemu-img', 'rebase', '-u', '-F', backingFormat, '-b', backingPath, targetPath])
      if (r.exitCode !== 0) throw new XlCommandError(`ssh ${target.host} qemu-img rebase -u -b ${backingPath} ${targetPath}`, r.exitCode, r.stderr)
    },
    copy: async (sourcePath, target, targetPath, signal) => {
      const exists = await remote(target, ['test', '-e', targetPath])
      if (exists.exitCode === 0) throw new Error(`expected no file at ${targetPath} on ${target.host}, found one`)
      await remote(target, ['mkdir', '-p', posix.dirname(targetPath)])
      const r = await shell.run(['scp', '-q', ...opts, sourcePath, `${dest(target)}:${targetPath}`], signal !== undefined ? { signal } : {})
      if (r.exitCode !== 0) throw new XlCommandError(`scp ${sourcePath} ${dest(target)}:${targetPath}`, r.exitCode, r.stderr)
      const st = await shell.run(['stat', '-c', '%s', sourcePath])
      return { bytes: Number(st.stdout.trim()) || 0 }
    },
    remove: async (target, targetPath) => {
      await shell.run(['ssh', ...opts, dest(target), `rm -f '${targetPath.replace(/'/g, `'\\''`)}'`])
    }
  }
}
