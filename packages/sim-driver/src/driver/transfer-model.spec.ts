import { describe, it, expect } from 'vitest'
import { SimCluster } from './sim-cluster.js'
import { loadPlatform, PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { simTransferModel } from './transfer-model.js'

describe('simTransferModel', () => {
  it('a copy between two paper hosts is bounded by the slower of the disk and the NIC', async () => {
    const platform = await loadPlatform(PAPER_PLATFORM_FILE)
    const cluster = new SimCluster({ platform, seed: 1, mode: 'manual' })
    const [a, b] = cluster.hostnames()
    const bytes = 1e9
    const copy = simTransferModel(cluster)(a!, b!, bytes)
    await cluster.engine.run()
    await copy
    const host = platform.hosts[0]!
    const floor = bytes / Math.min(host.disks[0]!.readBps, host.disks[0]!.writeBps, host.nic.bandwidthBps)
    expect(cluster.engine.nowS()).toBeGreaterThanOrEqual(floor * 0.99)
    expect(cluster.engine.nowS()).toBeLessThan(floor * 1.5)
    await cluster.close()
  })
})
