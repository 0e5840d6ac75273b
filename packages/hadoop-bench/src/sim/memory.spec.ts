/**
 * The memory account of one domain, checked against arithmetic done here:
 * a 384 MiB guest with a 40 MiB kernel, two 64 MiB daemons and a 16 MiB
 * page-cache floor has 384 - 16 - 168 = 200 MiB for tasks before it swaps.
 */
import { describe, it, expect } from 'vitest'
import { DomainMemory, mapJvmMiB, reduceJvmMiB, setupMemoryBudget } from './memory.js'
import type { Place, Substrate } from './substrate.js'
import { PAPER_HADOOP, SETUPS } from '../setups.js'

const MiB = 1024 * 1024
const MEMORY = {
  kernelMiB: 40, daemonResidentMiB: 64, childJvmOverheadMiB: 48, pageCacheFloorMiB: 16, swapReadRequestBytes: 32768, swapWriteRequestBytes: 131072
}

function recording (capacityMiB: number): { sub: Substrate, swaps: Array<[string, number]>, cacheMiB: () => number } {
  const swaps: Array<[string, number]> = []
  let cache = 0
  const never = async (): Promise<void> => { throw new Error('not used') }
  const sub: Substrate = {
    nowS: () => 0, sleep: never, random: () => 0, keyedNormal: () => 0, exec: never, read: never, write: never, transfer: never, settle: never,
    isRunning: () => true,
    memoryMiB: () => capacityMiB,
    setPageCacheBytes: (_p, bytes) => { cache = bytes },
    swap: async (_p, op, bytes) => { swaps.push([op, bytes / MiB]) }
  }
  return { sub, swaps, cacheMiB: () => cache / MiB }
}

const PLACE: Place = { id: 'node01/vm', hostId: 'node01' }

describe('DomainMemory', () => {
  it('gives the page cache what processes leave, and pages out only what free memory cannot hold', async () => {
    const { sub, swaps, cacheMiB } = recording(384)
    const m = new DomainMemory(sub, PLACE, 40 + 2 * 64, 40, 16)
    expect(cacheMiB()).toBe(384 - 168)
    await m.take(148) // a map: 48 + io.sort.mb 100
    expect(swaps).toEqual([])
    expect(cacheMiB()).toBe(384 - 316)
    await m.take(148) // a second map: 52 MiB left above the floor, 96 MiB go to swap
    expect(swaps).toEqual([['write', 96]])
    expect(m.swappedMiB).toBe(96)
    expect(cacheMiB()).toBe(16)
    // 96 of the 424 MiB that can page out (464 - 40 of kernel) are on swap
    expect(m.swappedFraction).toBeCloseTo(96 / 424, 12)
  })

  it('a task that ends frees its share of the swap without I/O; the next one pages out only the difference', async () => {
    const { sub, swaps } = recording(384)
    const m = new DomainMemory(sub, PLACE, 168, 40, 16)
    await m.take(148)
    await m.take(148)
    swaps.length = 0
    m.give(148)
    const freed = 148 * 96 / 424
    expect(m.swappedMiB).toBeCloseTo(96 - freed, 9)
    await m.take(148)
    // free above the floor: 368 - (316 - (96 - freed)); the rest of 148 pages out
    const free = 368 - (316 - (96 - freed))
    expect(swaps.length).toBe(1)
    expect(swaps[0]![0]).toBe('write')
    expect(swaps[0]![1]).toBeCloseTo(148 - free, 9)
  })

  it('touching memory reads its swapped share back and pages as much out when nothing is free', async () => {
    const { sub, swaps } = recording(384)
    const m = new DomainMemory(sub, PLACE, 168, 40, 16)
    await m.take(148)
    await m.take(148)
    swaps.length = 0
    await m.touch(100 * MiB)
    const moved = 100 * 96 / 424
    expect(swaps.map(([op, b]) => [op, Number(b.toFixed(6))])).toEqual([['read', Number(moved.toFixed(6))], ['write', Number(moved.toFixed(6))]])
    expect(m.swappedMiB).toBeCloseTo(96, 9)
  })

  it('a domain with memory to spare never swaps', async () => {
    const { sub, swaps } = recording(2048)
    const m = new DomainMemory(sub, PLACE, 168, 40, 16)
    for (let i = 0; i < 4; i++) await m.take(188)
    await m.touch(1e9)
    expect(swaps).toEqual([])
  })
})

describe('setupMemoryBudget', () => {
  const host = { memoryMiB: 2048, dom0MemoryMiB: 512, dom0ProcessesMiB: 256 }

  it('sizes a paper guest from Hadoop 0.20\'s defaults: 2 maps and 2 reduces overflow 384 MiB', () => {
    const [guest, dom0] = setupMemoryBudget(SETUPS.VM1, host, PAPER_HADOOP, MEMORY)
    // maps: 48 + io.sort.mb 100; reduces: 48 + 0.70 x 200 = 188
    expect(mapJvmMiB(PAPER_HADOOP, MEMORY, true)).toBe(148)
    expect(reduceJvmMiB(PAPER_HADOOP, MEMORY, Infinity)).toBeCloseTo(188, 9)
    expect(guest!.usedMiB).toBeCloseTo(40 + 128 + 2 * 148 + 2 * 188, 9)
    expect(guest!.swapMiB).toBeCloseTo(40 + 128 + 2 * 148 + 2 * 188 - (384 - 16), 9)
    expect(guest!.pageCacheMiB).toBe(16)
    expect(dom0!.swapMiB).toBe(0)
    expect(dom0!.pageCacheMiB).toBe(256)
  })

  it('a native host of 2 GiB holds the same daemons and tasks with room to spare', () => {
    const [native] = setupMemoryBudget(SETUPS.PHY, host, PAPER_HADOOP, MEMORY)
    expect(native!.swapMiB).toBe(0)
    expect(native!.pageCacheMiB).toBeCloseTo(2048 - (40 + 128 + 2 * 148 + 2 * 188), 9)
  })

  it('over a native HDFS the DataNode moves from the guest to Domain 0', () => {
    const [guest, dom0] = setupMemoryBudget(SETUPS['VM2-HDFSHOST'], host, PAPER_HADOOP, MEMORY)
    expect(guest!.lines.map(l => l.what)).not.toContain('DataNode')
    expect(guest!.lines.map(l => l.what)).toContain('TaskTracker')
    expect(dom0!.usedMiB).toBe(256 + 64)
  })
})
