import { randomUUID } from 'node:crypto'
import { posix } from 'node:path'
import {
  DomainExistsError, DomainNotFoundError, ImageInUseError, ImageNotFoundError, InsufficientMemoryError,
  InvalidSpecError, OperationTimeoutError, assertDomainName, assertImagePath, realClock, transition, validateDomainSpec, waitFor, WaitTimeoutError,
  type Clock, type DomainHandle, type DomainInfo, type DomainSpec, type DriverCapabilities,
  type HostFacts, type HypervisorDriver, type ImageInfo, type MigrationOptions, type MigrationReport,
  type MigrationTarget, type CloneMode
} from '@xenos/hypervisor-interface'
import { HostShell, type CommandResult, type RunOptions } from './host-shell.js'
import { ImageStore } from './image-store.js'
import { DomainRecords, type DomainRecord } from './domain-records.js'
import { localCopyTransfer, type ImageTransfer } from './image-transfer.js'
import { mapXlError, type ErrorContext } from './map-xl-error.js'
import { XlCommandError } from './errors.js'
import { macFor, xlConfig } from './xl-config.js'
import { migrateDomain, type MigrationInit } from './migrate-domain.js'
import { parseXlList, type XlListRow } from './parsers/xl-list.js'
import { parseXlListLong, type XlDomainConfig } from './parsers/xl-list-long.js'
import { parseXlInfo } from './parsers/xl-info.js'
import { parseXentop } from './parsers/xentop.js'
import { HIDDEN, NO_USAGE, stateOf, adopt } from './xl-domains.js'

/** Tries of a read-only xl query that dies of a signal (see `xlQuery`). */
const QUERY_ATTEMPTS = 3

/** User options of `xenDriver`. */
export interface XenDriverInit {
  /** Directory of disk images in Domain 0; relative image paths are relative to it. */
  imageDir: string
  /** Local directory for the driver's records of defined domains (reattach after a restart). */
  stateDir: string
  /** Directory in Domain 0 for the config files the driver writes. @default `${stateDir}/host` */
  hostDir?: string
  /**
   * Directory in Domain 0 for relative checkpoint paths; on a local file system
   * (`xl save` cannot write to 9p, and NFS is slow). @default `${hostDir}/checkpoints`
   */
  checkpointDir?: string
  /** The `xl` command. @default ['xl'] */
  xl?: string[]
  /** The `xentop` command, or false to take usage from `xl list` only. @default ['xentop'] */
  xentop?: string[] | false
  /** Prefix for every command, for a remote Domain 0: `['ssh', 'root@host']`. @default [] */
  prefix?: string[]
  /** Quote arguments for a remote shell. @default true when the prefix starts with ssh */
  quotePrefixArgs?: boolean
  /** `qemu-img` for qcow2 and copy-on-write clones, or false. @default 'qemu-img' when it runs */
  qemuImg?: string | false
  /** Host name reported by the driver. @default `xl info`'s host */
  hostname?: string
  /** Network addresses reported in host facts. @default [] */
  addresses?: string[]
  /** How migration reaches the target and moves images. */
  migration?: MigrationInit
  /** Seconds before an `xl` command other than create/save/restore/migrate is killed. @default 120 */
  commandTimeoutS?: number
  /** Seconds for `xl create`, `save`, `restore`. @default 300 */
  createTimeoutS?: number
  /**
   * Check that kernel and ramdisk exist (`test -f` through the prefix) before
   * defining a domain. Turn off when commands run on a machine that does not
   * see Domain 0's files (the emulated testbed forwards only xl). @default true
   */
  verifyBootFiles?: boolean
  /** The driver's clock. @default realClock({ epoch: 'unix' }) (the records keep start times across restarts) */
  clock?: Clock
}

/** Components the driver may be given: an image transfer (else `init.migration.transfer`, else a local copy). */
export interface XenDriverComponents {
  transfer?: ImageTransfer
}

