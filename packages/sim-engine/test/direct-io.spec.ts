/**
 * Direct I/O (swap) bypasses the page cache, and a page cache can be resized
 * while its domain's processes take and give back memory. Expected times
 * are derived here from the platform's numbers.
 */
import { describe, it, expect } from 'vitest'
import { Engine, definePlatform, type PlatformInput } from '../src/index.js'

const MiB = 1024 * 1024
const DISK_BPS = 100e6

/** One native host: a 100 MB/s disk, 1 GiB of page cache, dirty limit 20% of it. */
function platform (): PlatformInput {
  return {
    name: 'direct',
    network: { switchLatencyS: 0, tcpEfficiency: 1 },
    virtualization: { dom0DiskFlopsPerByte: 0, dom0NetFlopsPerByte: 0, diskLatencyS: 0, netLatencyS: 0 },
    pageCache: { dirtyRatio: 0.2, guestWorkingSetMiB: 0, dom0WorkingSetMiB: 0, nativeWorkingSetMiB: 1024 },
    hostTypes: {
      node: {
        cores: 2, coreSpeedFlops: 2.5e9, memoryMiB: 2048, memoryBandwidthBps: 1e12, virtualized: false,
        disks: [{ name: 'sda', capacityBytes: 500e9, readBps: DISK_BPS, writeBps: DISK_BPS }],
        nic: { bandwidthBps: 125e6, latencyS: 0 }
      }
    },
    hosts: [{ name: 'h1', type: 'node' }]
  }
}

/** Seconds from now until the activity `start` begins has ended (the engine may run on, writing back). */
async function timed (e: Engine, start: () => Promise<unknown>): Promise<number> {
  const t0 = e.nowS()
  let endS = NaN
  const done = start().then(() => { endS = e.nowS() })
  await e.run()
  await done
  return endS - t0
}

describe('direct I/O and page-cache size', () => {
  it('a direct write goes to the disk at its rate, where a cached one is absorbed under the dirty limit', async () => {
    const e = new Engine({ seed: 1, platform: definePlatform(platform()) })
    const h = e.host('h1')
    const bytes = 100 * MiB // under the 204.8 MiB dirty limit
    expect(await timed(e, async () => await e.io({ on: h, op: 'write', bytes, direct: true }).wait())).toBeCloseTo(bytes / DISK_BPS, 6)
    expect(h.cache.dirtyBytes()).toBe(0)
    const e2 = new Engine({ seed: 1, platform: definePlatform(platform()) })
    expect(await timed(e2, async () => await e2.io({ on: e2.host('h1'), op: 'write', bytes }).wait())).toBeLessThan(0.01 * bytes / DISK_BPS)
  })

  it('a direct read never hits the cache and inserts nothing', async () => {
    const e = new Engine({ seed: 1, platform: definePlatform(platform()) })
    const h = e.host('h1')
    await timed(e, async () => await e.io({ on: h, op: 'read', bytes: 10 * MiB, cacheKey: 'k' }).wait())
    expect(h.cache.cachedBytes('k')).toBe(10 * MiB)
    const direct = async (cacheKey: string): Promise<number> =>
      await timed(e, async () => await e.io({ on: h, op: 'read', bytes: 10 * MiB, cacheKey, direct: true }).wait())
    expect(await direct('k')).toBeCloseTo(10 * MiB / DISK_BPS, 6)
    expect(await direct('j')).toBeCloseTo(10 * MiB / DISK_BPS, 6)
    expect(h.cache.cachedBytes('j')).toBe(0)
  })

  it('shrinking a cache evicts its least recently used keys and lowers its dirty limit', async () => {
    const e = new Engine({ seed: 1, platform: definePlatform(platform()) })
    const c = e.host('h1').cache
    c.insert('old', 300 * MiB)
    c.insert('new', 300 * MiB)
    c.resize(400 * MiB)
    expect(c.capacityBytes).toBe(400 * MiB)
    expect(c.dirtyLimitBytes).toBe(Math.floor(400 * MiB * 0.2))
    expect(c.cachedBytes('old')).toBe(0)
    expect(c.cachedBytes('new')).toBe(300 * MiB)
    expect(() => { c.resize(-1) }).toThrow(/expected a finite number of bytes >= 0/)
  })
})
