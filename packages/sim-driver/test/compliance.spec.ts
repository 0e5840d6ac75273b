/**
 * The shared driver compliance suite, run against the simulated driver in
 * live mode: once on a small test platform (h1 under test, h2 the migration
 * target) and once on the paper's thirteen-host cluster (node01 -> node02).
 * An address no simulated host has is the unreachable target.
 */
import { runComplianceSuite, type ComplianceFixture } from '@xenos/hypervisor-compliance'
import { SimCluster } from '../src/index.js'
import { loadPlatform, PAPER_PLATFORM_FILE, type Platform } from '@xenos/sim-engine'
import { specFor, testPlatform, MiB } from './fixtures.js'

function suite (name: string, platform: () => Promise<Platform>, source: string, target: string): void {
  let cluster: SimCluster | undefined
  runComplianceSuite({
    name,
    timeoutMs: 20_000,
    setup: async (): Promise<ComplianceFixture> => {
      cluster = new SimCluster({ platform: await platform(), seed: 42 })
      const driver = cluster.driver(source)
      return {
        driver,
        target: cluster.driver(target),
        targetAddress: { host: target },
        unreachableTarget: { host: '192.0.2.1' },
        makeSpec: async (domain, options) => {
          const spec = specFor(domain, { memoryMiB: options?.memoryMiB ?? 256 })
          spec.vcpus = options?.vcpus ?? 1
          for (const d of spec.disks) {
            const exists = (await driver.listImages()).some(i => i.path === d.image)
            if (!exists) await driver.createImage(d.image, 256 * MiB)
          }
          return spec
        }
      }
    },
    teardown: async () => {
      await cluster?.close()
    }
  })
}

suite('sim-driver (live cluster, 3 test hosts)', async () => testPlatform(), 'h1', 'h2')
suite('sim-driver (live cluster, paper-2010 platform)', async () => await loadPlatform(PAPER_PLATFORM_FILE), 'node01', 'node02')