/** The Xen backend: one Domain 0, driven through `xl`. */
export class XenDriver implements HypervisorDriver {
  readonly backend = 'xen'
  readonly clock: Clock
  readonly clockKind = 'wall'
  private readonly xlCmd: string[]
  private readonly hostDir: string
  private readonly transfer: ImageTransfer

  constructor (
    readonly init: XenDriverInit,
    readonly hostname: string,
    private readonly shell: HostShell,
    readonly store: ImageStore,
    private readonly records: DomainRecords,
    transfer: ImageTransfer | undefined
  ) {
    this.clock = init.clock ?? realClock({ epoch: 'unix' })
    this.xlCmd = init.xl ?? ['xl']
    this.hostDir = init.hostDir ?? posix.join(init.stateDir, 'host')
    this.transfer = transfer ?? localCopyTransfer(shell)
  }

  capabilities (): DriverCapabilities {
    return {
      pause: true, gracefulShutdown: true, checkpoint: true, liveMigration: true,
      storageMigration: ['none', 'stop-and-copy'], copyOnWriteClone: this.store.qemuImg !== undefined, reattach: true
    }
  }

  // --- running xl ---
  async xl (args: string[], options: RunOptions = {}): Promise<CommandResult> {
    return await this.shell.run([...this.xlCmd, ...args], { timeoutS: this.init.commandTimeoutS ?? 120, ...options })
  }

  private async xlOk (args: string[], ctx: Omit<ErrorContext, 'hostname'> = {}, options: RunOptions = {}): Promise<CommandResult> {
    const r = await this.xl(args, options)
    if (r.exitCode !== 0) throw mapXlError({ ...r, argv: ['xl', ...args] }, { hostname: this.hostname, ...ctx })
    return r
  }

  /**
   * A read-only query (`xl list`, `xl info`), repeated when xl died of a
   * signal. Such crashes (SIGSEGV, exit 139) were seen on the emulated
   * testbed, where Xen's lazy FPU switching under QEMU's TCG corrupted Domain
   * 0's programs (the testbed now boots Xen with eager switching); a query
   * changes nothing, so running it again is safe whatever made it crash. Any
   * other failure is reported at once.
   */
  private async xlQuery (args: string[]): Promise<CommandResult> {
    for (let attempt = 1; ; attempt++) {
      const r = await this.xl(args)
      // no exit code: killed by a signal here; 128 + n: killed by signal n (also as a remote shell reports it)
      const diedOfSignal = r.exitCode === undefined || r.exitCode >= 128
      if (!diedOfSignal || attempt === QUERY_ATTEMPTS) {
        if (r.exitCode !== 0) throw mapXlError({ ...r, argv: ['xl', ...args] }, { hostname: this.hostname })
        return r
      }
    }
  }

  async writeHostFile (path: string, text: string): Promise<void> {
    const r = await this.shell.run(['tee', path], { input: text })
    if (r.exitCode !== 0) throw mapXlError({ ...r, argv: ['xl', 'tee', path] }, { hostname: this.hostname })
  }

  // --- views ---
  /** `xl list -v`: state, memory, CPU time and uuid of every domain in one call. */
  private async rows (): Promise<XlListRow[]> {
    return parseXlList((await this.xlQuery(['list', '-v'])).stdout, 'xl list -v')
  }

  /** `xl list -l`: the libxl configs, read only when a domain must be adopted. */
  private async configs (): Promise<XlDomainConfig[]> {
    return parseXlListLong((await this.xlQuery(['list', '-l'])).stdout)
  }

  /** The `xl list -v` rows the last view read, so the operation that asked can reuse them (one xl call less). */
  private lastRows: XlListRow[] = []

