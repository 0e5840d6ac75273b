import { posix } from 'node:path'
import {
  MigrationFailedError, UnsupportedOperationError, InvalidSpecError, transition, assertDomainName,
  type Clock, type DomainInfo, type MigrationOptions, type MigrationReport, type MigrationTarget
} from '@xenos/hypervisor-interface'
import type { CommandResult, RunOptions } from './host-shell.js'
import type { ImageTransfer } from './image-transfer.js'
import type { ImageStore } from './image-store.js'
import { xlConfig } from './xl-config.js'
import { lastLines } from './errors.js'

const MiB = 1024 * 1024

/** How `xl migrate` reaches the target's `xl migrate-receive`. */
export interface MigrationInit {
  /**
   * `xl migrate -s` value. With `''`, `receiver(target)` is the whole
   * command xl runs through `sh -c` (for example `nc 10.0.0.2 5000` in the
   * emulated testbed); otherwise xl runs `SSHCOMMAND HOST xl migrate-receive`.
   * @default 'ssh'
   */
  sshCommand?: string
  /** The `host` argument of `xl migrate` for a target. @default target.host */
  receiver?: (target: MigrationTarget) => string
  /**
   * Per target (`MigrationTarget.host`, a host name or an address): the address
   * xl and the image transfer reach it at (default: `host` itself), its image
   * directory (default: the same path as here, the usual lab layout) and its
   * host name as its own driver reports it (default: `host`), for the report's `toHost`.
   */
  targets?: Record<string, { address?: string, imageDir?: string, hostname?: string }>
  /** Copies images to the target. @default a local copy (same machine or shared mount) */
  transfer?: ImageTransfer
  /** Seconds before a migration is given up. @default 900 */
  timeoutS?: number
}

/** What migration needs from the driver. */
export interface MigrationContext {
  hostname: string
  clock: Clock
  store: ImageStore
  transfer: ImageTransfer
  init: MigrationInit
  hostDir: string
  inspect: (name: string) => Promise<DomainInfo>
  xl: (args: string[], options?: RunOptions) => Promise<CommandResult>
  writeHostFile: (path: string, text: string) => Promise<void>
  resolveBoot: (info: DomainInfo) => Promise<{ kernel?: string, ramdisk?: string }>
  forget: (name: string) => Promise<void>
}

const HOST_RE = /^[A-Za-z0-9][A-Za-z0-9.:_-]{0,252}$/

/** Validates a migration target at the boundary. */
export function assertTarget (target: unknown): asserts target is MigrationTarget {
  const t = target as MigrationTarget
  if (typeof t !== 'object' || t === null || typeof t.host !== 'string' || !HOST_RE.test(t.host)) {
    throw new InvalidSpecError('target.host', 'a host name or address', (t as { host?: unknown } | null)?.host)
  }
  if (t.port !== undefined && (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535)) {
    throw new InvalidSpecError('target.port', 'a port from 1 to 65535', t.port)
  }
}

/**
 * Migration with `xl migrate`, which moves memory only, live.
 * - `storage: 'stop-and-copy'`: copy the images to the target, then at once
 *   `xl migrate -s SSH -C CFG NAME HOST` (the `-C` config names the target's
 *   image paths). The guest keeps running during the copy: xl cannot suspend
 *   a paused PV or PVH guest (the suspend request needs the guest's own
 *   acknowledgement), so the driver cannot freeze the disk first. Writes the
 *   guest makes between the copy and the switch-over are not on the target:
 *   use shared storage (`'none'`) for guests that write to disk meanwhile.
 * - `storage: 'none'` (shared storage): `xl migrate` at once.
 * A domain the caller paused is unpaused for xl's suspend and sent with
 * `-p` (kept paused on the target when xl reaches it through ssh).
 * Afterwards the source's images are deleted. On any failure the copies on
 * the target are removed and the domain is left here as it was.
 */
