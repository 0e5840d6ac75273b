/**
 * TEST ONLY: an in-memory cluster of hosts implementing the driver contract
 * closely enough for coordinator tests (state machine, image store with
 * sizes, memory accounting, migration between hosts, reattach), with fault
 * knobs, and as a driver plugin (`fakeDriverPlugin`, kind `fake`) for host
 * files. Never shipped: it lives under test/. Tests use `@xenos/sim-driver`
 * where its API allows; this covers what it cannot (held and failing
 * migrations, a host whose memory and disk a test chooses).
 */
import { renameSync, writeFileSync } from 'node:fs'
import {
  DomainExistsError, DomainNotFoundError, ImageExistsError, ImageInUseError, ImageNotFoundError,
  InsufficientDiskError, InsufficientMemoryError, MigrationFailedError, transition, validateDomainSpec,
  type ChunkImageStore, type Clock, type DomainHandle, type DomainInfo, type DomainSpec, type DriverPlugin, type HypervisorDriver, type ImageInfo,
  type ImageTransferPort, type MigrationReport
} from '@xenos/hypervisor-interface'
import { z } from 'zod'

interface Dom { spec: DomainSpec, uuid: string, state: DomainInfo['state'], startedAtS?: number }
interface Host { name: string, totalMiB: number, dom0MiB: number, diskBytes: number, images: Map<string, ImageInfo>, domains: Map<string, Dom>, down: boolean }

export interface FakeHostInit { name: string, memoryMiB?: number, diskBytes?: number, cores?: number }

export class FakeCluster {
  readonly hosts = new Map<string, Host>()
  /** Fault knob: the next migration to this host fails after the copy started. */
  failNextMigrationTo = new Set<string>()
  /** Holds the next migration (after its checks) until `until` resolves or its signal aborts it; `entered` is called when it waits. */
  holdNextMigration: { entered: () => void, until: Promise<void> } | undefined
  private uuidSeq = 0
  private t = 0
  readonly clock: Clock = { nowS: () => this.t, sleep: async (d) => { this.t += d } }

  constructor (hosts: FakeHostInit[]) {
    for (const h of hosts) {
      const host = { name: h.name, totalMiB: h.memoryMiB ?? 2048, dom0MiB: 512, diskBytes: h.diskBytes ?? 500e9 }
      this.hosts.set(h.name, { ...host, images: new Map(), domains: new Map(), down: false })
    }
  }

  driver (name: string): HypervisorDriver {
    const host = this.hosts.get(name)
    if (host === undefined) throw new Error(`no fake host ${name}`)
    return makeDriver(this, host)
  }

  /** Plain JSON of every host (images, domains), for `FakeCluster.fromJSON`. */
  toJSON (): unknown {
    const hosts = [...this.hosts.values()].map(h => ({ ...h, images: [...h.images.values()], domains: [...h.domains.values()] }))
    return { uuidSeq: this.uuidSeq, t: this.t, hosts }
  }

  static fromJSON (json: unknown): FakeCluster {
    const j = json as { uuidSeq: number, t: number, hosts: Array<Omit<Host, 'images' | 'domains'> & { images: ImageInfo[], domains: Dom[] }> }
    const c = new FakeCluster([])
    c.uuidSeq = j.uuidSeq
    c.t = j.t
    for (const h of j.hosts) {
      c.hosts.set(h.name, { ...h, images: new Map(h.images.map(i => [i.path, i])), domains: new Map(h.domains.map(d => [d.spec.name, d])) })
    }
    return c
  }

  /**
   * A driver whose every completed call writes the whole cluster to `file`
   * (atomically), so the "hypervisor" outlives a coordinator killed with
   * SIGKILL, as real domains do.
   */
  persistentDriver (name: string, file: string): HypervisorDriver {
    const inner = this.driver(name)
    const save = (): void => {
      writeFileSync(`${file}.tmp`, JSON.stringify(this.toJSON()))
      renameSync(`${file}.tmp`, file)
    }
    return new Proxy(inner, {
      get: (target, prop, receiver) => {
        const v = Reflect.get(target, prop, receiver) as unknown
        if (typeof v !== 'function') return v
        return (...args: unknown[]) => {
          const r = (v as (...a: unknown[]) => unknown).apply(target, args)
          if (r instanceof Promise) return r.then((x) => { save(); return x })
          return r
        }
      }
    })
  }

  nextUuid (): string { return `00000000-0000-4000-8000-${(++this.uuidSeq).toString().padStart(12, '0')}` }
  tick (s: number): void { this.t += s }
}

function freeMiB (h: Host): number {
  let used = h.dom0MiB
  for (const d of h.domains.values()) if (d.state === 'running' || d.state === 'paused') used += d.spec.memoryMiB
  return h.totalMiB - used
}
function usedBytes (h: Host): number {
  let n = 0
  for (const i of h.images.values()) n += i.allocatedBytes
  return n
}