  private async view (): Promise<DomainInfo[]> {
    const rows = this.lastRows = await this.rows()
    const records = new Map((await this.records.all()).map(r => [r.name, r]))
    const out: DomainInfo[] = []
    let configs: XlDomainConfig[] | undefined
    for (const row of rows) {
      if (row.domid === 0 || HIDDEN.test(row.name)) continue
      const state = stateOf(row)
      let rec = records.get(row.name)
      if (rec === undefined || (row.uuid !== undefined && rec.uuid !== row.uuid)) {
        if (state === 'stopped') continue // powered off and going away: nothing to adopt
        // not defined by this driver (migrated in, restored, made by hand): adopt it from its libxl config
        configs ??= await this.configs()
        const cfg = configs.find(c => c.domid === row.domid)
        if (cfg === undefined) continue // being created or destroyed: libxl has no config yet
        rec = adopt(cfg, row, p => this.store.relative(p), this.clock.nowS())
        await this.records.put(rec)
      }
      if (state === 'stopped') continue // reported from its record below, like any stopped domain
      out.push({
        name: row.name, uuid: rec.uuid, state, domid: row.domid, spec: rec.spec,
        ...(rec.startedAtS !== undefined ? { startedAtS: rec.startedAtS } : {}),
        usage: { cpuTimeS: row.cpuTimeS, memoryMiB: row.memMiB, diskReadBytes: 0, diskWriteBytes: 0, netRxBytes: 0, netTxBytes: 0 }
      })
    }
    for (const rec of records.values()) {
      if (out.some(d => d.name === rec.name)) continue
      out.push({ name: rec.name, uuid: rec.uuid, state: 'stopped', spec: rec.spec, usage: { ...NO_USAGE } })
    }
    return out.sort((a, b) => a.name.localeCompare(b.name))
  }

  async listDomains (): Promise<DomainInfo[]> { return await this.view() }

  /** State without xentop's counters, for checks before an operation. */
  private async find (name: string): Promise<DomainInfo> {
    assertDomainName(name)
    const info = (await this.view()).find(d => d.name === name)
    if (info === undefined) throw new DomainNotFoundError(name, this.hostname)
    return info
  }

  /**
   * Waits (on the driver's clock) until xl no longer lists `name`, then, if it
   * is still there after `timeoutS`, destroys what is left of it (a guest that
   * has powered off, which xl's monitor has not cleaned up yet).
   */
  private async waitGone (name: string, timeoutS: number, known?: XlListRow[]): Promise<void> {
    let rows = known
    try {
      await waitFor(async () => {
        const listed = rows ?? await this.rows()
        rows = undefined
        return !listed.some(r => r.name === name)
      }, { clock: this.clock, timeoutS, intervalS: 0.2, what: `domain "${name}" gone from xl list` })
    } catch (err) {
      if (!(err instanceof WaitTimeoutError)) throw err
      const r = await this.xl(['destroy', name])
      if (r.exitCode !== 0 && !/invalid domain identifier/.test(r.stderr)) {
        throw mapXlError({ ...r, argv: ['xl', 'destroy', name] }, { hostname: this.hostname, domain: name })
      }
    }
  }

  async inspectDomain (name: string): Promise<DomainInfo> {
    const info = await this.find(name)
    if (info.state !== 'stopped' && this.init.xentop !== false) {
      const r = await this.shell.run([...(this.init.xentop ?? ['xentop']), '-b', '-i', '1', '-f'], { timeoutS: 30 })
      if (r.exitCode === 0) {
        const row = parseXentop(r.stdout).find(x => x.name === name)
        if (row !== undefined) {
          info.usage = {
            ...info.usage,
            diskReadBytes: row.vbdReadSectors * 512,
            diskWriteBytes: row.vbdWriteSectors * 512,
            netRxBytes: row.netRxKiB * 1024,
            netTxBytes: row.netTxKiB * 1024
          }
        }
      }
    }
    return info
  }

  // --- host ---
  /** Memory as `xl info` and Domain-0's `xl list` row report it. */
  private async memory (known?: XlListRow[]): Promise<{ info: ReturnType<typeof parseXlInfo>, memory: HostFacts['memory'] }> {
    const info = parseXlInfo((await this.xlQuery(['info'])).stdout)
    const dom0 = (known ?? await this.rows()).find(r => r.domid === 0)
    return { info, memory: { totalMiB: info.totalMemoryMiB, freeMiB: info.freeMemoryMiB, dom0MiB: dom0?.memMiB ?? 0 } }
  }

