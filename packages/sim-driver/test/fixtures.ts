/**
 * Small platforms and specs for the driver tests. Numbers are chosen to make
 * expected values easy to derive by hand, not to match the paper.
 */
import { definePlatform, type Platform } from '@xenos/sim-engine'

import type { DomainSpec, HypervisorDriver } from '@xenos/hypervisor-interface'

export const MiB = 1024 * 1024
export const GiB = 1024 * MiB
/** 1 GbE: 125,000,000 bytes per second each way. */
export const GBE_BPS = 125e6
export const DISK_BPS = 100e6

export interface TestPlatformOptions {
  hosts?: number
  memoryMiB?: number
  diskCapacityBytes?: number
  tcpEfficiency?: number
  latencyS?: number
}

/** `hosts` identical Xen hosts (h1..hN): 2 cores of 2.5e9 flop/s, 2 GiB, Domain 0 512 MiB, one 100 MB/s disk, 1 GbE. */
export function testPlatform (o: TestPlatformOptions = {}): Platform {
  return definePlatform({
    name: 'test',
    network: { switchLatencyS: 0, tcpEfficiency: o.tcpEfficiency ?? 1 },
    virtualization: { dom0DiskFlopsPerByte: 0, dom0NetFlopsPerByte: 0, diskLatencyS: 0, netLatencyS: 0 },
    pageCache: { dirtyRatio: 0.2, guestWorkingSetMiB: 128, dom0WorkingSetMiB: 256, nativeWorkingSetMiB: 256 },
    hostTypes: {
      node: {
        cores: 2,
        coreSpeedFlops: 2.5e9,
        memoryMiB: o.memoryMiB ?? 2048,
        memoryBandwidthBps: 5e9,
        dom0: { memoryMiB: 512, vcpus: 1 },
        disks: [{ name: 'sda', capacityBytes: o.diskCapacityBytes ?? 500e9, readBps: DISK_BPS, writeBps: DISK_BPS }],
        nic: { bandwidthBps: GBE_BPS, latencyS: o.latencyS ?? 0 }
      }
    },
    hosts: [{ prefix: 'h', count: o.hosts ?? 3, type: 'node' }]
  })
}

/** A PVH domain spec with one disk `images/<name>.img` (or none). */
export function specFor (name: string, o: { memoryMiB?: number, annotations?: Record<string, string>, disks?: boolean } = {}): DomainSpec {
  const spec: DomainSpec = {
    name,
    vcpus: 1,
    memoryMiB: o.memoryMiB ?? 384,
    disks: o.disks === false ? [] : [{ image: `images/${name}.img`, target: 'xvda' }],
    boot: { kind: 'pvh', kernel: '/boot/vmlinuz' },
    nics: [{ bridge: 'xenbr0' }]
  }
  if (o.annotations !== undefined) spec.annotations = o.annotations
  return spec
}

/** Creates the image of `specFor(name)` (`imageBytes`, default 64 MiB), defines and starts the domain. */
export async function runningDomain (
  driver: HypervisorDriver, name: string, o: Parameters<typeof specFor>[1] & { imageBytes?: number } = {}
): Promise<DomainSpec> {
  const spec = specFor(name, o)
  for (const d of spec.disks) await driver.createImage(d.image, o.imageBytes ?? 64 * MiB)
  await driver.createDomain(spec)
  await driver.startDomain(name)
  return spec
}
