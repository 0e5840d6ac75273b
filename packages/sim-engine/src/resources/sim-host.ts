import { DomainExistsError, InsufficientMemoryError, InvalidSpecError, assertDomainName } from '@xenos/hypervisor-interface'
import type { HostDescription } from '../platform/platform.js'
import type { Constraint } from './lmm/index.js'
import { MIB, type ResourceUser, type SimContext } from './context.js'
import { SimDisk } from './sim-disk.js'
import { PageCache } from './page-cache.js'
import { SimVm, type SimVmInit } from './sim-vm.js'
import type { Flow } from './resource-model.js'

/**
 * A simulated physical host and its resources, each a max-min constraint:
 * - `dom0Cpu`: the work of Domain 0's back-end drivers for guests' I/O
 *   (flops per byte, see `virtualization` in the platform), at most Domain
 *   0's VCPUs x core speed. It has priority: Xen's credit scheduler boosts
 *   Domain 0 when I/O events wake it, so what it uses is taken off the host
 *   CPU first;
 * - `cpu`: cores x coreSpeedFlops minus Domain 0's back-end use, shared max-min
 *   fairly by guest VCPUs (see `SimVm`) and Domain 0's (or a native host's)
 *   own computations, each weighted by its runnable threads;
 * - `memBus`: memory bandwidth (page-cache hits, same-host transfers);
 * - `up` / `down`: the two directions of its full-duplex NIC into the switch;
 * - one constraint per disk (see `SimDisk`).
 */
export class SimHost {
  readonly name: string
  readonly cores: number
  readonly coreSpeedFlops: number
  readonly memoryMiB: number
  readonly dom0MemoryMiB: number
  readonly dom0Vcpus: number
  readonly virtualized: boolean
  readonly memoryBandwidthBps: number
  readonly disks: SimDisk[]
  readonly nic: { readonly bandwidthBps: number, readonly latencyS: number }
  readonly cpu: Constraint
  readonly dom0Cpu: Constraint
  readonly memBus: Constraint
  readonly up: Constraint
  readonly down: Constraint
  /** Page cache of Domain 0 (virtualized) or of the whole host (native). */
  readonly cache: PageCache
  readonly vms = new Map<string, SimVm>()
  /** Running activities that use this host (failed by `crashHost`). */
  readonly users = new Set<ResourceUser>()
  /** Running transfers through this host's NIC (failed by `cutLink`). */
  readonly nicUsers = new Set<ResourceUser>()
  private isFailed = false
  private linkDown = false

  constructor (readonly ctx: SimContext, d: HostDescription) {
    this.name = d.name
    this.cores = d.cores
    this.coreSpeedFlops = d.coreSpeedFlops
    this.memoryMiB = d.memoryMiB
    this.dom0MemoryMiB = d.dom0MemoryMiB
    this.dom0Vcpus = d.dom0Vcpus
    this.virtualized = d.virtualized
    this.memoryBandwidthBps = d.memoryBandwidthBps
    this.nic = d.nic
    const lmm = ctx.model.lmm
    const cpuTotal = d.cores * d.coreSpeedFlops
    this.cpu = lmm.constraint(`${d.name}/cpu`, cpuTotal)
    this.dom0Cpu = lmm.constraint(`${d.name}/dom0-io`, Math.min(d.dom0Vcpus, d.cores) * d.coreSpeedFlops)
    this.dom0Cpu.onSolved = () => { lmm.setCapacity(this.cpu, Math.max(0, cpuTotal - this.dom0Cpu.usage())) }
    this.memBus = lmm.constraint(`${d.name}/mem`, d.memoryBandwidthBps)
    this.up = lmm.constraint(`${d.name}/up`, d.nic.bandwidthBps)
    this.down = lmm.constraint(`${d.name}/down`, d.nic.bandwidthBps)
    this.disks = d.disks.map(disk => new SimDisk(ctx, d.name, disk))
    const pc = ctx.platform.pageCache
    const cacheMiB = d.virtualized ? d.dom0MemoryMiB - pc.dom0WorkingSetMiB : d.memoryMiB - pc.nativeWorkingSetMiB
    this.cache = new PageCache(ctx, Math.max(0, cacheMiB) * MIB, pc.dirtyRatio, bytes => this.startWriteback(bytes, undefined, this.cache))
  }

  get failed (): boolean { return this.isFailed }
  get nicDown (): boolean { return this.linkDown }

  /** Memory not reserved by Domain 0 or guests, MiB. */
  freeMemoryMiB (): number {
    let used = this.dom0MemoryMiB
    for (const vm of this.vms.values()) used += vm.memoryMiB
    return this.memoryMiB - used
  }

  /**
   * Define and place a guest, reserving its memory. Throws
   * `InsufficientMemoryError` when it does not fit, `DomainExistsError` when
   * the name is taken.
   */
  createVm (init: SimVmInit): SimVm {
    assertDomainName(init.name, 'name')
    if (!Number.isInteger(init.vcpus) || init.vcpus < 1) throw new InvalidSpecError('vcpus', 'an integer >= 1', init.vcpus)
    if (!Number.isInteger(init.memoryMiB) || init.memoryMiB < 1) throw new InvalidSpecError('memoryMiB', 'an integer >= 1', init.memoryMiB)
    if (!this.virtualized) throw new InvalidSpecError('host', `a virtualized host (${this.name} runs natively)`, this.name)
    if (this.isFailed) throw new InvalidSpecError('host', 'a running host', `${this.name} (crashed)`)
    if (this.vms.has(init.name)) throw new DomainExistsError(init.name, this.name)
    const free = this.freeMemoryMiB()
    if (init.memoryMiB > free) throw new InsufficientMemoryError(init.memoryMiB, free, this.name)
    const vm = new SimVm(this, init)
    this.vms.set(vm.name, vm)
    this.ctx.log('vm-create', `${this.name}/${vm.name} vcpus=${vm.vcpus} memoryMiB=${vm.memoryMiB}`)
    return vm
  }

  /** @internal the engine's crashHost. */
  crash (): void {
    if (this.isFailed) return
    this.isFailed = true
    for (const u of [...this.users]) u.resourceFailed(`host ${this.name} crashed`)
    for (const vm of [...this.vms.values()]) vm.lose()
    this.cache.drop()
  }

  /** @internal the engine's recoverHost: it runs again, empty (its guests were lost), caches cold. */
  recover (): void {
    this.isFailed = false
    this.linkDown = false
  }

  /** @internal the engine's cutLink. */
  cutLink (): void {
    if (this.linkDown) return
    this.linkDown = true
    for (const u of [...this.nicUsers]) u.resourceFailed(`link of host ${this.name} is down`)
  }

  /** @internal restore a cut link. */
  restoreLink (): void { this.linkDown = false }

  /** A write-back flow to disk 0 for a page cache (of this host, or of `vm`). */
  startWriteback (bytes: number, vm: SimVm | undefined, cache: PageCache): Flow {
    const disk = this.disks[0] as SimDisk
    const elems: Array<[Constraint, number]> = [[disk.constraint, 1 / disk.writeBps]]
    const fpb = this.ctx.platform.virtualization.dom0DiskFlopsPerByte
    if (vm !== undefined && fpb > 0) elems.push([this.dom0Cpu, fpb])
    disk.streamDelta(1, cache)
    const flow = this.ctx.model.startFlow(bytes, 1, Infinity, elems, this.ctx.nowS(), () => { disk.streamDelta(-1, cache) })
    flow.onStop = () => { disk.streamDelta(-1, cache) }
    return flow
  }
}
