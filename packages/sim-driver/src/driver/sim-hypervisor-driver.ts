/**
 * `SimHypervisorDriver`: the contract's `HypervisorDriver` for one simulated
 * host of a `SimCluster`. Domains map to engine VMs (their memory is
 * reserved while they run or are paused); starting, shutting down, saving
 * and restoring cost simulated time through engine activities; images live
 * in the host's `ImageStore`; migration is `migration/live-migration.ts`.
 * Every method follows the clock-holding rule of `control-plane.ts`.
 */
import {
  DomainExistsError, DomainNotFoundError, ImageInUseError, InsufficientMemoryError, InvalidSpecError, OperationTimeoutError, assertDomainName, transition,
  validateDomainSpec, type Clock, type CloneMode, type DomainHandle, type DomainInfo, type DomainSpec, type DriverCapabilities, type HostFacts,
  type HypervisorDriver, type ImageInfo, type MigrationOptions, type MigrationReport, type MigrationTarget
} from '@xenos/hypervisor-interface'
import type { SimVm } from '@xenos/sim-engine'
import { ImageOps } from '../images/image-ops.js'
import { migrateDomain, type MigrationCluster } from '../migration/live-migration.js'
import { saveDomain, restoreDomain } from './checkpoint.js'
import { SIM_BACKEND } from './engine-errors.js'
import { guestBehaviour, type GuestModel } from './guest-model.js'
import { HostCalls, type CallsCluster } from './host-calls.js'
import { domainInfo, domainRecord, dropVm, stopDomain, type HostState } from './host-state.js'
import type { SimIds } from './sim-ids.js'
import { bootWork, shutdownWork } from './guest-work.js'

export { SIM_BACKEND } from './engine-errors.js'

/** What a driver needs from its cluster (a `SimCluster` is one). */
export interface DriverCluster extends CallsCluster, MigrationCluster {
  readonly guest: GuestModel
  readonly ids: SimIds
}

export class SimHypervisorDriver implements HypervisorDriver {
  readonly backend = SIM_BACKEND
  readonly clock: Clock
  readonly clockKind = 'simulated'
  private readonly calls: HostCalls
  private readonly images: ImageOps

  constructor (private readonly cluster: DriverCluster, state: HostState) {
    this.clock = cluster.engine.clock
    this.calls = new HostCalls(cluster, state)
    this.images = new ImageOps(this.calls)
  }

  get hostname (): string { return this.calls.hostname }
  private get state (): HostState { return this.calls.state }

  // --- host ---
  capabilities (): DriverCapabilities {
    return {
      pause: true,
      gracefulShutdown: true,
      checkpoint: true,
      liveMigration: true,
      storageMigration: ['none', 'stop-and-copy', 'pre-copy'],
      copyOnWriteClone: true,
      reattach: true
    }
  }