  async hostFacts (): Promise<HostFacts> {
    const { info, memory } = await this.memory()
    const disk = await this.store.freeBytes()
    return {
      hostname: this.hostname,
      hypervisor: `xen-${info.xenVersion}`,
      cpu: { cores: info.nrCpus, speedMHz: info.cpuMHz, model: info.fields.hw_caps !== undefined ? `x86_64 (hw_caps ${info.fields.hw_caps})` : 'unknown' },
      memory,
      disk,
      addresses: this.init.addresses ?? []
    }
  }

  // --- life cycle ---
  private absBoot (spec: DomainSpec): { kernel?: string, ramdisk?: string } {
    if (spec.boot.kind === 'hvm') return {}
    const abs = (p: string): string => posix.isAbsolute(p) ? p : posix.join(this.store.imageDir, p)
    return { kernel: abs(spec.boot.kernel), ...(spec.boot.ramdisk !== undefined ? { ramdisk: abs(spec.boot.ramdisk) } : {}) }
  }

  async createDomain (input: DomainSpec): Promise<DomainInfo> {
    const spec = validateDomainSpec(input)
    if ((await this.view()).some(d => d.name === spec.name)) throw new DomainExistsError(spec.name, this.hostname)
    for (const disk of spec.disks) await this.store.info(disk.image)
    const boot = this.absBoot(spec)
    for (const file of this.init.verifyBootFiles === false ? [] : [boot.kernel, boot.ramdisk]) {
      if (file !== undefined && (await this.shell.run(['test', '-f', file])).exitCode !== 0) throw new ImageNotFoundError(file, this.hostname)
    }
    const { memory } = await this.memory(this.lastRows)
    if (spec.memoryMiB > memory.totalMiB - memory.dom0MiB) throw new InsufficientMemoryError(spec.memoryMiB, memory.freeMiB, this.hostname)
    const uuid = randomUUID()
    spec.nics = spec.nics.map((n, i) => ({ ...n, mac: n.mac ?? macFor(uuid, i) }))
    await this.records.put({ name: spec.name, uuid, spec })
    return { name: spec.name, uuid, state: 'stopped', spec, usage: { ...NO_USAGE } }
  }

  private async record (name: string): Promise<DomainRecord> {
    const rec = await this.records.get(name)
    if (rec === undefined) throw new DomainNotFoundError(name, this.hostname)
    return rec
  }

  async startDomain (name: string): Promise<DomainInfo> {
    const info = await this.find(name)
    transition(name, 'start', info.state)
    if (info.state === 'crashed') await this.xlOk(['destroy', name], { domain: name })
    const rows = this.lastRows
    if (info.state === 'stopped') await this.waitGone(name, 10, rows) // a guest that powered off may not be cleaned up yet
    const rec = await this.record(name)
    const { memory } = await this.memory(rows)
    if (memory.freeMiB < rec.spec.memoryMiB) throw new InsufficientMemoryError(rec.spec.memoryMiB, memory.freeMiB, this.hostname)
    const cfgPath = posix.join(this.hostDir, `${name}.cfg`)
    await this.writeHostFile(cfgPath, xlConfig(rec.spec, rec.uuid, { disks: rec.spec.disks.map(d => this.store.resolve(d.image)), ...this.absBoot(rec.spec) }))
    try {
      const context = { domain: name, requestedMiB: rec.spec.memoryMiB, freeMiB: memory.freeMiB }
      await this.xlOk(['create', cfgPath], context, { timeoutS: this.init.createTimeoutS ?? 300 })
    } catch (err) {
      // a create that failed or was given up may have made the domain part way: it must not stay
      await this.xl(['destroy', name]).catch(() => undefined)
      throw err
    }
    await this.records.put({ ...rec, startedAtS: this.clock.nowS() })
    return await this.find(name)
  }

  async pauseDomain (name: string): Promise<DomainInfo> {
    const info = await this.find(name)
    if (transition(name, 'pause', info.state) === 'noop') return info
    await this.xlOk(['pause', name], { domain: name })
    return { ...info, state: 'paused' }
  }

