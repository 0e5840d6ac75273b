import type { HostDescription } from '../platform/platform.js'
import type { Constraint, Variable } from './lmm/index.js'
import { MIB, type SimContext } from './context.js'
import { SimDisk, type DiskUse } from './sim-disk.js'
import { PageCache, type WritebackOwner } from './page-cache.js'
import type { Flow, RateOwner } from './resource-model.js'
import type { HostUser } from './host-users.js'
import { InsufficientHostMemoryError, VmArgumentError, VmExistsError, assertVmName } from '../engine/errors.js'

/**
 * A running activity as resources see it: it can be failed, paused, resumed.
 * The hosts it uses find it in the engine's `HostUsers`; the VMs it belongs to keep it in `users`.
 */
export interface ResourceUser extends HostUser {
  /** Its VM was suspended / resumed. */
  pause (): void
  resume (): void
  /** True when it survives its VM's move to another host (computations do; I/O does not). */
  readonly movable: boolean
  /** Its VM moved to `target` (only called on movable users). */
  moved (target: SimHost): void
}

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
export class SimHost implements WritebackOwner {
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
  /**
   * Where the host's own files (Domain 0's, or a native host's) lie on its
   * disks: a fraction of the capacity from the outer edge. Drawn uniformly
   * from the placement seed and the host's name: ext3's Orlov allocator puts a top-level
   * directory in a random block group among those with free space
   * (fs/ext3/ialloc.c, find_group_orlov), anywhere on a nearly empty disk, and
   * a directory's files are allocated from its group onwards.
   */
  diskPosition: number
  /** Guest images placed on this host so far (each after the previous one). */
  private imagesPlaced = 0
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
    this.diskPosition = ctx.placement.fork(d.name).next()
    const pc = ctx.platform.pageCache
    const cacheMiB = d.virtualized ? d.dom0MemoryMiB - pc.dom0WorkingSetMiB : d.memoryMiB - pc.nativeWorkingSetMiB
    this.cache = new PageCache(ctx, Math.max(0, cacheMiB) * MIB, pc.dirtyRatio, this)
  }

  /**
   * Position of the next guest image on disk 0: Domain 0 keeps its guests'
   * images in one directory, so they lie one after another (each over the
   * disk's `domainSpanBytes`) from the host's own files, up to the inner edge.
   */
  placeImage (): number {
    const disk = this.disks[0] as SimDisk
    return Math.min(1, this.diskPosition + ++this.imagesPlaced * disk.domainSpanBytes / disk.capacityBytes)
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
   * `InsufficientHostMemoryError` when it does not fit, `VmExistsError` when
   * the name is taken, `VmArgumentError` for a bad field or a host that cannot take it.
   */
  createVm (init: SimVmInit): SimVm {
    assertVmName(init.name, 'name')
    if (!Number.isInteger(init.vcpus) || init.vcpus < 1) throw new VmArgumentError('vcpus', 'an integer >= 1', init.vcpus)
    if (!Number.isInteger(init.memoryMiB) || init.memoryMiB < 1) throw new VmArgumentError('memoryMiB', 'an integer >= 1', init.memoryMiB)
    if (!this.virtualized) throw new VmArgumentError('host', `a virtualized host (${this.name} runs natively)`, this.name)
    if (this.isFailed) throw new VmArgumentError('host', 'a running host', `${this.name} (crashed)`)
    if (this.vms.has(init.name)) throw new VmExistsError(init.name, this.name)
    const free = this.freeMemoryMiB()
    if (init.memoryMiB > free) throw new InsufficientHostMemoryError(init.memoryMiB, free, this.name)
    const vm = new SimVm(this, init)
    this.vms.set(vm.name, vm)
    if (this.ctx.logging) this.ctx.log('vm-create', `${this.name}/${vm.name} vcpus=${vm.vcpus} memoryMiB=${vm.memoryMiB}`)
    return vm
  }

  /** @internal the engine's crashHost. */
  crash (): void {
    if (this.isFailed) return
    this.isFailed = true
    for (const u of this.ctx.hostUsers.usingHost(this)) u.resourceFailed(`host ${this.name} crashed`)
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
    for (const u of this.ctx.hostUsers.crossingNic(this)) u.resourceFailed(`link of host ${this.name} is down`)
  }

  /** @internal restore a cut link. */
  restoreLink (): void { this.linkDown = false }

  /** @internal the write-back of this host's own page cache. */
  writeBack (bytes: number, cache: PageCache): Flow { return this.startWriteback(bytes, undefined, cache) }

  /** A write-back flow to disk 0 for a page cache (of this host, or of `vm`). */
  startWriteback (bytes: number, vm: SimVm | undefined, cache: PageCache): Flow {
    const disk = this.disks[0] as SimDisk
    const elems: Array<[Constraint, number]> = [[disk.constraint, 1 / disk.writeBps]]
    const virt = this.ctx.platform.virtualization
    const fpb = virt.dom0DiskFlopsPerByte
    if (vm !== undefined && fpb > 0) elems.push([this.dom0Cpu, fpb])
    // The flow ends (or stops) only after `use` is set below.
    const flow = this.ctx.model.startFlow(bytes, 1, Infinity, elems, this.ctx.nowS(), { flowDone: () => { disk.leave(use) } })
    // A guest's write-back reaches the disk one block ring at a time; a host's, in its flusher's requests.
    const ring = virt.diskWriteWindowBytes
    const requestBytes = vm !== undefined && ring !== undefined ? Math.min(ring, disk.writeRequestBytes) : disk.writeRequestBytes
    const use: DiskUse = disk.join(flow, { op: 'write', position: vm?.diskPosition ?? this.diskPosition, requestBytes, fraction: 1, source: cache })
    flow.onStop = () => { disk.leave(use) }
    return flow
  }
}

