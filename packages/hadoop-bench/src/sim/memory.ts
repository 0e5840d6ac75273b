/**
 * Memory of the domains Hadoop runs in: each one's memory divided among its
 * kernel, the Hadoop daemons it runs, the child JVMs of its running tasks
 * and its page cache, sized from the Hadoop configuration the deployer
 * writes (`HadoopSettings`: child heap, io.sort.mb, shuffle buffer, slots)
 * and the cost file's `memory` block (what a kernel and a JVM hold besides
 * a task's buffers).
 *
 * - The page cache gets what the processes leave, down to a floor
 *   (`pageCacheFloorMiB`) that reclaim keeps.
 * - When the processes need more than the domain has above that floor, the
 *   excess is paged out to the domain's swap (a guest's swap image, a
 *   native host's swap partition): that is disk I/O on the host's disk,
 *   through Domain 0 for a guest, like any other.
 * - Accounting, per domain: the memory on swap is a number of pages. A task
 *   taking memory pays, before it goes on, the part that free memory cannot
 *   hold, written to swap (the kernel reclaims on behalf of the allocating
 *   process). A task touching `b` bytes of its buffers while a fraction `s`
 *   of the domain's pageable memory is on swap reads `s x b` back, and pages
 *   out what free memory cannot hold (the least recently used pages, spread
 *   over every process in proportion to its share). A task that ends frees
 *   its pages, its share of the swap among them, without I/O; pages of
 *   others stay on swap until touched.
 *
 * This is a flow-level account of paging, not a page-by-page simulation:
 * which pages are on swap is not tracked, only how many.
 */
import type { HadoopSettings, ClusterSetup } from '../setups.js'
import type { HadoopCosts } from './job-costs.js'
import type { Place, Substrate } from './substrate.js'

const MiB = 1024 * 1024

export type MemoryCosts = HadoopCosts['memory']

/** Resident memory of a map's child JVM, MiB: io.sort.mb is allocated (and zeroed) when the task starts, unless the job has no reduces. */
export function mapJvmMiB (settings: HadoopSettings, memory: MemoryCosts, withReduces: boolean): number {
  return memory.childJvmOverheadMiB + (withReduces ? settings.ioSortMiB : 0)
}

/** The most a reduce's shuffle buffer holds, MiB (`shuffleInputBufferPercent` of the child heap). */
export function shuffleBufferMiB (settings: HadoopSettings): number {
  return settings.childHeapMiB * settings.shuffleInputBufferPercent
}

/** Resident memory of a reduce's child JVM, MiB: its shuffle buffer fills with what it fetches, up to its size. */
export function reduceJvmMiB (settings: HadoopSettings, memory: MemoryCosts, shuffleBytes: number): number {
  return memory.childJvmOverheadMiB + Math.min(shuffleBufferMiB(settings), shuffleBytes / MiB)
}

/** One line of a domain's memory budget. */
export interface BudgetLine {
  what: string
  count: number
  eachMiB: number
}

/** How a domain's memory is used with every slot busy (reduces with a full shuffle buffer). */
export interface DomainBudget {
  /** `VM1 guest`, `PHY host`, `Domain 0`. */
  domain: string
  capacityMiB: number
  lines: BudgetLine[]
  /** Sum of the lines, MiB. */
  usedMiB: number
  /** Page cache left (at least the floor), MiB. */
  pageCacheMiB: number
  /** Paged out to swap, MiB (0 when it fits). */
  swapMiB: number
}

function budget (domain: string, capacityMiB: number, lines: BudgetLine[], memory: MemoryCosts): DomainBudget {
  const usedMiB = lines.reduce((s, l) => s + l.count * l.eachMiB, 0)
  const room = capacityMiB - memory.pageCacheFloorMiB
  return { domain, capacityMiB, lines, usedMiB, pageCacheMiB: Math.max(memory.pageCacheFloorMiB, capacityMiB - usedMiB), swapMiB: Math.max(0, usedMiB - room) }
}

/** Memory a host type gives a setup's domains. */
export interface HostMemory {
  /** The whole host's memory, MiB. */
  memoryMiB: number
  /** Domain 0's memory on a Xen host, MiB. */
  dom0MemoryMiB: number
  /** Domain 0's own processes (xend, the Xenos coordinator), MiB: the platform's `pageCache.dom0WorkingSetMiB`. */
  dom0ProcessesMiB: number
}

/**
 * The memory budget of one slave host of `setup`: its Hadoop domain (the
 * guest, or the native host) with every map and reduce slot busy, and on a
 * Xen host Domain 0 (with the DataNode when HDFS runs there).
 */
