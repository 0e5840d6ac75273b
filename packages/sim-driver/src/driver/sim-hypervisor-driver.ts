/**
 * `SimHypervisorDriver`: the contract's `HypervisorDriver` for one simulated
 * host of a `SimCluster`. Domains map to engine VMs (their memory is
 * reserved while they run or are paused); starting, shutting down, saving
 * and restoring cost simulated time through engine activities; images live
 * in the host's `ImageStore`; migration is `migration/live-migration.ts`.
 * Every method follows the clock-holding rule of `control-plane.ts`.
 */
import {
  BackendUnavailableError, DomainExistsError, DomainNotFoundError, ImageInUseError, InsufficientMemoryError,
  InvalidSpecError, OperationTimeoutError, assertDomainName, transition, validateDomainSpec,
  type Clock, type CloneMode, type DomainHandle, type DomainInfo, type DomainSpec, type DriverCapabilities, type HostFacts,
  type HypervisorDriver, type ImageInfo, type MigrationOptions, type MigrationReport, type MigrationTarget
} from '@xenos/hypervisor-interface'
import type { Engine, SimVm } from '../engine/index.js'
import type { FaultableOperation } from '../faults/fail-next.js'
import { ImageOps } from '../images/image-ops.js'
import { migrateDomain } from '../migration/live-migration.js'
import { saveDomain, restoreDomain } from './checkpoint.js'
import type { Operation } from './control-plane.js'
import { guestBehaviour } from './guest-model.js'
import { domainInfo, dropVm, type DomainRecord, type HostState } from './host-state.js'
import type { SimCluster } from './sim-cluster.js'
import { bootWork, shutdownWork } from './guest-work.js'
import { runActivities } from './run-activities.js'

export const SIM_BACKEND = 'sim'

export class SimHypervisorDriver implements HypervisorDriver {
  readonly backend = SIM_BACKEND
  readonly clock: Clock
  private closed = false
  private readonly images: ImageOps

  constructor (readonly cluster: SimCluster, readonly state: HostState) {
    this.clock = cluster.engine.clock
    this.images = new ImageOps(this)
  }

  get hostname (): string { return this.state.name }
  get engine (): Engine { return this.cluster.engine }

  // ── plumbing shared with image-ops, checkpoint and migration ────────
  /** Throws `BackendUnavailableError` when the driver is closed or its host has crashed. */
  ensureUp (): void {
    if (this.closed) throw new BackendUnavailableError(SIM_BACKEND, `the driver for ${this.hostname} was closed`)
    if (this.cluster.closed) throw new BackendUnavailableError(SIM_BACKEND, `the simulated cluster of ${this.hostname} was closed`)
    if (this.state.host.failed) throw new BackendUnavailableError(SIM_BACKEND, `simulated host ${this.hostname} has crashed`)
  }

  /** Throws the planned failure of `operation`, if one is due. */
  fault (operation: FaultableOperation): void {
    const err = this.cluster.faults.plan.take(operation, this.hostname)
    if (err !== undefined) throw err
  }

  /** Runs `body` as one driver call (clock held, host checked). */
  async call<T> (label: string, body: (op: Operation) => Promise<T>): Promise<T> {
    const kind = label.split(' ')[0] ?? label
    return await this.cluster.control.run(`${this.hostname}:${label}`, async (op) => {
      this.ensureUp()
      this.engine.log('driver', `${this.hostname} ${label}`)
      const latencyS = this.cluster.controlLatencyS
      if (latencyS > 0) {
        await runActivities(op, [this.engine.sleep(latencyS)])
        this.ensureUp()
      }
      return await body(op)
    }, kind)
  }

  /** Runs `body` as one driver call on domain `name`, serialised with other calls on it. */
  async onDomain<T> (label: string, name: unknown, body: (op: Operation, d: DomainRecord) => Promise<T>): Promise<T> {
    assertDomainName(name)
    return await this.call(`${label} ${name}`, async op => await this.state.locks.with(name, op, async () => {
      this.ensureUp()
      return await body(op, this.record(name))
    }))
  }

  record (name: string): DomainRecord {
    const d = this.state.domains.get(name)
    if (d === undefined) throw new DomainNotFoundError(name, this.hostname)
    return d
  }

  // ── host ───────────────────────────────────────────────────────────
  capabilities (): DriverCapabilities {
    return { pause: true, gracefulShutdown: true, checkpoint: true, liveMigration: true, storageMigration: ['none', 'stop-and-copy', 'pre-copy'], copyOnWriteClone: true, reattach: true }
  }