function makeDriver (cluster: FakeCluster, host: Host): HypervisorDriver {
  const zero = { cpuTimeS: 0, memoryMiB: 0, diskReadBytes: 0, diskWriteBytes: 0, netRxBytes: 0, netTxBytes: 0 }
  const dom = (name: string): Dom => {
    const d = host.domains.get(name)
    if (d === undefined) throw new DomainNotFoundError(name, host.name)
    return d
  }
  const info = (d: Dom): DomainInfo => {
    const usage = { ...zero, memoryMiB: d.state === 'stopped' ? 0 : d.spec.memoryMiB }
    const out: DomainInfo = { name: d.spec.name, uuid: d.uuid, state: d.state, spec: structuredClone(d.spec), usage }
    if (d.startedAtS !== undefined && d.state !== 'stopped') out.startedAtS = d.startedAtS
    return out
  }
  const image = (path: string): ImageInfo => {
    const i = host.images.get(path)
    if (i === undefined) throw new ImageNotFoundError(path, host.name)
    return i
  }
  const put = (i: ImageInfo): ImageInfo => {
    if (host.images.has(i.path)) throw new ImageExistsError(i.path, host.name)
    const free = host.diskBytes - usedBytes(host)
    if (i.allocatedBytes > free) throw new InsufficientDiskError(i.allocatedBytes, free, host.name)
    host.images.set(i.path, i)
    return { ...i }
  }
  const setState = (name: string, op: Parameters<typeof transition>[1]): DomainInfo => {
    const d = dom(name)
    const next = transition(name, op, d.state)
    if (next !== 'noop') {
      if (next === 'running' && d.state !== 'paused' && d.state !== 'running') {
        const free = freeMiB(host)
        if (d.spec.memoryMiB > free) throw new InsufficientMemoryError(d.spec.memoryMiB, free, host.name)
        d.startedAtS = cluster.clock.nowS()
      }
      d.state = next
    }
    return info(d)
  }
  return {
    backend: 'fake',
    hostname: host.name,
    clock: cluster.clock,
    clockKind: 'simulated',
    capabilities: () => ({
      pause: true, gracefulShutdown: true, checkpoint: true, liveMigration: true, storageMigration: ['none', 'stop-and-copy'], copyOnWriteClone: true,
      reattach: true
    }),
    hostFacts: async () => ({
      hostname: host.name, hypervisor: 'fake',
      cpu: { cores: 2, speedMHz: 2530, model: 'fake' },
      memory: { totalMiB: host.totalMiB, freeMiB: freeMiB(host), dom0MiB: host.dom0MiB },
      disk: { totalBytes: host.diskBytes, freeBytes: host.diskBytes - usedBytes(host) },
      addresses: ['127.0.0.1']
    }),
    async createDomain (raw) {
      const spec = validateDomainSpec(raw)
      if (host.domains.has(spec.name)) throw new DomainExistsError(spec.name, host.name)
      for (const d of spec.disks) image(d.image)
      if (spec.memoryMiB > host.totalMiB - host.dom0MiB) throw new InsufficientMemoryError(spec.memoryMiB, host.totalMiB - host.dom0MiB, host.name)
      const d: Dom = { spec, uuid: cluster.nextUuid(), state: 'stopped' }
      host.domains.set(spec.name, d)
      return info(d)
    },
    startDomain: async name => setState(name, 'start'),
    pauseDomain: async name => setState(name, 'pause'),
    unpauseDomain: async name => setState(name, 'unpause'),
    shutdownDomain: async name => setState(name, 'shutdown'),
    destroyDomain: async name => setState(name, 'destroy'),
    async removeDomain (name, options) {
      const d = host.domains.get(name)
      if (d === undefined) return
      transition(name, 'remove', d.state)
      host.domains.delete(name)
      if (options?.deleteImages === true) for (const disk of d.spec.disks) host.images.delete(disk.image)
    },
    listDomains: async () => [...host.domains.values()].map(info),
    inspectDomain: async name => info(dom(name)),
    async saveDomain (name, path, options) {
      const d = dom(name)
      transition(name, 'save', d.state)
      put({ path, sizeBytes: d.spec.memoryMiB * 1048576, allocatedBytes: d.spec.memoryMiB * 1048576, format: 'raw' })
      if (options?.leaveRunning !== true) d.state = 'stopped'
      return info(d)
    },
    async restoreDomain (path) {
      image(path)
      throw new Error('fake: restore not modelled')
    },
    createImage: async (path, sizeBytes, options) => put({ path, sizeBytes, allocatedBytes: sizeBytes, format: options?.format ?? 'raw' }),
    imageInfo: async path => ({ ...image(path) }),
    listImages: async dir => [...host.images.values()].filter(i => dir === undefined || i.path.startsWith(`${dir}/`)).map(i => ({ ...i })),
    async copyImage (source, destination) {
      const s = image(source)
      return put({ path: destination, sizeBytes: s.sizeBytes, allocatedBytes: s.sizeBytes, format: s.format })
    },
    async cloneImage (template, destination, options) {
      const s = image(template)
      if (options?.mode === 'cow') return put({ path: destination, sizeBytes: s.sizeBytes, allocatedBytes: 196608, format: 'qcow2', backingImage: template })
      return put({ path: destination, sizeBytes: s.sizeBytes, allocatedBytes: s.sizeBytes, format: s.format })
    },
    async deleteImage (path) {
      for (const d of host.domains.values()) {
        if (d.state !== 'stopped' && d.spec.disks.some(x => x.image === path)) throw new ImageInUseError(path, d.spec.name)
      }
      host.images.delete(path)
    },
    async migrateDomain (name, target, options): Promise<MigrationReport> {
      const d = dom(name)
      transition(name, 'migrate', d.state)
      const to = cluster.hosts.get(target.host)
      if (to === undefined || to.down) throw new MigrationFailedError(name, target.host, 'target host unreachable')
      if (cluster.failNextMigrationTo.delete(target.host)) throw new MigrationFailedError(name, target.host, 'injected fault during the copy')
      const hold = cluster.holdNextMigration
      cluster.holdNextMigration = undefined
      if (hold !== undefined) {
        await new Promise<void>((resolve, reject) => {
          const signal = options?.signal
          const onAbort = (): void => { reject(new MigrationFailedError(name, target.host, `aborted (${(signal?.reason as Error | undefined)?.message})`)) }
          if (signal?.aborted === true) { onAbort(); return }
          signal?.addEventListener('abort', onAbort, { once: true })
          hold.entered()
          hold.until.then(() => { signal?.removeEventListener('abort', onAbort); resolve() }, reject)
        })
      }
      if (to.domains.has(name)) throw new MigrationFailedError(name, target.host, 'a domain of that name exists there')
      const free = freeMiB(to)
      if (d.spec.memoryMiB > free) throw new MigrationFailedError(name, target.host, `only ${free} MiB free there`)
      let diskBytes = 0
      const storage = options?.storage ?? 'stop-and-copy'
      if (storage !== 'none') {
        for (const disk of d.spec.disks) {
          const i = host.images.get(disk.image)
          if (i !== undefined) { to.images.set(i.path, { ...i }); host.images.delete(i.path); diskBytes += i.allocatedBytes }
        }
      }
      host.domains.delete(name)
      to.domains.set(name, d)
      const memoryBytes = d.spec.memoryMiB * 1048576
      return {
        domain: name, fromHost: host.name, toHost: to.name, live: options?.live ?? true, storage,
        totalS: 4, downtimeS: 0.1, memoryBytes, diskBytes, bytesMoved: memoryBytes + diskBytes, rounds: 2, converged: true
      }
    },
    async handle (name): Promise<DomainHandle> {
      const d = dom(name)
      return { backend: 'fake', hostname: host.name, name, uuid: d.uuid }
    },
    async reattach (h) {
      const d = host.domains.get(h.name)
      if (d === undefined || d.uuid !== h.uuid) throw new DomainNotFoundError(h.name, host.name)
      return info(d)
    },
    close: async () => undefined
  }
}

/**
 * The hosts of `cluster` as a driver plugin (`driver: { kind: fake }` in a
 * host file; `options.host`, else the file's hostname, names the host).
 * Closing a driver leaves the cluster as it is, so a host started again
 * from the same file finds its domains.
 */
export function fakeDriverPlugin (cluster: FakeCluster): DriverPlugin<{ host?: string }> {
  return {
    kind: 'fake',
    description: 'a host of an in-memory test cluster',
    optionsSchema: () => z.strictObject({ host: z.string().optional() }),
    async create (options, host) {
      const name = options.host ?? host.hostname ?? [...cluster.hosts.keys()][0]!
      return { driver: cluster.driver(name), images: { kind: 'port', port: fakeImagePort(), blankMissingImages: true }, close: async () => {} }
    }
  }
}

/** The image port of fake hosts: their images are sizes, and none of them travels (every request is refused). */
function fakeImagePort (): ImageTransferPort {
  const refuse = async (): Promise<never> => { throw new Error('expected no image transfer between fake hosts, found one asked for') }
  const store: ChunkImageStore = { manifest: refuse, version: refuse, openComplete: refuse, openStaging: refuse }
  return { store }
}
