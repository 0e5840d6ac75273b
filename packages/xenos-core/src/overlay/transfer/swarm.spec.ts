/**
 * Swarm fetches with real libp2p on loopback: one seed whose upload is
 * capped, and several hosts fetching the same image at once, each joined to
 * the image's swarm. Every byte must arrive intact and be accounted for, and
 * a fetcher that dies mid-swarm must not stop the others. Whether the
 * fetchers trade depends on how fast they find each other on a real
 * network; it is asserted where the same fetch runs deterministically, on
 * the simulated transport (test/integration/swarm-sim.spec.ts).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Groups } from '../groups.js'
import { startCluster } from '../test-helpers.js'
import { InvalidArgumentError } from '../../errors.js'
import { buildManifest, manifestHash } from './manifest.js'
import { FileChunkStore } from './chunk-store.js'
import { ChunkServer, libp2pChunkTransport } from './chunk-server.js'
import { ImageShelf } from './chunk-service.js'
import { fetchImage, type FetchReport } from './fetch.js'
import { joinSwarm, swarmGroup } from './swarm.js'

const CHUNK = 128 * 1024
const CHUNKS = 48
const SIZE = CHUNKS * CHUNK - 777
/** The seed's upload cap: one copy takes about 1.5 s from it alone. */
const SEED_BPS = 4_000_000

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

interface Peer { groups: Groups, shelf: ImageShelf, server: ChunkServer }

async function swarmCluster (count: number): Promise<{ cluster: Awaited<ReturnType<typeof startCluster>>, peers: Peer[] }> {
  const peers: Peer[] = []
  const cluster = await startCluster(count, {
    degree: 2,
    onNode: async (m) => {
      const groups = new Groups(m.node.libp2p, m.membership)
      await groups.start()
      const shelf = new ImageShelf()
      const server = new ChunkServer(m.node.libp2p, shelf, m.index === 0 ? { uploadBps: SEED_BPS } : {})
      await server.start()
      peers.push({ groups, shelf, server })
    }
  })
  cleanups.push(async () => {
    for (const [i, p] of peers.entries()) {
      // fetched images stay open on their shelves (served); the seed's store is closed by seedImage's cleanup
      if (i > 0) for (const h of p.shelf.hashes()) await p.shelf.get(h)?.close()
      await p.server.stop()
      await p.groups.stop()
    }
    await cluster.stop()
  })
  return { cluster, peers }
}

async function seedImage (dir: string, shelf: ImageShelf): Promise<{ bytes: Buffer, hash: string }> {
  const path = join(dir, 'seed.img')
  const bytes = randomBytes(SIZE)
  await writeFile(path, bytes)
  const manifest = await buildManifest(path, CHUNK)
  const store = await FileChunkStore.openComplete(path, manifest)
  cleanups.push(() => store.close())
  shelf.put(store)
  return { bytes, hash: manifestHash(manifest) }
}

describe('swarm fetch', () => {
  it('names the swarm group after the manifest hash and refuses anything else', () => {
    expect(swarmGroup('ab'.repeat(32))).toBe(`swarm-${'ab'.repeat(28)}`)
    expect(() => swarmGroup('not-a-hash')).toThrow(InvalidArgumentError)
  })

  it('5 hosts fetching at once in one swarm each get an intact image, every byte accounted for', async () => {
    const { cluster, peers } = await swarmCluster(6)
    const seed = cluster.members[0]!
    const img = await seedImage(seed.dataDir, peers[0]!.shelf)
    const fetchers = [1, 2, 3, 4, 5]
    const reports = await Promise.all(fetchers.map(async (i): Promise<FetchReport> => {
      const m = cluster.members[i]!
      const swarm = await joinSwarm({ groups: peers[i]!.groups, membership: m.membership }, img.hash)
      try {
        return await fetchImage({ transport: libp2pChunkTransport(m.node.libp2p, peers[i]!.server), self: m.node.peerId }, {
          manifestHash: img.hash,
          holders: [seed.node.peerId],
          swarm,
          shelf: peers[i]!.shelf,
          openStore: mf => FileChunkStore.openStaging(join(m.dataDir, 'copy.img'), mf),
          haveRefreshMs: 20
        })
      } finally {
        await swarm.leave()
      }
    }))
    for (const [k, i] of fetchers.entries()) {
      expect(Buffer.compare(await readFile(join(cluster.members[i]!.dataDir, 'copy.img')), img.bytes)).toBe(0)
      expect(reports[k]!.holders.reduce((s, h) => s + h.bytes, 0)).toBe(SIZE)
      expect(reports[k]!.corruptChunks).toBe(0)
    }
    // 5 copies were made, by the seed and the fetchers together
    const fromFetchers = fetchers.reduce((s, i) => s + peers[i]!.server.sentBytes, 0)
    expect(fromFetchers + peers[0]!.server.sentBytes).toBe(5 * SIZE)
  })

  it('a fetcher that dies mid-swarm does not stop the others', async () => {
    const { cluster, peers } = await swarmCluster(5)
    const seed = cluster.members[0]!
    const img = await seedImage(seed.dataDir, peers[0]!.shelf)
    const victim = 4
    let killed = false
    const results = await Promise.allSettled([1, 2, 3, victim].map(async (i) => {
      const m = cluster.members[i]!
      const swarm = await joinSwarm({ groups: peers[i]!.groups, membership: m.membership }, img.hash)
      try {
        return await fetchImage({ transport: libp2pChunkTransport(m.node.libp2p, peers[i]!.server), self: m.node.peerId }, {
          manifestHash: img.hash,
          holders: [seed.node.peerId],
          swarm,
          shelf: peers[i]!.shelf,
          openStore: mf => FileChunkStore.openStaging(join(m.dataDir, 'copy.img'), mf),
          haveRefreshMs: 20,
          onProgress: ({ chunksHeld }) => {
            if (i === victim && chunksHeld >= CHUNKS / 4 && !killed) {
              killed = true
              void peers[i]!.server.stop().then(() => m.node.stop())
            }
          }
        })
      } finally {
        if (i !== victim) await swarm.leave()
      }
    }))
    expect(killed).toBe(true)
    for (const [k, i] of [1, 2, 3].entries()) {
      const r = results[k]!
      expect(r.status).toBe('fulfilled')
      expect(Buffer.compare(await readFile(join(cluster.members[i]!.dataDir, 'copy.img')), img.bytes)).toBe(0)
    }
  })
})
