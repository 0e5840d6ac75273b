/**
 * The substrate backed by `@xenos/sim-engine`: places are the engine's
 * hosts (native, or Domain 0 of a Xen host) and VMs, so every activity of
 * the Hadoop model shares the platform's CPUs, disks, page caches and
 * network max-min fairly with whatever else runs there, and a guest's I/O
 * pays Domain 0's costs.
 */
import type { Engine, SimHost, SimVm } from '@xenos/sim-engine'
import type { Place, Substrate } from './substrate.js'
import { HadoopBenchError } from '../errors.js'

export class UnknownPlaceError extends HadoopBenchError {
  constructor (readonly placeId: string) {
    super(`expected a place registered with the substrate, found "${placeId}"`)
  }
}

export class EngineSubstrate implements Substrate {
  private readonly targets = new Map<string, SimHost | SimVm>()
  private readonly rng: ReturnType<Engine['random']['fork']>
  private readonly keyed: ReturnType<Engine['random']['fork']>

  constructor (private readonly engine: Engine, randomStream = 'hadoop') {
    this.rng = engine.random.fork(randomStream)
    this.keyed = engine.random.fork(`${randomStream}/keyed`)
  }

  /** A place for a native host (or Domain 0 of a Xen host). */
  hostPlace (host: SimHost): Place {
    const place = { id: host.name, hostId: host.name }
    this.targets.set(place.id, host)
    return place
  }

  /** A place for a guest VM. */
  vmPlace (vm: SimVm): Place {
    const place = { id: `${vm.host.name}/${vm.name}`, hostId: vm.host.name }
    this.targets.set(place.id, vm)
    return place
  }

  private target (place: Place): SimHost | SimVm {
    const t = this.targets.get(place.id)
    if (t === undefined) throw new UnknownPlaceError(place.id)
    return t
  }

  nowS (): number { return this.engine.nowS() }
  async sleep (durationS: number): Promise<void> { await this.engine.clock.sleep(durationS) }
  random (): number { return this.rng.next() }
  keyedNormal (key: string): number { return this.keyed.fork(key).normal(0, 1) }

  async exec (on: Place, flops: number): Promise<void> {
    if (flops <= 0) return
    await this.engine.exec({ on: this.target(on), flops }).wait()
  }

  async read (on: Place, bytes: number, cacheKey?: string): Promise<void> {
    if (bytes <= 0) return
    await this.engine.io({ on: this.target(on), op: 'read', bytes, cacheKey }).wait()
  }

  async write (on: Place, bytes: number, cacheKey?: string): Promise<void> {
    if (bytes <= 0) return
    await this.engine.io({ on: this.target(on), op: 'write', bytes, cacheKey }).wait()
  }

  async transfer (from: Place, to: Place, bytes: number): Promise<void> {
    if (bytes <= 0) return
    await this.engine.comm({ from: this.target(from), to: this.target(to), bytes }).wait()
  }

  async swap (on: Place, op: 'read' | 'write', bytes: number, requestBytes?: number): Promise<void> {
    if (bytes <= 0) return
    await this.engine.io({ on: this.target(on), op, bytes, direct: true, requestBytes }).wait()
  }

  memoryMiB (place: Place): number {
    const t = this.target(place)
    if ('vms' in t) return t.virtualized ? t.dom0MemoryMiB : t.memoryMiB
    return t.memoryMiB
  }

  setPageCacheBytes (place: Place, bytes: number): void {
    this.target(place).cache.resize(bytes)
  }

  async settle (): Promise<void> {
    const dirty = (): boolean => [...this.targets.values()].some(t => t.cache.dirtyBytes() > 0 || ('vms' in t ? false : t.host.cache.dirtyBytes() > 0))
    while (dirty()) await this.sleep(1)
  }

  isRunning (place: Place): boolean {
    const t = this.target(place)
    if ('suspended' in t) return !t.suspended && !t.gone && !t.host.failed
    return !t.failed
  }
}
