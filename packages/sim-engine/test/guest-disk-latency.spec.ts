import { describe, it, expect } from 'vitest'
import { Engine, definePlatform, type PlatformInput } from '../src/index.js'

const MiB = 1024 * 1024
const DISK_BPS = 100e6
const LATENCY_S = 1e-3

/** One Xen host with a 100 MB/s disk; guest requests wait 1 ms each in the split driver. */
function platform (windows: { diskReadWindowBytes?: number, diskWriteWindowBytes?: number }): PlatformInput {
  return {
    name: 'latency',
    network: { switchLatencyS: 0, tcpEfficiency: 1 },
    virtualization: { dom0DiskFlopsPerByte: 0, dom0NetFlopsPerByte: 0, diskLatencyS: LATENCY_S, netLatencyS: 0, ...windows },
    pageCache: { dirtyRatio: 0.2, guestWorkingSetMiB: 128, dom0WorkingSetMiB: 256, nativeWorkingSetMiB: 256 },
    hostTypes: {
      node: {
        cores: 2, coreSpeedFlops: 2.5e9, memoryMiB: 2048, memoryBandwidthBps: 1e12,
        dom0: { memoryMiB: 512, vcpus: 1 },
        disks: [{ name: 'sda', capacityBytes: 500e9, readBps: DISK_BPS, writeBps: DISK_BPS }],
        nic: { bandwidthBps: 125e6, latencyS: 0 }
      }
    },
    hosts: [{ name: 'h1', type: 'node' }]
  }
}

async function guestIo (p: PlatformInput, op: 'read' | 'write', bytes: number, prepare?: (e: Engine) => Promise<void>): Promise<number> {
  const e = new Engine({ seed: 1, platform: definePlatform(p) })
  // No page cache of its own (working set = memory): every byte reaches the disk.
  const vm = e.host('h1').createVm({ name: 'g', vcpus: 1, memoryMiB: 256, workingSetMiB: op === 'write' ? 256 : 192 })
  if (prepare !== undefined) {
    const done = prepare(e)
    await e.run()
    await done
  }
  const t0 = e.nowS()
  const io = e.io({ on: vm, op, bytes, cacheKey: 'k' }).wait()
  await e.run()
  await io
  return e.nowS() - t0
}

describe('a guest pays the split driver\'s latency once per request window in flight', () => {
  it('a read of 10 MiB with a 1 MiB readahead window waits 10 round trips', async () => {
    const t = await guestIo(platform({ diskReadWindowBytes: MiB }), 'read', 10 * MiB)
    expect(t).toBeCloseTo(10 * LATENCY_S + 10 * MiB / DISK_BPS, 9)
  })

  it('without a window the whole I/O waits one round trip (the platform\'s old behaviour)', async () => {
    const t = await guestIo(platform({}), 'read', 10 * MiB)
    expect(t).toBeCloseTo(LATENCY_S + 10 * MiB / DISK_BPS, 9)
  })

  it('a write that reaches the disk pays one round trip per write window (8 MiB over 4 MiB windows: 2)', async () => {
    const t = await guestIo(platform({ diskWriteWindowBytes: 4 * MiB }), 'write', 8 * MiB)
    expect(t).toBeCloseTo(2 * LATENCY_S + 8 * MiB / DISK_BPS, 9)
  })

  it('only the bytes read from the disk pay: a read served from the guest\'s page cache waits none', async () => {
    const p = platform({ diskReadWindowBytes: MiB })
    // 64 MiB of guest page cache; the first read brings the key in, the second is a hit.
    const t = await guestIo(p, 'read', 10 * MiB, async (e) => {
      await e.io({ on: e.host('h1').vms.get('g')!, op: 'read', bytes: 10 * MiB, cacheKey: 'k' }).wait()
    })
    expect(t).toBeLessThan(LATENCY_S)
  })
})