  async unpauseDomain (name: string): Promise<DomainInfo> {
    const info = await this.find(name)
    if (transition(name, 'unpause', info.state) === 'noop') return info
    await this.xlOk(['unpause', name], { domain: name })
    return { ...info, state: 'running' }
  }

  async shutdownDomain (name: string, options: { timeoutS?: number, force?: boolean } = {}): Promise<DomainInfo> {
    const timeoutS = options.timeoutS ?? 60
    if (!(timeoutS > 0)) throw new InvalidSpecError('timeoutS', 'a positive number of seconds', timeoutS)
    const info = await this.find(name)
    if (transition(name, 'shutdown', info.state) === 'noop') return info
    if (info.state === 'crashed') return await this.destroyDomain(name)
    if (info.state === 'paused') await this.xlOk(['unpause', name], { domain: name })
    const deadline = this.clock.nowS() + timeoutS
    try {
      await this.xlOk(['shutdown', '-w', name], { domain: name }, { timeoutS })
      // xl shutdown -w returns when the guest has shut down; xl's monitor then destroys it
      await this.waitGone(name, Math.max(1, Math.min(10, deadline - this.clock.nowS())))
    } catch (err) {
      const e = err as Error
      if (e.name === 'DomainNotFoundError') return await this.find(name) // it stopped meanwhile
      if (options.force === true) return await this.destroyDomain(name)
      if (e.name === 'OperationTimeoutError') throw new OperationTimeoutError(`shutdown of domain "${name}"`, timeoutS, { cause: err })
      throw err
    }
    return await this.find(name)
  }

  async destroyDomain (name: string): Promise<DomainInfo> {
    const info = await this.find(name)
    if (transition(name, 'destroy', info.state) === 'noop') return info
    try {
      await this.xlOk(['destroy', name], { domain: name })
    } catch (err) {
      if ((err as Error).name !== 'DomainNotFoundError') throw err // already gone is what we wanted
    }
    return { name, uuid: info.uuid, state: 'stopped', spec: info.spec, usage: { ...NO_USAGE } }
  }

  async removeDomain (name: string, options: { deleteImages?: boolean } = {}): Promise<void> {
    assertDomainName(name)
    const info = (await this.view()).find(d => d.name === name)
    if (info === undefined) return
    transition(name, 'remove', info.state)
    if (info.state === 'crashed') await this.xlOk(['destroy', name], { domain: name })
    await this.records.delete(name)
    await this.shell.run(['rm', '-f', posix.join(this.hostDir, `${name}.cfg`), posix.join(this.hostDir, `${name}.migrate.cfg`)])
    if (options.deleteImages === true) {
      for (const disk of info.spec.disks) await this.store.remove(disk.image)
    }
  }