  async hostFacts (): Promise<HostFacts> {
    return await this.call('hostFacts', async () => {
      const h = this.state.host
      return {
        hostname: h.name,
        hypervisor: 'sim-xen',
        cpu: { cores: h.cores, speedMHz: Math.round(h.coreSpeedFlops / 1e6), model: `simulated core of ${h.coreSpeedFlops} flop/s` },
        memory: { totalMiB: h.memoryMiB, freeMiB: h.freeMemoryMiB(), dom0MiB: h.dom0MemoryMiB },
        disk: { totalBytes: this.state.store.capacityBytes, freeBytes: this.state.store.freeBytes() },
        addresses: [...this.state.addresses]
      }
    })
  }

  // ── domain life cycle ──────────────────────────────────────────────
  async createDomain (input: DomainSpec): Promise<DomainInfo> {
    const spec = validateDomainSpec(input)
    const behaviour = guestBehaviour(spec, this.cluster.guest)
    return await this.call('create', async op => await this.state.locks.with(spec.name, op, async () => {
      this.ensureUp()
      this.fault('create')
      if (this.state.nameTaken(spec.name)) throw new DomainExistsError(spec.name, this.hostname)
      this.requireImages(spec)
      const h = this.state.host
      const maxMiB = h.memoryMiB - h.dom0MemoryMiB
      if (spec.memoryMiB > maxMiB) throw new InsufficientMemoryError(spec.memoryMiB, maxMiB, this.hostname)
      spec.nics = spec.nics.map(n => ({ ...n, mac: n.mac ?? this.cluster.ids.mac() }))
      const d: DomainRecord = { spec, uuid: this.cluster.ids.uuid(), state: 'stopped', behaviour }
      this.state.domains.set(spec.name, d)
      return domainInfo(d)
    }))
  }

  async startDomain (name: string): Promise<DomainInfo> {
    return await this.onDomain('start', name, async (op, d) => {
      const from = d.state
      transition(name, 'start', from)
      this.fault('start')
      this.requireImages(d.spec)
      this.bootVm(d)
      try {
        await bootWork(this, op, d, d.vm as SimVm)
      } catch (err) {
        dropVm(d)
        // A guest that crashed while booting stays crashed; otherwise nothing changed.
        if (d.state !== 'crashed') d.state = from
        d.startedAtS = undefined
        throw this.hostError(err)
      }
      return domainInfo(d)
    })
  }

  /** Reserve the domain's memory (a VM on the engine) and mark it running. */
  bootVm (d: DomainRecord): void {
    const h = this.state.host
    const free = h.freeMemoryMiB()
    if (d.spec.memoryMiB > free) throw new InsufficientMemoryError(d.spec.memoryMiB, free, this.hostname)
    d.vm = h.createVm({ name: d.spec.name, vcpus: d.spec.vcpus, memoryMiB: d.spec.memoryMiB })
    d.domid = this.state.allocateDomid()
    d.state = 'running'
    d.startedAtS = this.engine.nowS()
  }

  async pauseDomain (name: string): Promise<DomainInfo> {
    return await this.onDomain('pause', name, async (_op, d) => {
      if (transition(name, 'pause', d.state) === 'noop') return domainInfo(d)
      this.fault('pause')
      d.vm?.suspend()
      d.state = 'paused'
      return domainInfo(d)
    })
  }

  async unpauseDomain (name: string): Promise<DomainInfo> {
    return await this.onDomain('unpause', name, async (_op, d) => {
      if (transition(name, 'unpause', d.state) === 'noop') return domainInfo(d)
      this.fault('unpause')
      d.vm?.resume()
      d.state = 'running'
      return domainInfo(d)
    })
  }

  async shutdownDomain (name: string, options: { timeoutS?: number, force?: boolean } = {}): Promise<DomainInfo> {
    const timeoutS = options.timeoutS ?? 60
    if (typeof timeoutS !== 'number' || !(timeoutS >= 0) || !Number.isFinite(timeoutS)) throw new InvalidSpecError('timeoutS', 'a finite number of seconds >= 0', options.timeoutS)
    return await this.onDomain('shutdown', name, async (op, d) => {
      if (transition(name, 'shutdown', d.state) === 'noop') return domainInfo(d)
      this.fault('shutdown')
      if (d.state === 'crashed' || d.vm === undefined) return this.stop(d)
      // A paused guest cannot answer the request; neither can one that ignores it.
      const finished = await shutdownWork(this, op, d, d.vm, timeoutS).catch((err: unknown) => { throw this.hostError(err) })
      if (!finished) {
        if (options.force === true) return this.stop(d)
        throw new OperationTimeoutError(`shutdown of "${name}" on ${this.hostname}`, timeoutS)
      }
      return this.stop(d)
    })
  }

  async destroyDomain (name: string): Promise<DomainInfo> {
    return await this.onDomain('destroy', name, async (_op, d) => {
      if (transition(name, 'destroy', d.state) === 'noop') return domainInfo(d)
      this.fault('destroy')
      return this.stop(d)
    })
  }

