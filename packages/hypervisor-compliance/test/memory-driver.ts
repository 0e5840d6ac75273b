import {
  DomainExistsError, DomainNotFoundError, ImageExistsError, ImageInUseError, ImageNotFoundError, InsufficientDiskError,
  InsufficientMemoryError, MigrationFailedError, InvalidSpecError, assertDomainName, assertImagePath, assertSizeBytes,
  manualClock, transition, validateDomainSpec,
  type Clock, type DomainHandle, type DomainInfo, type DomainSpec, type DomainState, type DriverCapabilities, type HostFacts,
  type HypervisorDriver, type ImageInfo, type MigrationReport, type MigrationTarget, type CloneMode
} from '@xenos/hypervisor-interface'

/** Bugs the suite must catch, one flag each (see catches-bugs.spec.ts). */
export type MemoryDriverBug =
  | 'pause-stopped-ok' | 'destroy-not-idempotent' | 'create-leaks-on-oom'
  | 'migration-keeps-source' | 'restore-new-uuid' | 'failed-migration-stops-domain'

const MiB = 1024 * 1024

interface Dom { spec: DomainSpec, uuid: string, state: DomainState, domid?: number, startedAtS?: number }

/**
 * A small in-memory driver written straight from the contract, to check the
 * compliance suite itself: the correct driver passes it, and each `bug`
 * makes exactly the clause it breaks fail.
 */
export class MemoryDriver implements HypervisorDriver {
  readonly backend = 'memory'
  /** Its sleeps advance time at once (no waiting). */
  readonly clock: Clock = manualClock()
  readonly clockKind = 'simulated'
  private readonly domains = new Map<string, Dom>()
  private readonly images = new Map<string, Omit<ImageInfo, 'path'>>()
  private readonly checkpoints = new Map<string, { spec: DomainSpec, uuid: string }>()
  private nextDomid = 1
  private seq = 0

  constructor (readonly hostname: string, private readonly registry: Map<string, MemoryDriver>, private readonly bug?: MemoryDriverBug) {
    registry.set(hostname, this)
  }

  capabilities (): DriverCapabilities {
    return {
      pause: true, gracefulShutdown: true, checkpoint: true, liveMigration: true,
      storageMigration: ['none', 'stop-and-copy'], copyOnWriteClone: true, reattach: true
    }
  }

  private usedMiB (): number { return [...this.domains.values()].filter(d => d.state !== 'stopped').reduce((s, d) => s + d.spec.memoryMiB, 0) }
  private usedBytes (): number { return [...this.images.values()].reduce((s, i) => s + i.sizeBytes, 0) }

  async hostFacts (): Promise<HostFacts> {
    const totalMiB = 4096; const dom0MiB = 512; const totalBytes = 10 * 1024 * MiB
    return {
      hostname: this.hostname,
      hypervisor: 'memory',
      cpu: { cores: 4, speedMHz: 2000, model: 'memory' },
      memory: { totalMiB, dom0MiB, freeMiB: totalMiB - dom0MiB - this.usedMiB() },
      disk: { totalBytes, freeBytes: totalBytes - this.usedBytes() },
      addresses: []
    }
  }

  private info (name: string): DomainInfo {
    const d = this.domains.get(name)
    if (d === undefined) throw new DomainNotFoundError(name, this.hostname)
    const up = d.state !== 'stopped'
    return {
      name,
      uuid: d.uuid,
      state: d.state,
      ...(up ? { domid: d.domid, startedAtS: d.startedAtS } : {}),
      spec: d.spec,
      usage: { cpuTimeS: 0, memoryMiB: up ? d.spec.memoryMiB : 0, diskReadBytes: 0, diskWriteBytes: 0, netRxBytes: 0, netTxBytes: 0 }
    }
  }

  private get (name: string): Dom {
    assertDomainName(name)
    const d = this.domains.get(name)
    if (d === undefined) throw new DomainNotFoundError(name, this.hostname)
    return d
  }

  private uuid (): string { return `00000000-0000-4000-8000-${(++this.seq).toString(16).padStart(12, '0')}${this.hostname.length}`.slice(0, 36) }

