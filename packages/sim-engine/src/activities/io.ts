import { SimVm, type SimHost, type SimVmUsage } from '../resources/sim-host.js'
import type { SimDisk } from '../resources/sim-disk.js'
import type { PageCache } from '../resources/page-cache.js'
import { addElem, FlowActivity, NO_HOSTS, NO_VMS, type FlowEngine, type FlowPlan } from './flow-activity.js'
import { assertAmount, assertTarget } from './exec.js'
import { ActivityArgumentError } from './errors.js'

export interface IoInit {
  /** A host (Domain 0 or native I/O) or a guest (through Domain 0's block back-end). */
  on: SimHost | SimVm
  op: 'read' | 'write'
  bytes: number
  /** Index of the host disk. @default 0 */
  disk?: number
  /** Page-cache identity of the data; omitted = not cacheable (reads always miss). */
  cacheKey?: string
  /**
   * Bypass the page cache (swap, `O_DIRECT`): a read never hits it, a write is
   * not absorbed as dirty pages and goes to the disk as its own stream.
   * @default false
   */
  direct?: boolean
}

/**
 * Disk I/O through a page cache (see `PageCache`). A read of a key with c
 * bytes cached is one flow that moves c/bytes of its bytes over the memory
 * bus only and the rest from the disk; a write puts what fits under the
 * dirty limit in the cache and sends the rest to the disk. For a guest, the
 * disk part also costs Domain 0 CPU (`dom0DiskFlopsPerByte`, see `SimHost`) and waits `diskLatencyS` first,
 * once per request window in flight (`diskReadWindowBytes` / `diskWriteWindowBytes`; once per I/O when absent).
 */
export function ioActivity (engine: FlowEngine, id: number, init: IoInit): FlowActivity {
  assertAmount('io.bytes', init.bytes)
  assertTarget('io.on', init.on)
  if (init.op !== 'read' && init.op !== 'write') throw new ActivityArgumentError('io.op', '"read" or "write"', init.op)
  const host = init.on instanceof SimVm ? init.on.host : init.on
  const diskIndex = init.disk ?? 0
  if (!Number.isInteger(diskIndex) || host.disks[diskIndex] === undefined) {
    throw new ActivityArgumentError('io.disk', `a disk index from 0 to ${host.disks.length - 1} on ${host.name}`, diskIndex)
  }
  return new IoActivity(engine, id, init, host, diskIndex)
}

class IoActivity extends FlowActivity {
  // What the plan found, for the flow's beginning and end.
  private disk: SimDisk | undefined
  private cache: PageCache | undefined
  private usesDisk = false
  private absorbed = 0
  /** The write-back stream of its cache for a buffered write; undefined for its own stream. */
  private stream: PageCache | undefined

  constructor (engine: FlowEngine, id: number, private readonly init: IoInit, private readonly host0: SimHost, private readonly diskIndex: number) {
    super(engine, id, 'io', init.bytes)
  }

  protected describe (): string {
    const { on, op, bytes, cacheKey } = this.init
    const where = on instanceof SimVm ? `${on.host.name}/${on.name}` : this.host0.name
    return `io on=${where} op=${op} bytes=${bytes}${cacheKey === undefined ? '' : ` key=${cacheKey}`}`
  }

  protected makePlan (): FlowPlan {
    const init = this.init
    const vm = init.on instanceof SimVm ? init.on : undefined
    const h = vm?.host ?? this.host0
    const disk = h.disks[this.diskIndex] ?? h.disks[0]
    if (disk === undefined) throw new ActivityArgumentError('io.disk', `a disk of host ${h.name}`, this.diskIndex)
    const cache: PageCache = vm?.cache ?? h.cache
    const bytes = init.bytes
    let memFraction: number
    let absorbed = 0
    const direct = init.direct === true
    if (direct) {
      memFraction = 0
    } else if (init.op === 'read') {
      memFraction = init.cacheKey === undefined || bytes === 0 ? 0 : Math.min(1, cache.cachedBytes(init.cacheKey) / bytes)
    } else {
      absorbed = Math.min(bytes, cache.roomBytes())
      memFraction = bytes === 0 ? 1 : absorbed / bytes
    }
    const diskFraction = 1 - memFraction
    const elems: FlowPlan['elems'] = [[h.memBus, 1]]
    const bps = init.op === 'read' ? disk.readBps : disk.writeBps
    addElem(elems, disk.constraint, diskFraction / bps)
    const virt = this.engine.platform.virtualization
    if (vm !== undefined && diskFraction > 0) {
      addElem(elems, h.dom0Cpu, diskFraction * virt.dom0DiskFlopsPerByte)
    }
    const usesDisk = diskFraction > 0
    this.disk = disk
    this.cache = cache
    this.usesDisk = usesDisk
    this.absorbed = absorbed
    // Writes reach the disk as their cache's single write-back stream; each read, and each direct write, is its own stream.
    this.stream = init.op === 'write' && !direct ? cache : undefined
    // Each request window the guest has in flight waits for the split driver's round trip.
    const windowBytes = init.op === 'read' ? virt.diskReadWindowBytes : virt.diskWriteWindowBytes
    const requests = windowBytes === undefined ? 1 : Math.max(1, Math.ceil(bytes * diskFraction / windowBytes))
    return {
      latencyS: vm !== undefined && usesDisk ? virt.diskLatencyS * requests : 0,
      amount: bytes,
      weight: 1,
      boundPerS: Infinity,
      elems,
      hosts: [h],
      nics: NO_HOSTS,
      vms: vm === undefined ? NO_VMS : [vm],
      failure: vm?.gone === true ? `domain ${vm.name} is gone` : h.failed ? `host ${h.name} crashed` : undefined
    }
  }

  protected override flowBegins (): void {
    if (this.usesDisk) (this.disk as SimDisk).streamDelta(1, this.stream)
    if (this.absorbed > 0) (this.cache as PageCache).addDirty(this.absorbed)
  }

  protected override flowEnds (_done: number, completed: boolean): void {
    if (this.usesDisk) (this.disk as SimDisk).streamDelta(-1, this.stream)
    const key = this.init.cacheKey
    if (completed && this.init.direct !== true && key !== undefined) (this.cache as PageCache).insert(key, this.init.bytes)
  }

  protected override addUsage (_vm: SimVm, usage: SimVmUsage, done: number): void {
    if (this.init.op === 'read') usage.diskReadBytes += done
    else usage.diskWriteBytes += done
  }
}
