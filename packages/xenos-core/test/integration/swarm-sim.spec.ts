/**
 * The swarm fetch on the simulated transport (sim-driver's image port, its
 * swarms kept by the cluster):
 * the same algorithm as on libp2p, deterministic in simulated time, so the
 * properties that depend on timing on a real network can be asserted: the
 * fetchers trade chunks, the first holder sends about one copy, the whole
 * swarm takes well under half the time the holder alone would need, a
 * fetcher whose host crashes mid-swarm stops no one else, and the same seed
 * gives the same figures.
 */
import { describe, expect, it } from 'vitest'
import type { ChunkTransport, ImageTransferPort } from '@xenos/hypervisor-interface'
import { PAPER_PLATFORM_FILE, loadPlatform, type Platform } from '@xenos/sim-engine'
import { SimCluster } from '@xenos/sim-driver'
import { ChunkService, ImageShelf } from '../../src/overlay/transfer/chunk-service.js'
import { fetchImage, type FetchReport } from '../../src/overlay/transfer/fetch.js'
import { manifestHash } from '../../src/overlay/transfer/manifest.js'

const GiB = 1024 ** 3
const IMAGE = 'templates/web/xvda.img'
/** 1 GiB plus a short last chunk: 257 chunks of 4 MiB. */
const SIZE = GiB + 12345

interface Host { name: string, peer: string, port: ImageTransferPort, transport: ChunkTransport, shelf: ImageShelf, service: ChunkService }

interface Outcome { reports: Array<PromiseSettledResult<FetchReport>>, sent: number[], endS: number[], hosts: Host[] }

async function scenario (platform: Platform, seed: number, fetchers: number, crash?: { host: number, atS: number }): Promise<Outcome> {
  const cluster = new SimCluster({ platform, seed })
  try {
    const hosts: Host[] = []
    for (const [i, name] of cluster.hostnames().slice(0, fetchers + 1).entries()) {
      const port = cluster.imagePort(name)
      const transport = port.transport!
      const shelf = new ImageShelf()
      const service = new ChunkService(shelf, transport.clock)
      await transport.listen(`peer-${i}`, service.answer)
      hosts.push({ name, peer: `peer-${i}`, port, transport, shelf, service })
    }
    const seed0 = hosts[0]!
    await cluster.driver(seed0.name).createImage(IMAGE, SIZE)
    const manifest = await seed0.port.store.manifest(IMAGE)
    const hash = manifestHash(manifest)
    seed0.shelf.put(await seed0.port.store.openComplete(IMAGE, manifest))
    if (crash !== undefined) cluster.faults.crashHost(hosts[crash.host]!.name, crash.atS)
    const endS: number[] = []
    const reports = await Promise.allSettled(hosts.slice(1).map(async (h, k) => {
      // the fetchers find each other through the cluster's swarm of the image
      const swarm = await h.transport.joinSwarm(hash, h.peer)
      try {
        const r = await fetchImage({ transport: h.transport, self: h.peer }, {
          manifestHash: hash, holders: [seed0.peer], swarm, shelf: h.shelf,
          openStore: async m => await h.port.store.openStaging(IMAGE, m)
        })
        endS[k] = cluster.engine.nowS()
        return r
      } finally {
        await swarm.leave()
      }
    }))
    return { reports, sent: hosts.map(h => h.service.sentBytes), endS, hosts }
  } finally {
    await cluster.close()
  }
}

describe('swarm fetch on the simulated transport', () => {
  it('5 fetchers trade chunks: each gets chunks from the holder and from others, the holder sends about one copy, in about one copy\'s time', async () => {
    const platform = await loadPlatform(PAPER_PLATFORM_FILE)
    const { reports, sent, endS, hosts } = await scenario(platform, 1, 5)
    const host = platform.hosts[1]!
    const nic = host.nic.bandwidthBps * platform.network.tcpEfficiency
    for (const r of reports) {
      expect(r.status).toBe('fulfilled')
      const report = (r as PromiseFulfilledResult<FetchReport>).value
      expect(report.bytesFetched).toBe(SIZE)
      expect(report.corruptChunks).toBe(0)
      expect(report.holders.reduce((s, h) => s + h.bytes, 0)).toBe(SIZE)
      // chunks from the holder, and from at least two other fetchers
      expect(report.holders.find(h => h.holder === 'peer-0')!.bytes).toBeGreaterThan(0)
      expect(report.holders.filter(h => h.holder !== 'peer-0' && h.bytes > 0).length).toBeGreaterThanOrEqual(2)
    }
    // five copies were made; the holder sent about one of them (each chunk once, and a few twice), the fetchers the rest
    expect(sent.reduce((s, b) => s + b, 0)).toBe(5 * SIZE)
    expect(sent[0]).toBeGreaterThanOrEqual(SIZE)
    expect(sent[0]).toBeLessThan(1.5 * SIZE)
    // each fetcher takes in one copy over its link: no fetch can end before that; the swarm ends in well
    // under half the time the holder alone would need to send the five copies over its link
    for (const s of endS) expect(s).toBeGreaterThan(SIZE / nic)
    expect(Math.max(...endS)).toBeLessThan(0.5 * 5 * SIZE / nic)
    // every fetched image is in its host's store, with the holder's content
    for (const h of hosts.slice(1)) expect(await h.port.store.version(IMAGE)).toBe(await hosts[0]!.port.store.version(IMAGE))
  })

  it('gives the same figures for the same seed', async () => {
    const platform = await loadPlatform(PAPER_PLATFORM_FILE)
    const figures = async (): Promise<unknown> => {
      const { reports, sent, endS } = await scenario(platform, 7, 4)
      return { sent, endS, sources: reports.map(r => (r as PromiseFulfilledResult<FetchReport>).value.holders.map(h => [h.holder, h.chunks])) }
    }
    expect(await figures()).toEqual(await figures())
  })

  it('a fetcher whose host crashes mid-swarm stops no one else: the others drop it and finish', async () => {
    const platform = await loadPlatform(PAPER_PLATFORM_FILE)
    const oneCopyS = SIZE / (platform.hosts[0]!.nic.bandwidthBps * platform.network.tcpEfficiency)
    const { reports } = await scenario(platform, 3, 4, { host: 2, atS: oneCopyS / 2 })
    expect(reports[1]!.status).toBe('rejected')
    for (const k of [0, 2, 3]) {
      expect(reports[k]!.status).toBe('fulfilled')
      const report = (reports[k] as PromiseFulfilledResult<FetchReport>).value
      expect(report.bytesFetched).toBe(SIZE)
      // it had the crashed host as a source, and dropped it
      expect(report.holders.find(h => h.holder === 'peer-2')?.failure).toBeDefined()
    }
  })
})