  async createDomain (input: DomainSpec): Promise<DomainInfo> {
    const spec = validateDomainSpec(input)
    if (this.domains.has(spec.name)) throw new DomainExistsError(spec.name, this.hostname)
    for (const d of spec.disks) if (!this.images.has(d.image)) throw new ImageNotFoundError(d.image, this.hostname)
    const facts = await this.hostFacts()
    spec.nics = spec.nics.map((n, i) => ({ ...n, mac: n.mac ?? `00:16:3e:00:00:${i.toString(16).padStart(2, '0')}` }))
    if (spec.memoryMiB > facts.memory.totalMiB - facts.memory.dom0MiB) {
      if (this.bug === 'create-leaks-on-oom') this.domains.set(spec.name, { spec, uuid: this.uuid(), state: 'stopped' })
      throw new InsufficientMemoryError(spec.memoryMiB, facts.memory.freeMiB, this.hostname)
    }
    this.domains.set(spec.name, { spec, uuid: this.uuid(), state: 'stopped' })
    return this.info(spec.name)
  }

  async startDomain (name: string): Promise<DomainInfo> {
    const d = this.get(name)
    transition(name, 'start', d.state)
    const free = (await this.hostFacts()).memory.freeMiB
    if (d.spec.memoryMiB > free) throw new InsufficientMemoryError(d.spec.memoryMiB, free, this.hostname)
    Object.assign(d, { state: 'running', domid: this.nextDomid++, startedAtS: this.clock.nowS() })
    return this.info(name)
  }

  async pauseDomain (name: string): Promise<DomainInfo> {
    const d = this.get(name)
    if (this.bug === 'pause-stopped-ok' && d.state === 'stopped') return this.info(name)
    if (transition(name, 'pause', d.state) !== 'noop') d.state = 'paused'
    return this.info(name)
  }

  async unpauseDomain (name: string): Promise<DomainInfo> {
    const d = this.get(name)
    if (transition(name, 'unpause', d.state) !== 'noop') d.state = 'running'
    return this.info(name)
  }

  async shutdownDomain (name: string): Promise<DomainInfo> {
    const d = this.get(name)
    if (transition(name, 'shutdown', d.state) !== 'noop') d.state = 'stopped'
    return this.info(name)
  }

  async destroyDomain (name: string): Promise<DomainInfo> {
    const d = this.get(name)
    if (this.bug === 'destroy-not-idempotent') transition(name, 'save', d.state)
    if (transition(name, 'destroy', d.state) !== 'noop') d.state = 'stopped'
    return this.info(name)
  }

  async removeDomain (name: string, options: { deleteImages?: boolean } = {}): Promise<void> {
    assertDomainName(name)
    const d = this.domains.get(name)
    if (d === undefined) return
    transition(name, 'remove', d.state)
    this.domains.delete(name)
    if (options.deleteImages === true) for (const disk of d.spec.disks) this.images.delete(disk.image)
  }

  async listDomains (): Promise<DomainInfo[]> { return [...this.domains.keys()].map(n => this.info(n)) }
  async inspectDomain (name: string): Promise<DomainInfo> { this.get(name); return this.info(name) }

  async saveDomain (name: string, path: string, options: { leaveRunning?: boolean } = {}): Promise<DomainInfo> {
    assertImagePath(path, 'checkpointPath')
    const d = this.get(name)
    transition(name, 'save', d.state)
    this.checkpoints.set(path, { spec: d.spec, uuid: d.uuid })
    if (options.leaveRunning !== true) d.state = 'stopped'
    return this.info(name)
  }

  async restoreDomain (path: string): Promise<DomainInfo> {
    assertImagePath(path, 'checkpointPath')
    const c = this.checkpoints.get(path)
    if (c === undefined) throw new ImageNotFoundError(path, this.hostname)
    const existing = this.domains.get(c.spec.name)
    if (existing !== undefined && existing.state !== 'stopped') throw new DomainExistsError(c.spec.name, this.hostname)
    const uuid = this.bug === 'restore-new-uuid' ? this.uuid() : c.uuid
    this.domains.set(c.spec.name, { spec: c.spec, uuid, state: 'running', domid: this.nextDomid++, startedAtS: this.clock.nowS() })
    return this.info(c.spec.name)
  }

  async createImage (path: string, sizeBytes: number, options: { format?: 'raw' | 'qcow2' } = {}): Promise<ImageInfo> {
    assertImagePath(path)
    assertSizeBytes(sizeBytes)
    if (this.images.has(path)) throw new ImageExistsError(path, this.hostname)
    const free = (await this.hostFacts()).disk.freeBytes
    if (sizeBytes > free) throw new InsufficientDiskError(sizeBytes, free, this.hostname)
    this.images.set(path, { sizeBytes, allocatedBytes: 0, format: options.format ?? 'raw' })
    return await this.imageInfo(path)
  }

  async imageInfo (path: string): Promise<ImageInfo> {
    assertImagePath(path)
    const i = this.images.get(path)
    if (i === undefined) throw new ImageNotFoundError(path, this.hostname)
    return { path, ...i }
  }

