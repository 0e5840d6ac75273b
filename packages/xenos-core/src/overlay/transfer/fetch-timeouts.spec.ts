/**
 * Missed deadlines during a fetch, over an in-process transport on a manual
 * clock (no network, no real time): a holder that misses a deadline is
 * asked again after a pause, and dropped only when it keeps missing them.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { manualClock, type ChunkHandler, type ChunkRequest, type ChunkTransport } from '@xenos/hypervisor-interface'
import { inProcessTransport, tempDir } from '../test-helpers.js'
import { OverlayTimeoutError, TransferError } from '../errors.js'
import { buildManifest, manifestHash, type Manifest } from './manifest.js'
import { FileChunkStore } from './chunk-store.js'
import { ChunkService, ImageShelf } from './chunk-service.js'
import { fetchImage } from './fetch.js'

const CHUNK = 64 * 1024
const SIZE = 10 * CHUNK - 100
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** Decides, per request to a holder, whether it misses its deadline. */
type Misses = (holder: string, request: ChunkRequest) => boolean

/** Holders answering from their shelves in-process; a missed deadline is the overlay's `OverlayTimeoutError`. */
function transport (handlers: Map<string, ChunkHandler>, misses: Misses): ChunkTransport & { clock: ReturnType<typeof manualClock> } {
  return inProcessTransport(manualClock(), handlers, (holder, request) => {
    if (misses(holder, request)) throw new OverlayTimeoutError(`expected ${holder} to answer before the deadline, found no answer`)
  })
}

/** An image file and its manifest, and `holders` serving it. */
interface Setup { t: ChunkTransport & { clock: ReturnType<typeof manualClock> }, manifest: Manifest, source: string, dir: string }

async function setup (holders: string[], misses: Misses): Promise<Setup> {
  const d = await tempDir()
  cleanups.push(d.remove)
  const source = join(d.path, 'source.img')
  await writeFile(source, randomBytes(SIZE))
  const manifest = await buildManifest(source, CHUNK)
  const handlers = new Map<string, ChunkHandler>()
  const t = transport(handlers, misses)
  for (const h of holders) {
    const shelf = new ImageShelf()
    const store = await FileChunkStore.openComplete(source, manifest)
    cleanups.push(async () => { await store.close() })
    shelf.put(store)
    await t.listen(h, new ChunkService(shelf, t.clock).answer)
  }
  return { t, manifest, source, dir: d.path }
}

describe('fetch: missed deadlines', () => {
  it('a holder that misses deadlines now and then is asked again after a pause, not dropped', async () => {
    let gets = 0
    // the 2nd, 3rd and 4th chunk requests miss their deadline
    const { t, manifest, source, dir } = await setup(['a'], (_h, r) => r.op === 'get' && ++gets >= 2 && gets <= 4)
    const dest = join(dir, 'copy.img')
    const report = await fetchImage({ transport: t, self: 'me' }, {
      manifestHash: manifestHash(manifest), holders: ['a'], openStore: async m => await FileChunkStore.openStaging(dest, m)
    })
    expect(report.holders).toEqual([{ holder: 'a', chunks: manifest.chunks.length, bytes: SIZE, timeouts: 3 }])
    expect(Buffer.compare(await readFile(dest), await readFile(source))).toBe(0)
    // each miss was followed by a pause of at least 0.5 s on the fetch's clock
    expect(t.clock.nowS()).toBeGreaterThanOrEqual(3 * 0.5)
  })

  it('a holder that keeps missing deadlines is dropped after timeoutRetries and the others finish the fetch', async () => {
    const { t, manifest, source, dir } = await setup(['a', 'b'], (h, r) => h === 'a' && r.op !== 'manifest')
    const dest = join(dir, 'copy.img')
    const report = await fetchImage({ transport: t, self: 'me' }, {
      manifestHash: manifestHash(manifest), holders: ['a', 'b'], timeoutRetries: 2, openStore: async m => await FileChunkStore.openStaging(dest, m)
    })
    const a = report.holders.find(h => h.holder === 'a')!
    expect(a.failure).toMatch(/no answer from a within/)
    expect(a.bytes).toBe(0)
    // its first request and the two retries missed their deadlines (its two workers may share a request)
    expect(a.timeouts).toBeGreaterThanOrEqual(3)
    expect(report.holders.find(h => h.holder === 'b')).toMatchObject({ bytes: SIZE, timeouts: 0 })
    expect(Buffer.compare(await readFile(dest), await readFile(source))).toBe(0)
  })

  it('the manifest is asked again when every holder missed its deadline, and a fetch whose holders never answer fails, typed', async () => {
    let rounds = 0
    const { t, manifest, dir } = await setup(['a', 'b'], (h, r) => r.op === 'manifest' && (h === 'a' ? ++rounds : rounds) <= 2)
    const report = await fetchImage({ transport: t, self: 'me' }, {
      manifestHash: manifestHash(manifest), holders: ['a', 'b'], openStore: async m => await FileChunkStore.openStaging(join(dir, 'copy.img'), m)
    })
    expect(report.bytesFetched).toBe(SIZE)
    expect(report.holders.map(h => h.timeouts)).toEqual([2, 2])

    const never = await setup(['c'], () => true)
    await expect(fetchImage({ transport: never.t, self: 'me' }, {
      manifestHash: manifestHash(never.manifest), holders: ['c'], timeoutRetries: 1,
      openStore: async m => await FileChunkStore.openStaging(join(never.dir, 'copy.img'), m)
    })).rejects.toThrow(TransferError)
  })
})
