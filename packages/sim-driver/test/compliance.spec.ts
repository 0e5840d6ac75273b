/**
 * The shared driver compliance suite, run against the simulated driver:
 * a live-mode cluster of three test hosts; h1 is the driver under test, h2
 * the migration target, and an address no simulated host has is the
 * unreachable target.
 */
import { runComplianceSuite, type ComplianceFixture } from '@xenos/hypervisor-compliance'
import { SimCluster } from '../src/index.js'
import { specFor, testPlatform, MiB } from './fixtures.js'

let cluster: SimCluster | undefined

runComplianceSuite({
  name: 'sim-driver (live cluster, 3 test hosts)',
  timeoutMs: 20_000,
  setup: async (): Promise<ComplianceFixture> => {
    cluster = new SimCluster({ platform: testPlatform(), seed: 42 })
    const driver = cluster.driver('h1')
    const target = cluster.driver('h2')
    return {
      driver,
      target,
      targetAddress: { host: 'h2' },
      unreachableTarget: { host: '192.0.2.1' },
      makeSpec: async (name, options) => {
        const spec = specFor(name, { memoryMiB: options?.memoryMiB ?? 256 })
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