  async listImages (dir?: string): Promise<ImageInfo[]> {
    return [...this.images.keys()].filter(p => dir === undefined || p.startsWith(`${dir}/`)).map(p => ({ path: p, ...this.images.get(p)! }))
  }

  async copyImage (source: string, destination: string): Promise<ImageInfo> {
    const src = await this.imageInfo(source)
    assertImagePath(destination, 'destination')
    if (this.images.has(destination)) throw new ImageExistsError(destination, this.hostname)
    this.images.set(destination, { sizeBytes: src.sizeBytes, allocatedBytes: src.allocatedBytes, format: src.format })
    return await this.imageInfo(destination)
  }

  async cloneImage (template: string, destination: string, options: { mode?: CloneMode } = {}): Promise<ImageInfo> {
    if (options.mode !== 'cow') return await this.copyImage(template, destination)
    const src = await this.imageInfo(template)
    assertImagePath(destination, 'destination')
    if (this.images.has(destination)) throw new ImageExistsError(destination, this.hostname)
    this.images.set(destination, { sizeBytes: src.sizeBytes, allocatedBytes: 0, format: 'qcow2', backingImage: template })
    return await this.imageInfo(destination)
  }

  async deleteImage (path: string): Promise<void> {
    assertImagePath(path)
    const user = [...this.domains.values()].find(d => d.state !== 'stopped' && d.spec.disks.some(x => x.image === path))
    if (user !== undefined) throw new ImageInUseError(path, user.spec.name)
    this.images.delete(path)
  }

  async migrateDomain (name: string, target: MigrationTarget): Promise<MigrationReport> {
    const d = this.get(name)
    transition(name, 'migrate', d.state)
    if (typeof target?.host !== 'string') throw new InvalidSpecError('target.host', 'a host', target?.host)
    const t = this.registry.get(target.host)
    if (t === undefined || t === this) {
      if (this.bug === 'failed-migration-stops-domain') d.state = 'stopped'
      throw new MigrationFailedError(name, target.host, 'no such host')
    }
    const t0 = this.clock.nowS()
    let diskBytes = 0
    for (const disk of d.spec.disks) {
      const img = this.images.get(disk.image)!
      t.images.set(disk.image, { ...img })
      diskBytes += img.sizeBytes
      if (this.bug !== 'migration-keeps-source') this.images.delete(disk.image)
    }
    t.domains.set(name, { ...d, domid: t.nextDomid++ })
    if (this.bug !== 'migration-keeps-source') this.domains.delete(name)
    await this.clock.sleep(1)
    const memoryBytes = d.spec.memoryMiB * MiB
    return {
      domain: name, fromHost: this.hostname, toHost: t.hostname, live: true, storage: 'stop-and-copy', totalS: this.clock.nowS() - t0, downtimeS: 0.1,
      memoryBytes, diskBytes, bytesMoved: memoryBytes + diskBytes, rounds: 1, converged: true
    }
  }

  async handle (name: string): Promise<DomainHandle> {
    const i = this.info(this.get(name) === undefined ? name : name)
    return { backend: this.backend, hostname: this.hostname, name, uuid: i.uuid }
  }

  async reattach (handle: DomainHandle): Promise<DomainInfo> {
    const d = this.domains.get(handle.name)
    if (d === undefined || d.uuid !== handle.uuid || handle.hostname !== this.hostname) throw new DomainNotFoundError(handle.name, this.hostname)
    return this.info(handle.name)
  }

  async close (): Promise<void> {}
}

/** A fixture of two memory hosts (a, b), with an unreachable address. */
export function memoryFixture (bug?: MemoryDriverBug) {
  return async () => {
    const registry = new Map<string, MemoryDriver>()
    const driver = new MemoryDriver('a', registry, bug)
    const target = new MemoryDriver('b', registry)
    return {
      driver, target, targetAddress: { host: 'b' }, unreachableTarget: { host: 'nowhere' },
      makeSpec: async (name: string, options: { memoryMiB?: number, vcpus?: number } = {}): Promise<DomainSpec> => {
        await driver.createImage(`img/${name}.img`, 8 * MiB)
        return {
          name,
          vcpus: options.vcpus ?? 1,
          memoryMiB: options.memoryMiB ?? 128,
          disks: [{ image: `img/${name}.img`, target: 'xvda' }],
          boot: { kind: 'pvh', kernel: '/boot/vmlinuz' },
          nics: [{ bridge: 'xenbr0' }]
        }
      }
    }
  }
}
