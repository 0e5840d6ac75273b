/**
 * The serving side of the chunk protocol, apart from any transport: the
 * shelf of images a host can serve, and the answers to `manifest`, `have`
 * and `get` requests. The libp2p chunk server (chunk-server.ts) and a
 * backend's own transport (a simulator's) carry the same answers.
 *
 * An image being fetched is on the shelf too, so a host serves the chunks
 * it already has while it fetches the rest: when one image goes to many
 * hosts at once, they feed each other instead of all drawing on the first
 * holder. A `have` answer is the bitmap of held chunks, followed, while the
 * host is itself fetching the image, by the bitmap of chunks it is fetching
 * now.
 *
 * `uploadBps` caps the bytes per second this host sends (all requests
 * together), so replication does not starve the services' own traffic.
 * `concurrentReads` bounds the chunk reads in progress at once (one by
 * default): when many fetchers ask at once, a spinning disk then reads one
 * whole chunk after another instead of seeking between many, and chunks
 * already in the page cache come out at memory speed either way.
 */
import type { ChunkRequest, ChunkResponse, ChunkStore, Clock } from '@xenos/hypervisor-interface'
import { InvalidArgumentError } from '../../errors.js'
import { chunkLength, manifestBytes, manifestHash } from './manifest.js'

/** The images this host can serve, by manifest hash. */
export class ImageShelf {
  private readonly stores = new Map<string, ChunkStore>()
  private readonly inFlight = new Map<string, ReadonlySet<number>>()

  /** Declare the chunks of `hash` being fetched right now (announced to other fetchers as "soon"). */
  setInFlight (hash: string, chunks: ReadonlySet<number> | undefined): void {
    if (chunks === undefined) this.inFlight.delete(hash)
    else this.inFlight.set(hash, chunks)
  }

  getInFlight (hash: string): ReadonlySet<number> | undefined {
    return this.inFlight.get(hash)
  }

  put (store: ChunkStore): string {
    const hash = manifestHash(store.manifest)
    this.stores.set(hash, store)
    return hash
  }

  get (hash: string): ChunkStore | undefined {
    return this.stores.get(hash)
  }

  remove (hash: string): void {
    this.stores.delete(hash)
    this.inFlight.delete(hash)
  }

  hashes (): string[] {
    return [...this.stores.keys()]
  }

  /** Take every image off the shelf and close its store (the overlay stops). */
  async closeAll (): Promise<void> {
    const stores = [...this.stores.values()]
    this.stores.clear()
    this.inFlight.clear()
    for (const s of stores) await s.close()
  }
}

export interface ChunkServiceInit {
  /** Most bytes per second sent by this host, all transfers together. @default unlimited */
  uploadBps?: number
  /** Chunk reads in progress at once, all requests together. @default 1 */
  concurrentReads?: number
}

/** Chunk reads a host runs at once unless told otherwise. */
export const DEFAULT_CONCURRENT_READS = 1

/** Answers chunk requests from a shelf; `clock` paces the upload cap. */
export class ChunkService {
  private readonly uploadBps: number | undefined
  private readonly concurrentReads: number
  private readsRunning = 0
  private readonly readQueue: Array<() => void> = []
  private nextSendAtS = 0
  /** Bytes of chunks sent since start. */
  sentBytes = 0
  /** Each store's bitmap as last answered, with its count of chunks then. */
  private readonly lastBitmap = new WeakMap<ChunkStore, { count: number, bits: Uint8Array }>()

  constructor (private readonly shelf: ImageShelf, private readonly clock: Clock, init: ChunkServiceInit = {}) {
    if (init.uploadBps !== undefined && !(init.uploadBps > 0)) throw new InvalidArgumentError('uploadBps', 'a positive number', init.uploadBps)
    this.uploadBps = init.uploadBps
    this.concurrentReads = init.concurrentReads ?? DEFAULT_CONCURRENT_READS
    if (!Number.isInteger(this.concurrentReads) || this.concurrentReads < 1) {
      throw new InvalidArgumentError('concurrentReads', 'a positive integer', init.concurrentReads)
    }
  }

