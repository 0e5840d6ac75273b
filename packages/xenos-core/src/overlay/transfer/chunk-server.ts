/**
 * The chunk protocol `/xenos/chunks/1.0.0`, server side, and the shelf of
 * images a host can serve. An image being fetched is on the shelf too, so a
 * host serves the chunks it already has while it fetches the rest: when one
 * image goes to many hosts at once, they feed each other instead of all
 * drawing on the first holder.
 *
 * A stream carries any number of requests, one after the other. Request: a
 * JSON frame `{ op: 'manifest' | 'have' | 'get', hash, index? }`. Response: a
 * frame whose first byte is a status (0 ok, 1 error + message, 2 not held),
 * then the canonical manifest, the bitmap of held chunks (followed, while the
 * host is itself fetching the image, by the bitmap of chunks it is fetching
 * now), or the chunk bytes.
 *
 * `uploadBps` caps the bytes per second this host sends (all streams
 * together), so replication does not starve the services' own traffic.
 * `concurrentReads` bounds the chunk reads in progress at once (one by
 * default): when many fetchers ask at once, a spinning disk then reads one
 * whole chunk after another instead of seeking between many, and chunks
 * already in the page cache come out at memory speed either way.
 */
import type { Stream } from '@libp2p/interface'
import type { OverlayLibp2p } from '../node.js'
import { FrameReader, decodeJson, writeFrameParts } from '../frames.js'
import { InvalidArgumentError } from '../../errors.js'
import { manifestBytes, manifestHash } from './manifest.js'
import type { ChunkStore } from './chunk-store.js'

export const CHUNK_PROTOCOL = '/xenos/chunks/1.0.0'
export const STATUS_OK = 0
export const STATUS_ERROR = 1
export const STATUS_NOT_HELD = 2
const MAX_REQUEST_BYTES = 4096

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

export interface ChunkServerInit {
  /** Most bytes per second sent by this host, all transfers together. @default unlimited */
  uploadBps?: number
  /** Idle time after which a serving stream is closed. @default 30000 */
  idleTimeoutMs?: number
  /** Chunk reads in progress at once, all streams together. @default 1 */
  concurrentReads?: number
}

/** Chunk reads a chunk server runs at once unless told otherwise. */
export const DEFAULT_CONCURRENT_READS = 1

export class ChunkServer {
  private readonly uploadBps: number | undefined
  private readonly idleTimeoutMs: number
  private readonly concurrentReads: number
  private readsRunning = 0
  private readonly readQueue: Array<() => void> = []
  private nextSendAtMs = 0
  private serving = false
  /** Bytes of chunks sent since start. */
  sentBytes = 0

  constructor (private readonly libp2p: OverlayLibp2p, private readonly shelf: ImageShelf, init: ChunkServerInit = {}) {
    if (init.uploadBps !== undefined && !(init.uploadBps > 0)) throw new InvalidArgumentError('uploadBps', 'a positive number', init.uploadBps)
    this.uploadBps = init.uploadBps
    this.idleTimeoutMs = init.idleTimeoutMs ?? 30_000
    this.concurrentReads = init.concurrentReads ?? DEFAULT_CONCURRENT_READS
    if (!Number.isInteger(this.concurrentReads) || this.concurrentReads < 1) {
      throw new InvalidArgumentError('concurrentReads', 'a positive integer', init.concurrentReads)
    }
  }

  async start (): Promise<void> {
    await this.libp2p.handle(CHUNK_PROTOCOL, stream => this.onStream(stream), { maxInboundStreams: 256 })
    this.serving = true
  }

  async stop (): Promise<void> {
    if (!this.serving) return
    this.serving = false
    if (this.libp2p.status === 'started') await this.libp2p.unhandle(CHUNK_PROTOCOL)
  }

  private async onStream (stream: Stream): Promise<void> {
    const reader = new FrameReader(stream)
    try {
      for (;;) {
        const frame = await reader.read(MAX_REQUEST_BYTES, AbortSignal.timeout(this.idleTimeoutMs))
        if (frame === null) break
        const request = decodeJson(frame, 'chunk request')
        const response = await this.answer(request)
        // only chunk bytes count against the upload cap: a "have" or a manifest
        // answer must not wait behind queued chunks
        const isChunk = (request as Record<string, unknown> | null)?.['op'] === 'get'
        if (isChunk && response[0]![0] === STATUS_OK) await this.pace(response[1]!.byteLength)
        await writeFrameParts(stream, response, AbortSignal.timeout(this.idleTimeoutMs))
      }
      await stream.close()
    } catch (err) {
      // A client that went away, idled, or sent garbage: drop its stream.
      stream.abort(err as Error)
    }
  }

  private async answer (request: unknown): Promise<[Uint8Array, Uint8Array]> {
    const r = (typeof request === 'object' && request !== null ? request : {}) as Record<string, unknown>
    const hash = r['hash']
    if (typeof hash !== 'string') return status(STATUS_ERROR, `expected a string "hash", found ${JSON.stringify(hash)}`)
    const store = this.shelf.get(hash)
    if (store === undefined) return status(STATUS_NOT_HELD, `image ${hash} is not held here`)
    switch (r['op']) {
      case 'manifest':
        return withStatus(manifestBytes(store.manifest))
      case 'have': {
        // the held chunks, then the chunks being fetched here right now
        const held = store.bitmap()
        const inFlight = this.shelf.getInFlight(hash)
        if (inFlight === undefined || inFlight.size === 0) return withStatus(held)
        const both = new Uint8Array(held.byteLength * 2)
        both.set(held)
        for (const i of inFlight) both[held.byteLength + (i >> 3)] = (both[held.byteLength + (i >> 3)] ?? 0) | (0x80 >> (i & 7))
        return withStatus(both)
      }
      case 'get': {
        const index = r['index']
        if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= store.manifest.chunks.length) {
          return status(STATUS_ERROR, `expected "index" in 0..${store.manifest.chunks.length - 1}, found ${JSON.stringify(index)}`)
        }
        if (!store.has(index)) return status(STATUS_NOT_HELD, `chunk ${index} of ${hash} is not held here`)
        const bytes = await this.readChunk(store, index)
        this.sentBytes += bytes.byteLength
        return withStatus(bytes)
      }
      default:
        return status(STATUS_ERROR, `expected "op" manifest, have or get, found ${JSON.stringify(r['op'])}`)
    }
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
    const now = performance.now()
    const startMs = Math.max(now, this.nextSendAtMs)
    this.nextSendAtMs = startMs + (bytes / this.uploadBps) * 1000
    const waitMs = this.nextSendAtMs - now
    if (waitMs > 1) await new Promise(r => setTimeout(r, waitMs))
  }
}

function withStatus (body: Uint8Array): [Uint8Array, Uint8Array] {
  return [Uint8Array.of(STATUS_OK), body]
}

function status (code: number, message: string): [Uint8Array, Uint8Array] {
  return [Uint8Array.of(code), new TextEncoder().encode(message)]
}
