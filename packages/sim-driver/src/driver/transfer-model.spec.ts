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
    // Each disk streams at the zone its host's files lie in.
    const from = cluster.engine.host(a!)
    const to = cluster.engine.host(b!)
    const floor = bytes / Math.min(from.disks[0]!.rateBps('read', from.diskPosition), to.disks[0]!.rateBps('write', to.diskPosition), from.nic.bandwidthBps)
    expect(cluster.engine.nowS()).toBeGreaterThanOrEqual(floor * 0.99)
    expect(cluster.engine.nowS()).toBeLessThan(floor * 1.5)
    await cluster.close()
  })
})
