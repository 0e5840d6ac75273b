import { SimVm, type SimHost } from '../resources/sim-host.js'
import type { PageCache } from '../resources/page-cache.js'
import { addElem, FlowActivity, type FlowEngine, type FlowPlan } from './flow-activity.js'
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
  const target = init.on
  const host = target instanceof SimVm ? target.host : target
  const diskIndex = init.disk ?? 0
  if (!Number.isInteger(diskIndex) || host.disks[diskIndex] === undefined) {
    throw new ActivityArgumentError('io.disk', `a disk index from 0 to ${host.disks.length - 1} on ${host.name}`, diskIndex)
  }
  const detail = (): string => `io on=${target instanceof SimVm ? `${target.host.name}/${target.name}` : host.name} op=${init.op} bytes=${init.bytes}${init.cacheKey === undefined ? '' : ` key=${init.cacheKey}`}`
  return new FlowActivity(engine, id, 'io', detail, init.bytes, (): FlowPlan => {
    const vm = target instanceof SimVm ? target : undefined
    const h = vm?.host ?? host
    const disk = h.disks[diskIndex] ?? h.disks[0]
    if (disk === undefined) throw new ActivityArgumentError('io.disk', `a disk of host ${h.name}`, diskIndex)
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
    const virt = engine.platform.virtualization
    if (vm !== undefined && diskFraction > 0) {
      addElem(elems, h.dom0Cpu, diskFraction * virt.dom0DiskFlopsPerByte)
    }
    const usesDisk = diskFraction > 0
    // Writes reach the disk as their cache's single write-back stream; each read, and each direct write, is its own stream.
    const stream = init.op === 'write' && !direct ? cache : undefined
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
      nics: [],
      vms: vm === undefined ? [] : [vm],
      failure: vm?.gone === true ? `domain ${vm.name} is gone` : h.failed ? `host ${h.name} crashed` : undefined,
      onBegin: () => {
        if (usesDisk) disk.streamDelta(1, stream)
        if (absorbed > 0) cache.addDirty(absorbed)
      },
      onEnd: (_done, completed) => {
        if (usesDisk) disk.streamDelta(-1, stream)
        if (completed && !direct && init.cacheKey !== undefined) cache.insert(init.cacheKey, bytes)
      },
      account: (_vm, usage, done) => {
        if (init.op === 'read') usage.diskReadBytes += done
        else usage.diskWriteBytes += done
      }
    }
  })
}