export function setupMemoryBudget (setup: ClusterSetup, host: HostMemory, settings: HadoopSettings, memory: MemoryCosts): DomainBudget[] {
  const tasks: BudgetLine[] = [
    {
      what: `map JVM (${memory.childJvmOverheadMiB} MiB + io.sort.mb ${settings.ioSortMiB})`,
      count: settings.mapSlotsPerNode,
      eachMiB: mapJvmMiB(settings, memory, true)
    },
    {
      what: `reduce JVM (${memory.childJvmOverheadMiB} MiB + shuffle buffer ${shuffleBufferMiB(settings).toFixed(0)})`,
      count: settings.reduceSlotsPerNode,
      eachMiB: reduceJvmMiB(settings, memory, Infinity)
    }
  ]
  const kernel: BudgetLine = { what: 'kernel and base system', count: 1, eachMiB: memory.kernelMiB }
  const daemons = (names: string[]): BudgetLine[] => names.map(what => ({ what, count: 1, eachMiB: memory.daemonResidentMiB }))
  if (!setup.virtualized) return [budget(`${setup.id} host`, host.memoryMiB, [kernel, ...daemons(['DataNode', 'TaskTracker']), ...tasks], memory)]
  const inGuest = setup.hdfs === 'node' ? ['DataNode', 'TaskTracker'] : ['TaskTracker']
  const guest = budget(`${setup.id} guest (x${setup.vmsPerHost})`, setup.vmMemoryMiB, [kernel, ...daemons(inGuest), ...tasks], memory)
  const dom0Lines: BudgetLine[] = [{ what: 'Domain 0 processes (xend, coordinator)', count: 1, eachMiB: host.dom0ProcessesMiB }]
  if (setup.hdfs === 'host') dom0Lines.push(...daemons(['DataNode']))
  return [guest, budget('Domain 0', host.dom0MemoryMiB, dom0Lines, memory)]
}

/**
 * The memory of one domain while Hadoop runs: what its kernel and daemons
 * hold, plus what running tasks take, and how much of it is on swap. It
 * sets the domain's page cache (what the resident processes leave, down to
 * the floor) and pages out and in as tasks take, free and touch memory.
 */
export class DomainMemory {
  private tasksMiB = 0
  /** Pages on swap, MiB. */
  private swapMiB = 0

  constructor (
    private readonly sub: Substrate,
    readonly place: Place,
    /** Everything the domain's memory holds that is not page cache or tasks, MiB (its kernel, daemons, other processes). */
    readonly fixedMiB: number,
    /** Of `fixedMiB`, what never pages out (the kernel), MiB. */
    private readonly unpageableMiB: number,
    private readonly floorMiB: number,
    /** Bytes per disk request of swap-ins and swap-outs (absent: the substrate's default). */
    private readonly swapRequests: { readBytes: number, writeBytes: number } | undefined = undefined
  ) {
    this.resizeCache()
  }

  get capacityMiB (): number { return this.sub.memoryMiB(this.place) }
  /** Memory of the processes (kernel, daemons, tasks), resident or on swap, MiB. */
  get usedMiB (): number { return this.fixedMiB + this.tasksMiB }
  /** What is on swap, MiB. */
  get swappedMiB (): number { return this.swapMiB }
  /** Fraction of the pageable memory that is on swap (spread evenly: least recently used pages of every process). */
  get swappedFraction (): number {
    const pageable = this.usedMiB - this.unpageableMiB
    return pageable > 0 ? Math.min(1, this.swapMiB / pageable) : 0
  }

  /** Memory processes may still take without paging anything out, MiB. */
  private freeMiB (): number {
    return Math.max(0, this.capacityMiB - this.floorMiB - (this.usedMiB - this.swapMiB))
  }

  private resizeCache (): void {
    this.sub.setPageCacheBytes(this.place, Math.max(this.floorMiB, this.capacityMiB - (this.usedMiB - this.swapMiB)) * MiB)
  }

  /** A task takes `mib` (and touches it); resolves once what did not fit has been paged out. */
  async take (mib: number): Promise<void> {
    const outMiB = Math.max(0, mib - this.freeMiB())
    this.tasksMiB += mib
    this.swapMiB += outMiB
    this.resizeCache()
    if (outMiB > 0) await this.sub.swap(this.place, 'write', outMiB * MiB, this.swapRequests?.writeBytes)
  }

  /** A task gives back `mib` (it ended): its pages are freed, its share of what is on swap with them, without I/O. */
  give (mib: number): void {
    const m = Math.min(mib, this.tasksMiB)
    this.swapMiB = Math.max(0, this.swapMiB - m * this.swappedFraction)
    this.tasksMiB -= m
    this.resizeCache()
  }

  /**
   * A task touches `bytes` of its memory: its share on swap is read back,
   * and what no longer fits pages others out.
   */
  async touch (bytes: number): Promise<void> {
    const inMiB = this.swappedFraction * bytes / MiB
    if (inMiB <= 0) return
    const outMiB = Math.max(0, inMiB - this.freeMiB())
    this.swapMiB += outMiB - inMiB
    this.resizeCache()
    await Promise.all([
      this.sub.swap(this.place, 'read', inMiB * MiB, this.swapRequests?.readBytes),
      this.sub.swap(this.place, 'write', outMiB * MiB, this.swapRequests?.writeBytes)
    ])
  }
}
