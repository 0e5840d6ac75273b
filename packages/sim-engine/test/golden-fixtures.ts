import { definePlatform, type Platform, type PlatformInput } from '../src/index.js'

/** Round numbers so expected values can be derived by hand in the tests. */
export function goldenPlatformInput (overrides: { virtualized?: boolean, hosts?: number, cores?: number } = {}): PlatformInput {
  return {
    name: 'golden',
    network: { switchLatencyS: 0, tcpEfficiency: 1 },
    virtualization: { dom0DiskFlopsPerByte: 0, dom0NetFlopsPerByte: 0, diskLatencyS: 0, netLatencyS: 0 },
    pageCache: { dirtyRatio: 0.1, guestWorkingSetMiB: 128, dom0WorkingSetMiB: 256, nativeWorkingSetMiB: 512 },
    hostTypes: {
      t: {
        cores: overrides.cores ?? 2,
        coreSpeedFlops: 1e9,
        memoryMiB: 2048,
        memoryBandwidthBps: 1e9,
        virtualized: overrides.virtualized ?? true,
        dom0: { memoryMiB: 512, vcpus: overrides.cores ?? 2 },
        // A request of 1e6 bytes pays 5 ms of seek and 5 ms of rotation (half a revolution at 6000 rpm)
        // when streams interleave: a read's 10 ms of transfer becomes 20 ms, half the disk's time.
        disks: [{
          name: 'sda',
          capacityBytes: 1e12,
          readBps: 100e6,
          writeBps: 50e6,
          rpm: 6000,
          averageSeekS: 0.005,
          trackSeekS: 0.005,
          readRequestBytes: 1e6,
          writeRequestBytes: 1e6
        }],
        nic: { bandwidthBps: 100e6, latencyS: 0 }
      }
    },
    hosts: [{ prefix: 'h', count: overrides.hosts ?? 4, type: 't' }]
  }
}

export function goldenPlatform (overrides: Parameters<typeof goldenPlatformInput>[0] = {}): Platform {
  return definePlatform(goldenPlatformInput(overrides))
}

export function close (actual: number | undefined, expected: number, relTol = 1e-9): boolean {
  return actual !== undefined && Math.abs(actual - expected) <= relTol * Math.max(1, Math.abs(expected))
}
