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
 * A waiting `have` (`waitMs` and `wanted`: the chunks the asker wants, as a
 * base64 bitmap) is answered as soon as this host holds one of the wanted
 * chunks: at once if it does already, else when its fetch writes one (the
 * shelf says so), or when `waitMs` has passed on the service's clock,
 * whichever comes first. Its answer always carries both bitmaps, then one
 * byte saying why it came: `HAVE_WANTED` (a wanted chunk is held),
 * `HAVE_ELAPSED` (the wait ran out: ask again) or `HAVE_BUSY` (not waited:
 * `maxWaitingHaves` requests wait already; ask again after a pause). An
 * image that leaves the shelf, or the service closing, answers the waiting
 * requests `not-held`. A holder that predates the waiting `have` answers it
 * at once, as a plain one (no last byte): the asker then pauses before it
 * asks again, as for `HAVE_BUSY`.
 *
 * `uploadBps` caps the bytes per second this host sends (all requests
 * together), so replication does not starve the services' own traffic.
 * `concurrentReads` bounds the chunk reads in progress at once (one by
 * default): when many fetchers ask at once, a spinning disk then reads one
 * whole chunk after another instead of seeking between many, and chunks
 * already in the page cache come out at memory speed either way.
 */
import { bitmapHas, bitmapSet, type ChunkRequest, type ChunkResponse, type ChunkStore, type Clock } from '@xenos/hypervisor-interface'
import { InvalidArgumentError } from '../../errors.js'
import { chunkLength, manifestBytes, manifestHash } from './manifest.js'

/** Told of each chunk an image on the shelf gains, and (`index` undefined) of an image that leaves the shelf or is replaced. */
export type ShelfListener = (hash: string, index: number | undefined) => void

/** The images this host can serve, by manifest hash. */
export class ImageShelf {
  private readonly stores = new Map<string, ChunkStore>()
  private readonly inFlight = new Map<string, ReadonlySet<number>>()
  private readonly listeners = new Set<ShelfListener>()

  /** Hear of the shelf's changes (a chunk service's waiting `have` requests do); returns the function that stops it. */
  watch (listener: ShelfListener): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /** The store of `hash` on the shelf gained chunk `index` (the fetch writing it says so, once written). */
  gained (hash: string, index: number): void {
    this.notify(hash, index)
  }

  private notify (hash: string, index: number | undefined): void {
    for (const l of this.listeners) l(hash, index)
  }

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
    const before = this.stores.get(hash)
    this.stores.set(hash, store)
    if (before !== undefined && before !== store) this.notify(hash, undefined)
    return hash
  }

  get (hash: string): ChunkStore | undefined {
    return this.stores.get(hash)
  }

  remove (hash: string): void {
    const held = this.stores.delete(hash)
    this.inFlight.delete(hash)
    if (held) this.notify(hash, undefined)
  }

  hashes (): string[] {
    return [...this.stores.keys()]
  }

  /** Take every image off the shelf and close its store (the overlay stops). */
  async closeAll (): Promise<void> {
    const stores = [...this.stores.entries()]
    this.stores.clear()
    this.inFlight.clear()
    for (const [hash] of stores) this.notify(hash, undefined)
    for (const [, s] of stores) await s.close()
  }
}

export interface ChunkServiceInit {
  /** Most bytes per second sent by this host, all transfers together. @default unlimited */
  uploadBps?: number
  /** Chunk reads in progress at once, all requests together. @default 1 */
  concurrentReads?: number
  /** Waiting `have` requests held at once, all images together; one more is answered at once (`HAVE_BUSY`). @default 256 */
  maxWaitingHaves?: number
}

/** Chunk reads a host runs at once unless told otherwise. */
export const DEFAULT_CONCURRENT_READS = 1
/** Waiting `have` requests a host holds at once unless told otherwise. */
export const DEFAULT_MAX_WAITING_HAVES = 256
/** The longest a waiting `have` is held, whatever it asks. */
export const MAX_HAVE_WAIT_MS = 30_000