  // --- checkpoints ---
  private checkpointAbs (path: string): string {
    assertImagePath(path, 'checkpointPath')
    if (/['\n]/.test(path)) throw new InvalidSpecError('checkpointPath', 'a path without quotes or newlines', path)
    return posix.isAbsolute(path) ? path : posix.join(this.init.checkpointDir ?? posix.join(this.hostDir, 'checkpoints'), path)
  }

  async saveDomain (name: string, checkpointPath: string, options: { leaveRunning?: boolean } = {}): Promise<DomainInfo> {
    assertDomainName(name)
    const abs = this.checkpointAbs(checkpointPath)
    const info = await this.find(name)
    transition(name, 'save', info.state)
    await this.shell.run(['mkdir', '-p', posix.dirname(abs)])
    // xl cannot suspend a paused PV/PVH guest (it must acknowledge the request): run it for the save
    if (info.state === 'paused') await this.xlOk(['unpause', name], { domain: name })
    try {
      await this.xlOk(['save', ...(options.leaveRunning === true ? ['-c'] : []), name, abs], { domain: name }, { timeoutS: this.init.createTimeoutS ?? 300 })
    } catch (err) {
      if (info.state === 'paused' && (await this.xl(['pause', name])).exitCode !== 0) {
        throw new XlCommandError(`xl pause ${name} after a failed save`, undefined, (err as Error).message, { cause: err })
      }
      throw err
    }
    if (info.state === 'paused' && options.leaveRunning === true) await this.xlOk(['pause', name], { domain: name })
    return await this.find(name)
  }

  async restoreDomain (checkpointPath: string): Promise<DomainInfo> {
    const abs = this.checkpointAbs(checkpointPath)
    const before = new Set((await this.rows()).map(r => r.domid))
    const r = await this.xl(['restore', abs], { timeoutS: this.init.createTimeoutS ?? 300 })
    if (r.exitCode !== 0) {
      if (/Can't open restore file: No such file/.test(r.stderr)) throw new ImageNotFoundError(checkpointPath, this.hostname)
      throw mapXlError({ ...r, argv: ['xl', 'restore', abs] }, { hostname: this.hostname })
    }
    const row = (await this.rows()).find(x => !before.has(x.domid) && x.domid !== 0)
    if (row === undefined) throw new DomainNotFoundError(`(restored from ${checkpointPath})`, this.hostname)
    const rec = await this.records.get(row.name)
    if (rec !== undefined) await this.records.put({ ...rec, startedAtS: this.clock.nowS() })
    return await this.inspectDomain(row.name)
  }

  // --- storage ---
  async createImage (path: string, sizeBytes: number, options: { format?: 'raw' | 'qcow2' } = {}): Promise<ImageInfo> {
    return await this.store.create(path, sizeBytes, options.format ?? 'raw')
  }

  async imageInfo (path: string): Promise<ImageInfo> { return await this.store.info(path) }
  async listImages (dir?: string): Promise<ImageInfo[]> { return await this.store.list(dir) }
  async copyImage (source: string, destination: string): Promise<ImageInfo> { return await this.store.copy(source, destination) }

  async cloneImage (template: string, destination: string, options: { mode?: CloneMode } = {}): Promise<ImageInfo> {
    return await this.store.clone(template, destination, options.mode ?? (this.store.qemuImg !== undefined ? 'cow' : 'copy'))
  }

  async deleteImage (path: string): Promise<void> {
    const abs = this.store.resolve(path)
    const user = (await this.view()).find(d => d.state !== 'stopped' && d.spec.disks.some(disk => this.store.resolve(disk.image) === abs))
    if (user !== undefined) throw new ImageInUseError(path, `domain ${user.name} (${user.state})`)
    await this.store.remove(path)
  }

  // --- migration ---
  async migrateDomain (name: string, target: MigrationTarget, options?: MigrationOptions): Promise<MigrationReport> {
    return await migrateDomain({
      hostname: this.hostname, clock: this.clock, store: this.store, transfer: this.transfer, init: this.init.migration ?? {},
      hostDir: this.hostDir, inspect: async n => await this.inspectDomain(n), xl: async (a, o) => await this.xl(a, o),
      writeHostFile: async (p, t) => { await this.writeHostFile(p, t) }, resolveBoot: async i => this.absBoot(i.spec),
      forget: async (n) => {
        await this.records.delete(n)
        await this.shell.run(['rm', '-f', posix.join(this.hostDir, `${n}.cfg`), posix.join(this.hostDir, `${n}.migrate.cfg`)])
      }
    }, name, target, options)
  }

  // --- reattach ---
  async handle (name: string): Promise<DomainHandle> {
    const info = await this.inspectDomain(name)
    return { backend: this.backend, hostname: this.hostname, name: info.name, uuid: info.uuid }
  }

  async reattach (handle: DomainHandle): Promise<DomainInfo> {
    if (typeof handle !== 'object' || handle === null) throw new InvalidSpecError('handle', 'a domain handle', handle)
    assertDomainName(handle.name, 'handle.name')
    if (handle.backend !== this.backend || handle.hostname !== this.hostname) throw new DomainNotFoundError(handle.name, this.hostname)
    const info = (await this.view()).find(d => d.name === handle.name && d.uuid === handle.uuid)
    if (info === undefined) throw new DomainNotFoundError(handle.name, this.hostname)
    return info
  }

  async close (): Promise<void> {}
}
