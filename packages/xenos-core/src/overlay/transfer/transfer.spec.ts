import { afterEach, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { access, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createOverlayNode, type OverlayNode } from '../node.js'
import { tempDir, trustFor } from '../test-helpers.js'
import { IntegrityError, TransferError } from '../errors.js'
import { buildManifest, manifestHash, type Manifest } from './manifest.js'
import { FileChunkStore, type ChunkStore } from './chunk-store.js'
import { ChunkServer, libp2pChunkTransport, type ChunkServerInit } from './chunk-server.js'
import { ImageShelf } from './chunk-service.js'
import { fetchImage, type FetchPort } from './fetch.js'

const CHUNK = 256 * 1024
const SIZE = 24 * CHUNK - 1000 // the last chunk is short
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function dir (): Promise<string> {
  const d = await tempDir()
  cleanups.push(d.remove)
  return d.path
}

interface Host {
  node: OverlayNode
  shelf: ImageShelf
  server: ChunkServer
  dir: string
}

async function host (serverInit: ChunkServerInit = {}): Promise<Host> {
  const d = await dir()
  const node = await createOverlayNode({ dataDir: d, trust: await trustFor(d) })
  const shelf = new ImageShelf()
  const server = new ChunkServer(node.libp2p, shelf, serverInit)
  await server.start()
  cleanups.push(async () => {
    await server.stop()
    await node.stop()
  })
  return { node, shelf, server, dir: d }
}

/** The host on the libp2p overlay, as a fetch uses it. */
function port (h: Host): FetchPort {
  return { transport: libp2pChunkTransport(h.node.libp2p, h.server), self: h.node.peerId }
}

/** A host holding a copy of `source`, possibly behind a store wrapper. */
async function holder (source: string, manifest: Manifest, init: ChunkServerInit = {}, wrap?: (s: ChunkStore) => ChunkStore): Promise<Host> {
  const h = await host(init)
  const path = join(h.dir, 'image.img')
  await writeFile(path, await readFile(source))
  const store = await FileChunkStore.openComplete(path, manifest)
  cleanups.push(() => store.close())
  h.shelf.put(wrap !== undefined ? wrap(store) : store)
  return h
}

async function image (): Promise<{ path: string, bytes: Buffer, manifest: Manifest, hash: string }> {
  const path = join(await dir(), 'source.img')
  const bytes = randomBytes(SIZE)
  await writeFile(path, bytes)
  const manifest = await buildManifest(path, CHUNK)
  return { path, bytes, manifest, hash: manifestHash(manifest) }
}

/** Wrap a store so chunk `bad` (every chunk when -1) is served with a flipped byte. */
function corruptChunk (store: ChunkStore, bad: number): ChunkStore {
  return Object.assign(Object.create(store) as ChunkStore, {
    read: async (index: number) => {
      const bytes = Uint8Array.from(await store.read(index))
      if (index === bad || bad === -1) bytes[10] = bytes[10]! ^ 0xff
      return bytes
    }
  })
}

describe('image transfer', () => {
  it('fetches from 3 holders at once and completes when one dies mid-way', async () => {
    const img = await image()
    // 2 MB/s per holder: about 1 s in all, so "mid-way" is well defined
    const holders = await Promise.all([0, 1, 2].map(() => holder(img.path, img.manifest, { uploadBps: 2_000_000 })))
    const fetcher = await host()
    const dest = join(fetcher.dir, 'copy.img')
    let killed = false
    const report = await fetchImage(port(fetcher), {
      manifestHash: img.hash,
      holders: holders.map(h => h.node.multiaddrs()[0]!),
      openStore: m => FileChunkStore.openStaging(dest, m),
      requestTimeoutMs: 5000,
      onProgress: ({ chunksHeld }) => {
        if (chunksHeld >= 8 && !killed) {
          killed = true
          void holders[2]!.node.stop()
        }
      }
    })
    expect(killed).toBe(true)
    expect(Buffer.compare(await readFile(dest), img.bytes)).toBe(0)
    expect(report.chunksFetched).toBe(24)
    expect(report.holders.map(h => h.chunks > 0)).toEqual([true, true, true])
    expect(report.holders[2]!.failure).toBeDefined()
    expect(report.holders[0]!.failure).toBeUndefined()
    expect(report.holders[0]!.chunks + report.holders[1]!.chunks).toBeGreaterThan(16)
    await expect(access(`${dest}.part.state`)).rejects.toThrow() // staging state removed on completion
  })

  it('resumes an interrupted fetch without fetching verified chunks again', async () => {
    const img = await image()
    const slow = await holder(img.path, img.manifest, { uploadBps: 2_000_000 })
    const fetcher = await host()
    const dest = join(fetcher.dir, 'copy.img')
    let stopped = false
    const first = fetchImage(port(fetcher), {
      manifestHash: img.hash,
      holders: [slow.node.multiaddrs()[0]!],
      openStore: m => FileChunkStore.openStaging(dest, m),
      requestTimeoutMs: 2000,
      onProgress: ({ chunksHeld }) => {
        if (chunksHeld >= 10 && !stopped) {
          stopped = true
          void slow.node.stop()
        }
      }
    })
    await expect(first).rejects.toThrow(TransferError)
    await access(`${dest}.part.state`) // kept for the resume
    const other = await holder(img.path, img.manifest)
    const report = await fetchImage(port(fetcher), {
      manifestHash: img.hash,
      holders: [other.node.multiaddrs()[0]!],
      openStore: m => FileChunkStore.openStaging(dest, m)
    })
    expect(report.chunksResumed).toBeGreaterThanOrEqual(10)
    expect(report.chunksResumed + report.chunksFetched).toBe(24)
    expect(other.server.sentBytes).toBeLessThanOrEqual(SIZE - 10 * CHUNK + CHUNK)
    expect(Buffer.compare(await readFile(dest), img.bytes)).toBe(0)
  })

  it('rejects a corrupted chunk, drops its holder and gets the chunk elsewhere', async () => {
    const img = await image()
    const bad = await holder(img.path, img.manifest, {}, s => corruptChunk(s, 3))
    const fetcher = await host()
    const onlyBad = fetchImage(port(fetcher), {
      manifestHash: img.hash,
      holders: [bad.node.multiaddrs()[0]!],
      openStore: m => FileChunkStore.openStaging(join(fetcher.dir, 'a.img'), m),
      streamsPerHolder: 1
    })
    await expect(onlyBad).rejects.toThrow(/chunk 3 .*expected SHA-256/)
    const partial = await FileChunkStore.openStaging(join(fetcher.dir, 'a.img'), img.manifest)
    expect(partial.has(3)).toBe(false)
    expect(partial.count()).toBeLessThan(24)
    await partial.close()

    // a holder that corrupts every chunk, beside a slow honest one
    const liar = await holder(img.path, img.manifest, {}, s => corruptChunk(s, -1))
    const good = await holder(img.path, img.manifest, { uploadBps: 5_000_000 })
    const dest = join(fetcher.dir, 'b.img')
    const report = await fetchImage(port(fetcher), {
      manifestHash: img.hash,
      holders: [liar.node.multiaddrs()[0]!, good.node.multiaddrs()[0]!],
      openStore: m => FileChunkStore.openStaging(dest, m)
    })
    expect(Buffer.compare(await readFile(dest), img.bytes)).toBe(0)
    expect(report.corruptChunks).toBeGreaterThanOrEqual(1)
    expect(report.holders[0]!.chunks).toBe(0)
    expect(report.holders[0]!.failure).toMatch(IntegrityError.name)
    expect(report.holders[1]!.chunks).toBe(24)
  })

  it('reads one chunk at a time by default however many requests wait, and more when told', async () => {
    const img = await image()
    const peak = async (init: ChunkServerInit): Promise<number> => {
      let running = 0
      let most = 0
      const counting = (s: ChunkStore): ChunkStore => Object.assign(Object.create(s) as ChunkStore, {
        read: async (index: number) => {
          most = Math.max(most, ++running)
          try {
            await new Promise(resolve => setTimeout(resolve, 2))
            return await s.read(index)
          } finally {
            running--
          }
        }
      })
      const h = await holder(img.path, img.manifest, init, counting)
      const fetchers = await Promise.all([0, 1].map(() => host()))
      await Promise.all(fetchers.map(f => fetchImage(port(f), {
        manifestHash: img.hash, holders: [h.node.multiaddrs()[0]!], streamsPerHolder: 4,
        openStore: m => FileChunkStore.openStaging(join(f.dir, 'copy.img'), m)
      })))
      for (const f of fetchers) expect(Buffer.compare(await readFile(join(f.dir, 'copy.img')), img.bytes)).toBe(0)
      return most
    }
    expect(await peak({})).toBe(1)
    expect(await peak({ concurrentReads: 4 })).toBeGreaterThan(1)
    const node = await host()
    expect(() => new ChunkServer(node.node.libp2p, new ImageShelf(), { concurrentReads: 0 })).toThrow(/concurrentReads: expected a positive integer, found 0/)
  })

  it('answers a request whose handler fails with the failure, and serves the next request on the same stream', async () => {
    const h = await host()
    const answer = h.server.service.answer
    h.server.serve(async (request, from) => {
      if (request.op === 'get') throw new RangeError('the shelf lost its disk')
      return await answer(request, from)
    })
    const fetcher = await host()
    const channel = await port(fetcher).transport.open(fetcher.node.peerId, h.node.multiaddrs()[0]!, 5000)
    try {
      const limits = { timeoutMs: 5000, maxBytes: 1 << 20 }
      const failed = await channel.request({ op: 'get', hash: 'a'.repeat(64), index: 0 }, limits)
      expect(failed.status).toBe('error')
      expect(new TextDecoder().decode(failed.body)).toBe('RangeError: the shelf lost its disk')
      const next = await channel.request({ op: 'manifest', hash: 'a'.repeat(64) }, limits)
      expect(next.status).toBe('not-held')
    } finally {
      await channel.close()
    }
  })

  it('refuses a manifest that does not match the requested hash', async () => {
    const img = await image()
    const h = await holder(img.path, img.manifest)
    const fetcher = await host()
    const wrong = 'a'.repeat(64)
    await expect(
      fetchImage(port(fetcher), {
        manifestHash: wrong, holders: [h.node.peerId, h.node.multiaddrs()[0]!], openStore: m => FileChunkStore.openStaging(join(fetcher.dir, 'x.img'), m)
      })
    ).rejects.toThrow(TransferError)
  })
})