  async hostFacts (): Promise<HostFacts> {
    return await this.calls.call('hostFacts', async () => {
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

  // --- domain life cycle ---
  async createDomain (input: DomainSpec): Promise<DomainInfo> {
    const spec = validateDomainSpec(input)
    const behaviour = guestBehaviour(spec, this.cluster.guest)
    return await this.calls.call('create', async op => await this.state.locks.with(spec.name, op, async () => {
      this.calls.ensureUp()
      this.calls.fault('create')
      if (this.state.nameTaken(spec.name)) throw new DomainExistsError(spec.name, this.hostname)
      this.calls.requireImages(spec)
      const h = this.state.host
      const maxMiB = h.memoryMiB - h.dom0MemoryMiB
      if (spec.memoryMiB > maxMiB) throw new InsufficientMemoryError(spec.memoryMiB, maxMiB, this.hostname)
      spec.nics = spec.nics.map(n => ({ ...n, mac: n.mac ?? this.cluster.ids.mac() }))
      const d = domainRecord(spec, this.cluster.ids.uuid(), behaviour)
      this.state.domains.set(spec.name, d)
      return domainInfo(d)
    }))
  }

  // No async frame (`onDomain` and its body return promises): a boot waits long in simulated time,
  // and a frame held meanwhile is memory for every domain of a cluster booting at once.
  startDomain (name: string): Promise<DomainInfo> {
    return this.calls.onDomain('start', name, (op, d) => {
      const from = d.state
      transition(name, 'start', from)
      this.calls.fault('start')
      this.calls.requireImages(d.spec)
      this.calls.bootVm(d)
      return bootWork(this.calls, this.cluster.guest, op, d, d.vm as SimVm).then(() => domainInfo(d), (err: unknown) => {
        dropVm(d)
        // A guest that crashed while booting stays crashed; otherwise nothing changed.
        if (d.state !== 'crashed') d.state = from
        d.startedAtS = undefined
        throw this.calls.hostError(err)
      })
    })
  }

  async pauseDomain (name: string): Promise<DomainInfo> {
    return await this.calls.onDomain('pause', name, async (_op, d) => {
      if (transition(name, 'pause', d.state) === 'noop') return domainInfo(d)
      this.calls.fault('pause')
      d.vm?.suspend()
      d.state = 'paused'
      return domainInfo(d)
    })
  }

  async unpauseDomain (name: string): Promise<DomainInfo> {
    return await this.calls.onDomain('unpause', name, async (_op, d) => {
      if (transition(name, 'unpause', d.state) === 'noop') return domainInfo(d)
      this.calls.fault('unpause')
      d.vm?.resume()
      d.state = 'running'
      return domainInfo(d)
    })
  }

  async shutdownDomain (name: string, options: { timeoutS?: number, force?: boolean } = {}): Promise<DomainInfo> {
    const timeoutS = options.timeoutS ?? 60
    if (typeof timeoutS !== 'number' || !(timeoutS >= 0) || !Number.isFinite(timeoutS)) {
      throw new InvalidSpecError('timeoutS', 'a finite number of seconds >= 0', options.timeoutS)
    }
    return await this.calls.onDomain('shutdown', name, async (op, d) => {
      if (transition(name, 'shutdown', d.state) === 'noop') return domainInfo(d)
      this.calls.fault('shutdown')
      if (d.state === 'crashed' || d.vm === undefined) return stopDomain(d)
      // A paused guest cannot answer the request; neither can one that ignores it.
      const finished = await shutdownWork(this.calls, this.cluster.guest, op, d, d.vm, timeoutS).catch((err: unknown) => { throw this.calls.hostError(err) })
      if (!finished) {
        if (options.force === true) return stopDomain(d)
        throw new OperationTimeoutError(`shutdown of "${name}" on ${this.hostname}`, timeoutS)
      }
      return stopDomain(d)
    })
  }

  async destroyDomain (name: string): Promise<DomainInfo> {
    return await this.calls.onDomain('destroy', name, async (_op, d) => {
      if (transition(name, 'destroy', d.state) === 'noop') return domainInfo(d)
      this.calls.fault('destroy')
      return stopDomain(d)
    })
  }

  async removeDomain (name: string, options: { deleteImages?: boolean } = {}): Promise<void> {
    assertDomainName(name)
    await this.calls.call('remove', async op => await this.state.locks.with(name, op, async () => {
      this.calls.ensureUp()
      const d = this.state.domains.get(name)
      if (d === undefined) return
      transition(name, 'remove', d.state)
      this.calls.fault('remove')
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
    const byName = (a: DomainInfo, b: DomainInfo): number => a.name < b.name ? -1 : a.name > b.name ? 1 : 0
    return await this.calls.call('list', async () => [...this.state.domains.values()].map(domainInfo).sort(byName))
  }

  async inspectDomain (name: string): Promise<DomainInfo> {
    assertDomainName(name)
    return await this.calls.call('inspect', async () => domainInfo(this.calls.record(name)))
  }

  // --- checkpoint ---
  async saveDomain (name: string, checkpointPath: string, options: { leaveRunning?: boolean } = {}): Promise<DomainInfo> {
    return await saveDomain(this.calls, name, checkpointPath, options)
  }

  async restoreDomain (checkpointPath: string): Promise<DomainInfo> {
    return await restoreDomain(this.calls, this.cluster.guest, checkpointPath)
  }

  // --- storage ---
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

  // --- migration ---
  async migrateDomain (name: string, target: MigrationTarget, options: MigrationOptions = {}): Promise<MigrationReport> {
    return await migrateDomain({ calls: this.calls, cluster: this.cluster }, name, target, options)
  }

  // --- reattach ---
  async handle (name: string): Promise<DomainHandle> {
    assertDomainName(name)
    return await this.calls.call('handle', async () => {
      const d = this.calls.record(name)
      return { backend: SIM_BACKEND, hostname: this.hostname, name, uuid: d.uuid }
    })
  }

  async reattach (handle: DomainHandle): Promise<DomainInfo> {
    if (typeof handle !== 'object' || handle === null || typeof handle.name !== 'string' || typeof handle.uuid !== 'string') {
      throw new InvalidSpecError('handle', 'a domain handle { backend, hostname, name, uuid }', handle)
    }
    return await this.calls.call('reattach', async () => {
      const d = this.state.domains.get(handle.name)
      if (handle.backend !== SIM_BACKEND || handle.hostname !== this.hostname || d === undefined || d.uuid !== handle.uuid) {
        throw new DomainNotFoundError(handle.name, this.hostname)
      }
      return domainInfo(d)
    })
  }

  async close (): Promise<void> {
    this.calls.close()
  }
}