export async function migrateDomain (ctx: MigrationContext, name: string, target: MigrationTarget, options: MigrationOptions = {}): Promise<MigrationReport> {
  assertDomainName(name)
  assertTarget(target)
  if (options.live === false) throw new UnsupportedOperationError('cold migration (xl migrates live; it cannot suspend a paused PV/PVH guest)', 'xen')
  const storage = options.storage ?? 'stop-and-copy'
  if (storage !== 'none' && storage !== 'stop-and-copy') throw new UnsupportedOperationError(`storage migration mode ${storage}`, 'xen')
  const info = await ctx.inspect(name)
  transition(name, 'migrate', info.state)
  const t0 = ctx.clock.nowS()
  const known = ctx.init.targets?.[target.host]
  const targetImageDir = known?.imageDir ?? ctx.store.imageDir
  // where xl and the image transfer reach the target
  const reach: MigrationTarget = known?.address === undefined ? target : { ...target, host: known.address }
  const targetPaths = info.spec.disks.map(d => posix.isAbsolute(d.image) ? d.image : posix.join(targetImageDir, d.image))
  const copied: string[] = []
  let diskBytes = 0
  const marks: Record<string, number> = {}
  const wasPaused = info.state === 'paused'
  let unpausedByUs = false
  const copyOne = async (from: string, to: string): Promise<void> => {
    if (await ctx.transfer.exists(reach, to)) throw new MigrationFailedError(name, target.host, `expected no image at ${to} on the target, found one`)
    copied.push(to) // from here on a failure removes it, partial or whole
    diskBytes += (await ctx.transfer.copy(from, reach, to, options.signal)).bytes
  }
  try {
    // copy-on-write clones: their templates are read-only, so they go first
    const images = storage === 'stop-and-copy' ? await Promise.all(info.spec.disks.map(async d => await ctx.store.info(d.image))) : []
    const backings: Array<{ to: string, format: string } | undefined> = []
    for (const img of images) {
      if (img.backingImage === undefined) { backings.push(undefined); continue }
      const from = ctx.store.resolve(img.backingImage)
      const to = posix.isAbsolute(img.backingImage) ? img.backingImage : posix.join(targetImageDir, img.backingImage)
      const backing = await ctx.store.info(img.backingImage)
      if (backing.backingImage !== undefined) {
        throw new MigrationFailedError(name, target.host, `${img.path} is a clone of a clone (${backing.path}); only one level of backing image moves`)
      }
      if (!(await ctx.transfer.exists(reach, to))) await copyOne(from, to)
      backings.push(to === from ? undefined : { to, format: backing.format })
    }
    if (storage === 'stop-and-copy') {
      for (const [i, disk] of info.spec.disks.entries()) {
        await copyOne(ctx.store.resolve(disk.image), targetPaths[i]!)
        const backing = backings[i]
        if (backing !== undefined) {
          if (ctx.transfer.rebase === undefined) {
            throw new MigrationFailedError(name, target.host, `${disk.image} is a copy-on-write clone and the image transfer cannot rebase it on the target`)
          }
          await ctx.transfer.rebase(reach, targetPaths[i]!, backing.to, backing.format)
        }
      }
    }
    const boot = await ctx.resolveBoot(info)
    const cfgPath = posix.join(ctx.hostDir, `${name}.migrate.cfg`)
    await ctx.writeHostFile(cfgPath, xlConfig(info.spec, info.uuid, { disks: targetPaths, ...boot }))
    const sshCommand = ctx.init.sshCommand ?? 'ssh'
    const hostArg = (ctx.init.receiver ?? ((t: MigrationTarget) => t.host))(reach)
    if (wasPaused) {
      // the guest must run to acknowledge xl's suspend request
      const u = await ctx.xl(['unpause', name])
      if (u.exitCode !== 0) throw new MigrationFailedError(name, target.host, `xl unpause exited ${u.exitCode}: ${lastLines(u.stderr)}`)
      unpausedByUs = true
    }
    const onLine = (line: string): void => {
      const now = ctx.clock.nowS()
      if (/Transfer complete|Target has acknowledged transfer/.test(line)) marks.ack ??= now
      if (/Target reports successful startup|Domain started successs?fully/.test(line)) marks.started ??= now
    }
    // -p keeps a domain the caller had paused paused on the target (passed on to migrate-receive when xl runs it through ssh)
    const r = await ctx.xl(['migrate', ...(wasPaused ? ['-p'] : []), '-s', sshCommand, '-C', cfgPath, name, hostArg], {
      timeoutS: options.timeoutS ?? ctx.init.timeoutS ?? 900,
      onStderrLine: onLine,
      ...(options.signal !== undefined ? { signal: options.signal } : {})
    })
    if (options.signal?.aborted === true) {
      throw new MigrationFailedError(name, target.host, `aborted (${abortReason(options.signal)}); xl migrate said: ${lastLines(r.stderr)}`)
    }
    if (r.exitCode !== 0) throw new MigrationFailedError(name, target.host, `xl migrate exited ${r.exitCode}: ${lastLines(r.stderr)}`)
  } catch (err) {
    const cleanup: string[] = []
    for (const p of copied) {
      try { await ctx.transfer.remove(reach, p) } catch (e) { cleanup.push(`could not remove ${p} on ${target.host}: ${(e as Error).message}`) }
    }
    if (unpausedByUs) {
      const p = await ctx.xl(['pause', name])
      if (p.exitCode !== 0) cleanup.push(`could not pause ${name} here again: ${lastLines(p.stderr)}`)
    }
    const reason = (err as Error).name === 'MigrationFailedError' ? (err as MigrationFailedError).reason : `${(err as Error).name}: ${(err as Error).message}`
    throw new MigrationFailedError(name, target.host, reason + (cleanup.length > 0 ? `; ${cleanup.join('; ')}` : ''), { cause: err })
  }
  // the domain now runs on the target: its images there are the live ones
  if (storage === 'stop-and-copy') {
    for (const disk of info.spec.disks) await ctx.store.remove(disk.image)
  }
  await ctx.forget(name)
  const end = ctx.clock.nowS()
  const totalS = end - t0
  const downtimeS = marks.ack !== undefined && marks.started !== undefined ? Math.min(totalS, Math.max(0, marks.started - marks.ack)) : 0
  // xl hides libxc's per-round progress during migration: the memory sent is
  // known to be at least one full pass of the domain's memory.
  const memoryBytes = info.spec.memoryMiB * MiB
  return {
    domain: name,
    fromHost: ctx.hostname,
    toHost: known?.hostname ?? target.host,
    live: true,
    storage,
    totalS,
    downtimeS,
    memoryBytes,
    diskBytes,
    bytesMoved: memoryBytes + diskBytes,
    rounds: 1,
    converged: true
  }
}

function abortReason (signal: AbortSignal): string {
  const r: unknown = signal.reason
  return r instanceof Error ? r.message : String(r)
}