export interface SimVmInit {
  name: string
  vcpus: number
  memoryMiB: number
  /** Memory its processes use; the rest is its page cache. @default platform pageCache.guestWorkingSetMiB */
  workingSetMiB?: number
  /** Where its image lies on the host's disk: a fraction of the capacity from the outer edge. @default the host's next image slot (`SimHost.placeImage`) */
  diskPosition?: number
}

/** A running activity of a guest. */
type VmUser = ResourceUser & UsageContributor

const NO_USERS: readonly VmUser[] = []

export interface SimVmUsage {
  cpuTimeS: number
  diskReadBytes: number
  diskWriteBytes: number
  netRxBytes: number
  netTxBytes: number
}

/** Something whose progress so far counts in a VM's usage. */
export interface UsageContributor {
  usageSoFar (usage: SimVmUsage): void
}

/**
 * A guest domain placed on a host. CPU sharing is two-level, like SimGrid's
 * VM model and Xen's credit scheduler: at host level the VM is one variable
 * on the host CPU with weight = its runnable VCPUs (min(vcpus, threads of its
 * running execs)) and bound = that many cores, so VCPUs share the host's
 * cores max-min fairly; inside the VM its execs share what the VM obtained.
 */
export class SimVm implements RateOwner, WritebackOwner {
  readonly name: string
  readonly vcpus: number
  readonly memoryMiB: number
  readonly workingSetMiB: number
  /** Where its image lies on its host's disk (fraction of the capacity from the outer edge). */
  diskPosition: number
  private hostRef: SimHost
  private isSuspended = false
  private isGone = false
  /** Host-level variable: the VM's VCPUs on the host CPU. */
  private cpuVar: Variable
  /** VM-level constraint: what its execs share (capacity = cpuVar.rate). */
  readonly vcpuConstraint: Constraint
  private threads = 0
  cache: PageCache
  /** Its running activities, in the order they started; none: no list (most guests are idle most of the time). */
  private userList: VmUser[] | undefined
  private readonly done: SimVmUsage = { cpuTimeS: 0, diskReadBytes: 0, diskWriteBytes: 0, netRxBytes: 0, netTxBytes: 0 }

  constructor (host: SimHost, init: SimVmInit) {
    this.hostRef = host
    this.name = init.name
    this.vcpus = init.vcpus
    this.memoryMiB = init.memoryMiB
    const ws = init.workingSetMiB ?? host.ctx.platform.pageCache.guestWorkingSetMiB
    if (!(ws >= 0)) throw new VmArgumentError('workingSetMiB', 'a number >= 0', ws)
    this.workingSetMiB = ws
    const pos = init.diskPosition ?? host.placeImage()
    if (!(pos >= 0 && pos <= 1)) throw new VmArgumentError('diskPosition', 'a fraction of the disk in [0, 1]', pos)
    this.diskPosition = pos
    const lmm = host.ctx.model.lmm
    // Joined: one flat string per guest rather than a tree of pieces.
    this.vcpuConstraint = lmm.constraint([host.name, init.name, 'vcpus'].join('/'), 0)
    this.cpuVar = this.makeCpuVar(host)
    this.cache = this.makeCache(host)
  }

  get host (): SimHost { return this.hostRef }
  get suspended (): boolean { return this.isSuspended }
  /** True once destroyed or lost with its host. */
  get gone (): boolean { return this.isGone }

  /** Its running activities, in the order they started. */
  get users (): readonly VmUser[] { return this.userList ?? NO_USERS }

  /** @internal an activity of this guest starts (listed once, as in a set: a transfer within one guest has it at both ends). */
  addUser (u: VmUser): void {
    if (this.userList === undefined) this.userList = [u]
    else if (!this.userList.includes(u)) this.userList.push(u)
  }

  /** @internal an activity of this guest ended. */
  removeUser (u: VmUser): void {
    const list = this.userList
    const i = list === undefined ? -1 : list.indexOf(u)
    if (list === undefined || i < 0) return
    if (list.length === 1) this.userList = undefined
    else list.splice(i, 1)
  }

  private makeCpuVar (host: SimHost): Variable {
    const lmm = host.ctx.model.lmm
    const v = lmm.variable(0, this.vcpus * host.coreSpeedFlops, this)
    lmm.expand(host.cpu, v, 1)
    return v
  }