  /** The domain no longer runs: memory released, state stopped. */
  stop (d: DomainRecord): DomainInfo {
    dropVm(d)
    d.state = 'stopped'
    d.startedAtS = undefined
    return domainInfo(d)
  }

  async removeDomain (name: string, options: { deleteImages?: boolean } = {}): Promise<void> {
    assertDomainName(name)
    await this.call('remove', async op => await this.state.locks.with(name, op, async () => {
      this.ensureUp()
      const d = this.state.domains.get(name)
      if (d === undefined) return
      transition(name, 'remove', d.state)
      this.fault('remove')
      const paths = options.deleteImages === true ? [...new Set(d.spec.disks.map(k => k.image))].filter(p => this.state.store.has(p)) : []
      for (const p of paths) {
        const users = this.state.usersOf(p).filter(u => u !== name)
        if (users.length > 0) throw new ImageInUseError(p, `domain ${users[0] ?? ''}`)
        const clones = this.state.store.clonesOf(p)
        if (clones.length > 0) throw new ImageInUseError(p, `the copy-on-write clone ${clones[0] ?? ''}`)
      }
      this.state.domains.delete(name)
      for (const p of paths) this.state.store.delete(p)
    }))
  }

  async listDomains (): Promise<DomainInfo[]> {
    return await this.call('list', async () => [...this.state.domains.values()].map(domainInfo).sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  async inspectDomain (name: string): Promise<DomainInfo> {
    assertDomainName(name)
    return await this.call('inspect', async () => domainInfo(this.record(name)))
  }

  // ── checkpoint ─────────────────────────────────────────────────────
  async saveDomain (name: string, checkpointPath: string, options: { leaveRunning?: boolean } = {}): Promise<DomainInfo> {
    return await saveDomain(this, name, checkpointPath, options)
  }

  async restoreDomain (checkpointPath: string): Promise<DomainInfo> {
    return await restoreDomain(this, checkpointPath)
  }

  // ── storage ────────────────────────────────────────────────────────
  async createImage (path: string, sizeBytes: number, options: { format?: 'raw' | 'qcow2' } = {}): Promise<ImageInfo> {
    return await this.images.createImage(path, sizeBytes, options)
  }

  async imageInfo (path: string): Promise<ImageInfo> { return await this.images.imageInfo(path) }
  async listImages (dir?: string): Promise<ImageInfo[]> { return await this.images.listImages(dir) }
  async copyImage (source: string, destination: string): Promise<ImageInfo> { return await this.images.copyImage(source, destination) }
  async cloneImage (template: string, destination: string, options: { mode?: CloneMode } = {}): Promise<ImageInfo> {
    return await this.images.cloneImage(template, destination, options)
  }

  async deleteImage (path: string): Promise<void> { await this.images.deleteImage(path) }

  // ── migration ──────────────────────────────────────────────────────
  async migrateDomain (name: string, target: MigrationTarget, options: MigrationOptions = {}): Promise<MigrationReport> {
    return await migrateDomain(this, name, target, options)
  }

  // ── reattach ───────────────────────────────────────────────────────
  async handle (name: string): Promise<DomainHandle> {
    assertDomainName(name)
    return await this.call('handle', async () => {
      const d = this.record(name)
      return { backend: SIM_BACKEND, hostname: this.hostname, name, uuid: d.uuid }
    })
  }

  async reattach (handle: DomainHandle): Promise<DomainInfo> {
    if (typeof handle !== 'object' || handle === null || typeof handle.name !== 'string' || typeof handle.uuid !== 'string') {
      throw new InvalidSpecError('handle', 'a domain handle { backend, hostname, name, uuid }', handle)
    }
    return await this.call('reattach', async () => {
      const d = this.state.domains.get(handle.name)
      if (handle.backend !== SIM_BACKEND || handle.hostname !== this.hostname || d === undefined || d.uuid !== handle.uuid) {
        throw new DomainNotFoundError(handle.name, this.hostname)
      }
      return domainInfo(d)
    })
  }

  async close (): Promise<void> {
    this.closed = true
  }

  // ── helpers ────────────────────────────────────────────────────────
  /** Page-cache identity of a file of this host. */
  cacheKey (path: string): string { return `${this.hostname}:${path}` }

  /** An engine activity failure as the contract's error: the host is unavailable. */
  hostError (err: unknown): Error {
    const e = err as Error
    if (e?.name === 'ActivityFailedError' || e?.name === 'ActivityCanceledError') {
      return new BackendUnavailableError(SIM_BACKEND, `simulated work on ${this.hostname} failed: ${e.message}`, { cause: err })
    }
    return e instanceof Error ? e : new Error(String(err))
  }

  /** `ImageNotFoundError` unless every disk of `spec` is an image in this host's store. */
  requireImages (spec: DomainSpec): void {
    for (const disk of spec.disks) this.state.store.image(disk.image)
  }
}