  /** The answer to one request (never throws: a bad request gets an `error` answer). */
  readonly answer = async (request: ChunkRequest): Promise<ChunkResponse> => {
    const r = (typeof request === 'object' && request !== null ? request : {}) as unknown as Record<string, unknown>
    const hash = r['hash']
    if (typeof hash !== 'string') return status('error', `expected a string "hash", found ${JSON.stringify(hash)}`)
    const store = this.shelf.get(hash)
    if (store === undefined) return status('not-held', `image ${hash} is not held here`)
    switch (r['op']) {
      case 'manifest':
        return ok(manifestBytes(store.manifest))
      case 'have': {
        // the held chunks, then the chunks being fetched here right now
        const held = this.heldBitmap(store)
        const inFlight = this.shelf.getInFlight(hash)
        if (inFlight === undefined || inFlight.size === 0) return ok(held)
        const both = zeroed(held.byteLength * 2)
        both.set(held)
        for (const i of inFlight) both[held.byteLength + (i >> 3)] = (both[held.byteLength + (i >> 3)] ?? 0) | (0x80 >> (i & 7))
        return ok(both)
      }
      case 'get': {
        const index = r['index']
        if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= store.manifest.chunks.length) {
          return status('error', `expected "index" in 0..${store.manifest.chunks.length - 1}, found ${JSON.stringify(index)}`)
        }
        if (!store.has(index)) return status('not-held', `chunk ${index} of ${hash} is not held here`)
        let bytes: Uint8Array
        try {
          bytes = await this.readChunk(store, index)
        } catch (err) {
          return status('error', `chunk ${index} of ${hash}: ${(err as Error).message}`)
        }
        const sizeBytes = chunkLength(store.manifest, index)
        // only chunk bytes count against the upload cap: a "have" or a manifest answer must not wait behind queued chunks
        await this.pace(sizeBytes)
        this.sentBytes += sizeBytes
        return { status: 'ok', body: bytes, sizeBytes }
      }
      default:
        return status('error', `expected "op" manifest, have or get, found ${JSON.stringify(r['op'])}`)
    }
  }

  /**
   * The store's bitmap, copied again only when it gained chunks since the
   * last `have` answer (a fetcher polls partial holders often, and a store
   * only gains chunks): answers share it meanwhile, so a body is read-only.
   */
  private heldBitmap (store: ChunkStore): Uint8Array {
    const count = store.count()
    const last = this.lastBitmap.get(store)
    if (last !== undefined && last.count === count) return last.bits
    const bits = store.bitmap()
    this.lastBitmap.set(store, { count, bits })
    return bits
  }

  /** Read a chunk once fewer than `concurrentReads` reads are running (first come, first served). */
  private async readChunk (store: ChunkStore, index: number): Promise<Uint8Array> {
    if (this.readsRunning >= this.concurrentReads) await new Promise<void>(resolve => this.readQueue.push(resolve))
    else this.readsRunning++
    try {
      return await store.read(index)
    } finally {
      // hand the slot to the next reader, or free it
      const next = this.readQueue.shift()
      if (next !== undefined) next()
      else this.readsRunning--
    }
  }

  /** Wait until sending `bytes` keeps this host under `uploadBps`. */
  private async pace (bytes: number): Promise<void> {
    if (this.uploadBps === undefined) return
    const now = this.clock.nowS()
    const startS = Math.max(now, this.nextSendAtS)
    this.nextSendAtS = startS + bytes / this.uploadBps
    const waitS = this.nextSendAtS - now
    if (waitS > 0.001) await this.clock.sleep(waitS)
  }
}

/**
 * `n` zero bytes. A `have` answer is made for every poll of a partial
 * holder (many thousands in a swarm fetch): a small one is a view on Node's
 * shared buffer pool instead of a typed array with its own backing store,
 * which costs an allocation outside the heap and its release.
 */
function zeroed (n: number): Uint8Array {
  return Buffer.allocUnsafe(n).fill(0)
}

function ok (body: Uint8Array): ChunkResponse {
  return { status: 'ok', body, sizeBytes: body.byteLength }
}

function status (code: ChunkResponse['status'], message: string): ChunkResponse {
  const body = new TextEncoder().encode(message)
  return { status: code, body, sizeBytes: body.byteLength }
}
