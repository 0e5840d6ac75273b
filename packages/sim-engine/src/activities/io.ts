import { SimVm, type SimHost, type SimVmUsage } from '../resources/sim-host.js'
import type { DiskStreamSpec, DiskUse, SimDisk } from '../resources/sim-disk.js'
import type { Flow } from '../resources/resource-model.js'
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
  /**
   * Bytes per disk request (what the head transfers before it may serve
   * another stream). @default a guest's request window (`diskReadWindowBytes`
   * / `diskWriteWindowBytes`), else the disk's `readRequestBytes` / `writeRequestBytes`
   */
  requestBytes?: number
}

/**
 * Disk I/O through a page cache (see `PageCache`). A read of a key with c
 * bytes cached is one flow that moves c/bytes of its bytes over the memory
 * bus only and the rest from the disk; a write puts what fits under the
 * dirty limit in the cache and sends the rest to the disk. For a guest, the
 * disk part also costs Domain 0 CPU (`dom0DiskFlopsPerByte`, see `SimHost`) and waits `diskLatencyS` first,
 * once per request window in flight (`diskReadWindowBytes` / `diskWriteWindowBytes`; once per I/O when absent).
 * The disk part's cost per byte (zone, seeks per request) is the disk's (`SimDisk.join`).
 *
 * A guest's image is a raw device or a file opened with direct I/O (`imageBackend` `phy` or `tap:aio`: the
 * above), or a file behind a loop device in Domain 0 (`file`): then everything that leaves the guest (all
 * but its own cache's hits; its writes, and its direct I/O too, since the loop device does not bypass the
 * cache) goes through Domain 0's page cache: reads hit what Domain 0 holds of that guest's key, writes
 * become Domain 0's dirty pages, written back by Domain 0's flusher in its own requests, and Domain 0's CPU
 * and the split driver's round trips are paid on every byte that leaves the guest.
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
  if (init.requestBytes !== undefined && !(init.requestBytes > 0)) throw new ActivityArgumentError('io.requestBytes', 'bytes > 0', init.requestBytes)
  return new IoActivity(engine, id, init, host, diskIndex)
}

class IoActivity extends FlowActivity {
  // What the plan found, for the flow's beginning and end.
  private disk: SimDisk | undefined
  private onHost: SimHost | undefined
  private cache: PageCache | undefined
  private absorbed = 0
  /** Absorbed into Domain 0's page cache (a guest behind a loop device). */
  private dom0Absorbed = 0
  /** Domain 0's cache key of a guest's data behind a loop device. */
  private dom0Key: string | undefined
  private diskSpec: DiskStreamSpec | undefined
  private use: DiskUse | undefined

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
    const virt = this.engine.platform.virtualization
    // A guest image behind a loop device (`file:`): what leaves the guest goes through Domain 0's page cache.
    const loop = vm !== undefined && virt.imageBackend === 'file'
    const direct = init.direct === true
    const dom0Key = loop && !direct && init.cacheKey !== undefined ? `${vm.name}:${init.cacheKey}` : undefined
    const bytes = init.bytes
    /** Fraction of the bytes served by or absorbed into the guest's (or host's) own cache. */
    let ownFraction = 0
    /** Fraction served by or absorbed into Domain 0's cache (loop device only). */
    let dom0Fraction = 0
    let absorbed = 0
    let dom0Absorbed = 0
    if (init.op === 'read') {
      if (!direct && init.cacheKey !== undefined && bytes > 0) ownFraction = Math.min(1, cache.cachedBytes(init.cacheKey) / bytes)
      if (dom0Key !== undefined && bytes > 0) dom0Fraction = Math.min(1 - ownFraction, h.cache.cachedBytes(dom0Key) / bytes)
    } else if (loop) {
      // The guest's writes are the loop device's: Domain 0 caches them as dirty pages and its flusher writes them.
      dom0Absorbed = Math.min(bytes, h.cache.roomBytes())
      dom0Fraction = bytes === 0 ? 1 : dom0Absorbed / bytes
    } else if (!direct) {
      absorbed = Math.min(bytes, cache.roomBytes())
      ownFraction = bytes === 0 ? 1 : absorbed / bytes
    }
    const diskFraction = Math.max(0, 1 - ownFraction - dom0Fraction)
    /** Fraction of the bytes that leave a guest through its front-end: all but its own cache's, behind a loop device. */
    const frontEnd = loop ? 1 - ownFraction : diskFraction
    const elems: FlowPlan['elems'] = [[h.memBus, 1]]
    const bps = init.op === 'read' ? disk.readBps : disk.writeBps
    // The disk's coefficient is set by `disk.join` (zone and seeks); this one holds its place.
    addElem(elems, disk.constraint, diskFraction / bps)
    if (vm !== undefined && frontEnd > 0) addElem(elems, h.dom0Cpu, frontEnd * virt.dom0DiskFlopsPerByte)
    // Each request window the guest has in flight waits for the split driver's round trip.
    const windowBytes = init.op === 'read' ? virt.diskReadWindowBytes : virt.diskWriteWindowBytes
    const requests = windowBytes === undefined ? 1 : Math.max(1, Math.ceil(bytes * frontEnd / windowBytes))
    // What the head transfers per request: a guest's window through its front-end, else a host's own readahead or
    // write-back (Domain 0's, behind a loop device).
    const hostRequestBytes = init.op === 'read' ? disk.readRequestBytes : disk.writeRequestBytes
    const guestWindowed = vm !== undefined && !loop && windowBytes !== undefined
    const requestBytes = init.requestBytes ?? (guestWindowed ? Math.min(windowBytes, hostRequestBytes) : hostRequestBytes)
    this.disk = disk
    this.onHost = h
    this.cache = cache
    this.absorbed = absorbed
    this.dom0Absorbed = dom0Absorbed
    this.dom0Key = dom0Key
    // Writes reach the disk as their cache's single write-back stream (Domain 0's behind a loop device); each read, and
    // each direct write of a host or of a guest on a raw or tap:aio: image, is its own stream.
    const source = init.op === 'write' ? (loop ? h.cache : direct ? undefined : cache) : undefined
    this.diskSpec = diskFraction > 0
      ? { op: init.op, position: vm?.diskPosition ?? h.diskPosition, requestBytes, fraction: diskFraction, source }
      : undefined
    return {
      latencyS: vm !== undefined && frontEnd > 0 ? virt.diskLatencyS * requests : 0,
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

  protected override flowBegins (flow: Flow): void {
    if (this.diskSpec !== undefined) this.use = (this.disk as SimDisk).join(flow, this.diskSpec)
    if (this.absorbed > 0) (this.cache as PageCache).addDirty(this.absorbed)
    if (this.dom0Absorbed > 0) (this.onHost as SimHost).cache.addDirty(this.dom0Absorbed)
  }

  protected override flowEnds (_done: number, completed: boolean): void {
    if (this.use !== undefined) (this.disk as SimDisk).leave(this.use)
    this.use = undefined
    const key = this.init.cacheKey
    if (completed && this.init.direct !== true && key !== undefined) (this.cache as PageCache).insert(key, this.init.bytes)
    if (completed && this.dom0Key !== undefined) (this.onHost as SimHost).cache.insert(this.dom0Key, this.init.bytes)
  }

  protected override addUsage (_vm: SimVm, usage: SimVmUsage, done: number): void {
    if (this.init.op === 'read') usage.diskReadBytes += done
    else usage.diskWriteBytes += done
  }
}
