import type { Constraint, Variable } from './lmm/index.js'
import type { RateOwner } from './resource-model.js'
import { MIB, type ResourceUser } from './context.js'
import { PageCache } from './page-cache.js'
import type { SimHost } from './sim-host.js'
import { InsufficientMemoryError, InvalidSpecError } from '@xenos/hypervisor-interface'

export interface SimVmInit {
  name: string
  vcpus: number
  memoryMiB: number
  /** Memory its processes use; the rest is its page cache. @default platform pageCache.guestWorkingSetMiB */
  workingSetMiB?: number
}

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
export class SimVm implements RateOwner {
  readonly name: string
  readonly vcpus: number
  readonly memoryMiB: number
  readonly workingSetMiB: number
  private hostRef: SimHost
  private isSuspended = false
  private isGone = false
  /** Host-level variable: the VM's VCPUs on the host CPU. */
  private cpuVar: Variable
  /** VM-level constraint: what its execs share (capacity = cpuVar.rate). */
  readonly vcpuConstraint: Constraint
  private threads = 0
  cache: PageCache
  readonly users = new Set<ResourceUser & UsageContributor>()
  private readonly done: SimVmUsage = { cpuTimeS: 0, diskReadBytes: 0, diskWriteBytes: 0, netRxBytes: 0, netTxBytes: 0 }

  constructor (host: SimHost, init: SimVmInit) {
    this.hostRef = host
    this.name = init.name
    this.vcpus = init.vcpus
    this.memoryMiB = init.memoryMiB
    const ws = init.workingSetMiB ?? host.ctx.platform.pageCache.guestWorkingSetMiB
    if (!(ws >= 0)) throw new InvalidSpecError('workingSetMiB', 'a number >= 0', ws)
    this.workingSetMiB = ws
    const lmm = host.ctx.model.lmm
    this.vcpuConstraint = lmm.constraint(`${host.name}/${init.name}/vcpus`, 0)
    this.cpuVar = this.makeCpuVar(host)
    this.cache = this.makeCache(host)
  }

  get host (): SimHost { return this.hostRef }
  get suspended (): boolean { return this.isSuspended }
  /** True once destroyed or lost with its host. */
  get gone (): boolean { return this.isGone }

  private makeCpuVar (host: SimHost): Variable {
    const lmm = host.ctx.model.lmm
    const v = lmm.variable(0, this.vcpus * host.coreSpeedFlops, this)
    lmm.expand(host.cpu, v, 1)
    return v
  }

  private makeCache (host: SimHost): PageCache {
    const pc = host.ctx.platform.pageCache
    const cache: PageCache = new PageCache(host.ctx, Math.max(0, this.memoryMiB - this.workingSetMiB) * MIB, pc.dirtyRatio, bytes => host.startWriteback(bytes, this, cache))
    return cache
  }

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
    this.hostRef.ctx.log('vm-suspend', `${this.hostRef.name}/${this.name}`)
  }

  resume (): void {
    if (!this.isSuspended || this.isGone) return
    this.isSuspended = false
    this.updateCpuVar()
    for (const u of this.users) u.resume()
    this.hostRef.ctx.log('vm-resume', `${this.hostRef.name}/${this.name}`)
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
    this.hostRef.ctx.log(kind, `${this.hostRef.name}/${this.name}`)
  }

  /**
   * Move to `target` (the switch-over of a migration): reserves memory there
   * (`InsufficientMemoryError` if it does not fit), releases it here. Running
   * execs continue on the target's CPU; running I/O and transfers of the VM
   * fail (their device went away); the page cache starts cold.
   */
  moveTo (target: SimHost): void {
    if (this.isGone) throw new InvalidSpecError('vm', 'a live domain', `${this.name} (gone)`)
    if (target === this.hostRef) return
    if (target.failed) throw new InvalidSpecError('target', 'a running host', `${target.name} (crashed)`)
    if (!target.virtualized) throw new InvalidSpecError('target', 'a virtualized host', target.name)
    if (target.vms.has(this.name)) throw new InvalidSpecError('target', `no domain named ${this.name} on ${target.name}`, 'one')
    const free = target.freeMemoryMiB()
    if (this.memoryMiB > free) throw new InsufficientMemoryError(this.memoryMiB, free, target.name)
    for (const u of [...this.users]) if (!u.movable) u.resourceFailed(`domain ${this.name} moved to ${target.name}`)
    const from = this.hostRef
    from.ctx.model.lmm.remove(this.cpuVar)
    this.cache.drop()
    from.vms.delete(this.name)
    this.hostRef = target
    target.vms.set(this.name, this)
    this.cpuVar = this.makeCpuVar(target)
    this.cache = this.makeCache(target)
    this.updateCpuVar()
    for (const u of this.users) u.moved(target)
    from.ctx.log('vm-move', `${this.name} ${from.name} -> ${target.name}`)
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