  private makeCache (host: SimHost): PageCache {
    const pc = host.ctx.platform.pageCache
    const capacityBytes = Math.max(0, this.memoryMiB - this.workingSetMiB) * MIB
    // The guest itself writes back (`writeBack`), not a closure: one fewer function and scope per guest.
    return new PageCache(host.ctx, capacityBytes, pc.dirtyRatio, this)
  }

  /**
   * @internal the write-back of this guest's page cache, on its host. A cache is dropped when its
   * guest moves (`moveTo` makes a new one), so the host is always the one the cache was made on.
   */
  writeBack (bytes: number, cache: PageCache): Flow { return this.hostRef.startWriteback(bytes, this, cache) }

  /** The host-level share changed: hand it to the VM's execs. */
  rateChanged (v: Variable): void {
    this.hostRef.ctx.model.lmm.setCapacity(this.vcpuConstraint, v.rate)
  }

  /** @internal an exec inside starts (+threads) or ends (-threads). */
  addThreads (delta: number): void {
    this.threads += delta
    this.updateCpuVar()
  }

  private updateCpuVar (): void {
    const lmm = this.hostRef.ctx.model.lmm
    const runnable = Math.min(this.vcpus, this.threads)
    lmm.setWeight(this.cpuVar, this.isSuspended || this.isGone ? 0 : runnable)
    if (runnable > 0) lmm.setBound(this.cpuVar, runnable * this.hostRef.coreSpeedFlops)
  }

  /** Paused: its activities make no progress. Idempotent. */
  suspend (): void {
    if (this.isSuspended || this.isGone) return
    this.isSuspended = true
    this.updateCpuVar()
    for (const u of this.users) u.pause()
    if (this.hostRef.ctx.logging) this.hostRef.ctx.log('vm-suspend', `${this.hostRef.name}/${this.name}`)
  }

  resume (): void {
    if (!this.isSuspended || this.isGone) return
    this.isSuspended = false
    this.updateCpuVar()
    for (const u of this.users) u.resume()
    if (this.hostRef.ctx.logging) this.hostRef.ctx.log('vm-resume', `${this.hostRef.name}/${this.name}`)
  }

  /** Destroy: cancels (fails) its activities and releases its memory. Idempotent. */
  destroy (): void {
    if (this.isGone) return
    this.finish('vm-destroy', `domain ${this.name} was destroyed`)
  }

  /** @internal lost with a crashed host. */
  lose (): void {
    if (this.isGone) return
    this.finish('vm-lost', `host ${this.hostRef.name} crashed`)
  }

  private finish (kind: string, reason: string): void {
    this.isGone = true
    for (const u of [...this.users]) u.resourceFailed(reason)
    const lmm = this.hostRef.ctx.model.lmm
    lmm.remove(this.cpuVar)
    this.cache.drop()
    this.hostRef.vms.delete(this.name)
    if (this.hostRef.ctx.logging) this.hostRef.ctx.log(kind, `${this.hostRef.name}/${this.name}`)
  }

  /**
   * Move to `target` (the switch-over of a migration): reserves memory there
   * (`InsufficientHostMemoryError` if it does not fit), releases it here. Running
   * execs continue on the target's CPU; running I/O and transfers of the VM
   * fail (their device went away); the page cache starts cold.
   */
  moveTo (target: SimHost): void {
    if (this.isGone) throw new VmArgumentError('vm', 'a live domain', `${this.name} (gone)`)
    if (target === this.hostRef) return
    if (target.failed) throw new VmArgumentError('target', 'a running host', `${target.name} (crashed)`)
    if (!target.virtualized) throw new VmArgumentError('target', 'a virtualized host', target.name)
    if (target.vms.has(this.name)) throw new VmArgumentError('target', `no domain named ${this.name} on ${target.name}`, 'one')
    const free = target.freeMemoryMiB()
    if (this.memoryMiB > free) throw new InsufficientHostMemoryError(this.memoryMiB, free, target.name)
    for (const u of [...this.users]) if (!u.movable) u.resourceFailed(`domain ${this.name} moved to ${target.name}`)
    const from = this.hostRef
    from.ctx.model.lmm.remove(this.cpuVar)
    this.cache.drop()
    from.vms.delete(this.name)
    this.hostRef = target
    this.diskPosition = target.placeImage()
    target.vms.set(this.name, this)
    this.cpuVar = this.makeCpuVar(target)
    this.cache = this.makeCache(target)
    this.updateCpuVar()
    for (const u of this.users) u.moved(target)
    if (from.ctx.logging) from.ctx.log('vm-move', `${this.name} ${from.name} -> ${target.name}`)
  }

  /** @internal usage of finished work; activities add to it when they end. */
  get finishedUsage (): SimVmUsage { return this.done }

  /** Resource use so far, running activities' progress included. */
  get usage (): SimVmUsage {
    const u = { ...this.done }
    for (const user of this.users) user.usageSoFar(u)
    return u
  }
}