/** The last byte of an answer to a waiting `have`: why it came. */
export const HAVE_WANTED = 1
export const HAVE_ELAPSED = 2
export const HAVE_BUSY = 3

/** Why a waiting `have`'s timer is cancelled: one reason for all (an abort without one makes a DOMException, with its stack). */
const WOKEN = new Error('the waiting have was answered')

/** A waiting `have` held until a wanted chunk arrives. */
interface Waiting {
  wanted: Uint8Array
  wake: () => void
}

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
  private readonly maxWaiting: number
  /** Waiting `have` requests, by image. */
  private readonly waiting = new Map<string, Set<Waiting>>()
  private waitingCount = 0
  private closed = false
  private readonly unwatch: () => void

  constructor (private readonly shelf: ImageShelf, private readonly clock: Clock, init: ChunkServiceInit = {}) {
    if (init.uploadBps !== undefined && !(init.uploadBps > 0)) throw new InvalidArgumentError('uploadBps', 'a positive number', init.uploadBps)
    this.uploadBps = init.uploadBps
    this.concurrentReads = init.concurrentReads ?? DEFAULT_CONCURRENT_READS
    if (!Number.isInteger(this.concurrentReads) || this.concurrentReads < 1) {
      throw new InvalidArgumentError('concurrentReads', 'a positive integer', init.concurrentReads)
    }
    this.maxWaiting = init.maxWaitingHaves ?? DEFAULT_MAX_WAITING_HAVES
    if (!Number.isInteger(this.maxWaiting) || this.maxWaiting < 0) {
      throw new InvalidArgumentError('maxWaitingHaves', 'an integer >= 0', init.maxWaitingHaves)
    }
    this.unwatch = shelf.watch((hash, index) => { this.onShelf(hash, index) })
  }

  /** Waiting `have` requests held now. */
  get waitingHaves (): number { return this.waitingCount }

  /** Stop serving: the waiting `have` requests are answered `not-held`, and so is every later request. */
  close (): void {
    if (this.closed) return
    this.closed = true
    this.unwatch()
    for (const set of this.waiting.values()) for (const w of set) w.wake()
  }

  /** The answer to one request: a bad request gets an `error` answer; only a failure of the service's own clock throws. */
  readonly answer = async (request: ChunkRequest, _fromPeer?: string, signal?: AbortSignal): Promise<ChunkResponse> => {
    if (this.closed) return status('not-held', 'this host\'s chunk service stopped')
    const r = (typeof request === 'object' && request !== null ? request : {}) as unknown as Record<string, unknown>
    const hash = r['hash']
    if (typeof hash !== 'string') return status('error', `expected a string "hash", found ${JSON.stringify(hash)}`)
    const store = this.shelf.get(hash)
    if (store === undefined) return status('not-held', `image ${hash} is not held here`)
    switch (r['op']) {
      case 'manifest':
        return ok(manifestBytes(store.manifest))
      case 'have': {
        if (r['waitMs'] === undefined && r['wanted'] === undefined) return ok(this.haveBody(hash, store, undefined))
        const wait = waitOf(r, store.manifest.chunks.length)
        if (typeof wait === 'string') return status('error', wait)
        return await this.waitingHave(hash, store, wait, signal)
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
   * The held chunks, then the chunks being fetched here right now (only
   * while there are any, unless `why` is given: then both bitmaps, and
   * `why` as the last byte).
   */
  private haveBody (hash: string, store: ChunkStore, why: number | undefined): Uint8Array {
    const held = this.heldBitmap(store)
    const inFlight = this.shelf.getInFlight(hash)
    if (why === undefined && (inFlight === undefined || inFlight.size === 0)) return held
    const n = held.byteLength
    const body = zeroed(n * 2 + (why === undefined ? 0 : 1))
    body.set(held)
    const soon = body.subarray(n, 2 * n)
    for (const i of inFlight ?? []) bitmapSet(soon, i)
    if (why !== undefined) body[2 * n] = why
    return body
  }

  /** A waiting `have`: answered once a wanted chunk is held, the wait ran out, the asker gave up, or the image left the shelf. */
  private async waitingHave (
    hash: string, store: ChunkStore, wait: { waitMs: number, wanted: Uint8Array }, signal: AbortSignal | undefined
  ): Promise<ChunkResponse> {
    if (intersects(this.heldBitmap(store), wait.wanted)) return ok(this.haveBody(hash, store, HAVE_WANTED))
    if (wait.waitMs === 0 || signal?.aborted === true) return ok(this.haveBody(hash, store, HAVE_ELAPSED))
    if (this.waitingCount >= this.maxWaiting) return ok(this.haveBody(hash, store, HAVE_BUSY))
    let set = this.waiting.get(hash)
    if (set === undefined) this.waiting.set(hash, set = new Set())
    let wake: () => void = () => {}
    const woken = new Promise<void>((resolve) => { wake = resolve })
    const entry: Waiting = { wanted: wait.wanted, wake }
    set.add(entry)
    this.waitingCount++
    signal?.addEventListener('abort', wake, { once: true })
    // the bounded wait, on this service's clock (simulated time in a simulator); a wake cancels it, and its sleep then
    // rejects with WOKEN: any other failure is the clock's, thrown here while the request waits, and left to reject
    // (unhandled, so never unseen) once it is answered
    const timer = new AbortController()
    let failure: { err: unknown } | undefined
    let waiting = true
    void this.clock.sleep(wait.waitMs / 1000, timer.signal).then(wake, (err: unknown) => {
      if (err === WOKEN) return
      if (!waiting) throw err
      failure = { err }
      wake()
    })
    try {
      await woken
    } finally {
      waiting = false
      timer.abort(WOKEN)
      signal?.removeEventListener('abort', wake)
      set.delete(entry)
      if (set.size === 0 && this.waiting.get(hash) === set) this.waiting.delete(hash)
      this.waitingCount--
    }
    if (failure !== undefined) throw failure.err
    if (this.closed) return status('not-held', 'this host\'s chunk service stopped')
    const now = this.shelf.get(hash)
    if (now === undefined) return status('not-held', `image ${hash} is not held here any more`)
    return ok(this.haveBody(hash, now, intersects(this.heldBitmap(now), wait.wanted) ? HAVE_WANTED : HAVE_ELAPSED))
  }

  /** A chunk arrived (wake the requests that want it), or the image left the shelf or was replaced (wake them all). */
  private onShelf (hash: string, index: number | undefined): void {
    const set = this.waiting.get(hash)
    if (set === undefined) return
    // waking only resolves a promise: an entry leaves its set after its request's await, not during this loop
    for (const w of set) {
      if (index === undefined || bitmapHas(w.wanted, index)) w.wake()
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

/** A waiting `have`'s fields, checked: the wait (at most `MAX_HAVE_WAIT_MS`) and the wanted bitmap; or what is wrong with them. */
function waitOf (r: Record<string, unknown>, total: number): { waitMs: number, wanted: Uint8Array } | string {
  const waitMs = r['waitMs']
  const wanted = r['wanted']
  if (typeof waitMs !== 'number' || !Number.isFinite(waitMs) || waitMs < 0) {
    return `expected "waitMs" a number of milliseconds >= 0, found ${JSON.stringify(waitMs)}`
  }
  const bytes = Math.ceil(total / 8)
  if (typeof wanted !== 'string') return `expected "wanted" a base64 bitmap of ${bytes} bytes, found ${JSON.stringify(wanted)}`
  const bits = Buffer.from(wanted, 'base64')
  if (bits.byteLength !== bytes) return `expected "wanted" a base64 bitmap of ${bytes} bytes, found ${bits.byteLength} bytes`
  return { waitMs: Math.min(waitMs, MAX_HAVE_WAIT_MS), wanted: bits }
}

/** Some bit is set in both bitmaps. */
function intersects (a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.byteLength; i++) if ((a[i]! & (b[i] ?? 0)) !== 0) return true
  return false
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
