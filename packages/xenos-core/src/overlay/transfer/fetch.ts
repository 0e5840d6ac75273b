/**
 * Fetch an image from several holders at once, over any `ChunkTransport`
 * (the libp2p overlay on real hosts, a simulator's network on simulated
 * ones): the one transfer algorithm of Xenos.
 *
 * The manifest (verified against its hash) comes from the first holder that
 * has it; then every holder is served by `streamsPerHolder` workers, each
 * taking the chunk that chunk-picker.ts chooses (rarest first among the
 * holders' bitmaps; in a swarm, ties go to the first after a random starting
 * point drawn from the transport, so hosts fetching the same image at once
 * take different chunks first and then trade them; alone, to the first in
 * order). A worker learns what a
 * holder has from its `have` answers. While the holder is itself fetching,
 * a busy worker asks again before a pick when the last answer is older than
 * `haveRefreshMs`, and a worker with nothing to take sends a waiting `have`
 * (chunk-service.ts): the holder answers once it holds a chunk this host
 * wants, or after `haveWaitMs`, so an idle worker costs one request per
 * chunk it can take, not one per `haveRefreshMs`; a holder that answers at
 * once (one that does not know the waiting `have`, or holds too many) is
 * asked again after `haveRefreshMs`. A complete holder is asked nothing
 * while every chunk wanted is had or fetched by a partial holder: its
 * workers wait until that may change (a chunk wanted again, a partial
 * holder that no longer has or fetches one, a holder dropped or become
 * complete), at most `haveWaitMs`. With a `swarm`, the other hosts
 * fetching the same image now become holders too, as they are found
 * (swarm.ts). Each chunk is verified by SHA-256 on arrival and written to
 * the store while the worker receives its next one (one write pending per
 * worker); a holder that misses a request's deadline is asked again after
 * a pause (doubled at each miss in a row, `timeoutRetries` times), and one
 * that keeps missing them or fails otherwise (unreachable, dead, a bad
 * answer or a corrupt chunk) is dropped and its chunk goes back to the pool. Chunks
 * already in the store (a resumed fetch) are not fetched again.
 *
 * On success the store is closed, unless a shelf was given: then it stays
 * open on the shelf, serving the image. On failure it is closed and taken
 * off the shelf; the verified chunks stay in it for a later resume.
 */
import {
  bitmapClear, bitmapSet, type ChunkChannel, type ChunkResponse, type ChunkStore, type ChunkTransport, type SwarmView
} from '@xenos/hypervisor-interface'
import { IntegrityError, TransferError } from '../errors.js'
import { unreachable } from '../unreachable.js'
import { parseManifest, sha256Hex, type Manifest } from './manifest.js'
import { pickChunk } from './chunk-picker.js'
import { HAVE_BUSY, HAVE_ELAPSED, HAVE_WANTED, type ImageShelf } from './chunk-service.js'
import { MAX_REQUEST_BYTES } from './chunk-protocol.js'

export interface FetchInit {
  /** The image's content id (manifest SHA-256). */
  manifestHash: string
  /** Peer ids of hosts that hold (or are fetching) the image. */
  holders: string[]
  /** Opens the destination once the manifest is known (for example FileChunkStore.openStaging). */
  openStore: (manifest: Manifest) => Promise<ChunkStore>
  /** When given, the store is put on the shelf at once, so this host serves chunks while fetching. */
  shelf?: ImageShelf
  /** Other hosts fetching the image now (partial holders), used as holders as they are found. */
  swarm?: SwarmView
  /** Parallel requests per holder. @default 2 */
  streamsPerHolder?: number
  /** Deadline of one request (opening the channel included). @default 30000 */
  requestTimeoutMs?: number
  /**
   * How old a partial holder's last `have` answer may be when a worker picks its next chunk from it; and how long a
   * worker pauses before asking again a holder that answered a waiting `have` at once. @default 100
   */
  haveRefreshMs?: number
  /** The longest a holder may hold a waiting `have` (0: poll every `haveRefreshMs` instead). @default 1000 */
  haveWaitMs?: number
  /** Give up when no chunk arrives for this long while chunks are missing. @default 60000 */
  stallTimeoutMs?: number
  /** Deadlines a holder may miss in a row before it is dropped (each followed by a pause). @default 5 */
  timeoutRetries?: number
  /** The pause after a missed deadline, doubled after each further one in a row. @default 500 */
  retryDelayMs?: number
  /** The longest such pause. @default 8000 */
  retryMaxDelayMs?: number
  onProgress?: (progress: { chunksHeld: number, chunksTotal: number, bytesFetched: number }) => void
  /** How errors name a holder (a host name for a peer id). @default the peer id itself */
  nameOf?: (ref: string) => string
}

/** This host on the transport that carries the fetch. */
export interface FetchPort {
  transport: ChunkTransport
  /** This host's peer id. */
  self: string
}

export interface FetchReport {
  manifestHash: string
  manifest: Manifest
  chunksTotal: number
  /** Chunks found already verified in the store (resumed fetch). */
  chunksResumed: number
  chunksFetched: number
  bytesFetched: number
  /** Chunks that failed verification (each dropped its holder). */
  corruptChunks: number
  /** Per holder: chunks and bytes it sent, deadlines it missed (each retried), and why it was dropped. */
  holders: Array<{ holder: string, chunks: number, bytes: number, timeouts: number, failure?: string }>
  /** On the transport's clock. */
  durationMs: number
}

/** One worker's state: the chunk it is writing, and the deadlines its holder missed in a row. */
interface WorkerState { pendingWrite: Promise<void>, missed: number }

/** Why an idle worker's timer is cancelled (one reason for all: an abort without one makes a DOMException, with its stack). */
const IDLE_OVER = new Error('the idle wait is over')

/** Room for a holder's error or "not held" message in an answer. */
const MESSAGE_BYTES = 4096

interface Holder {
  ref: string
  /** Chunks it has, as last answered; undefined until its first `have` answer. */
  bitmap: Uint8Array | undefined
  /** The bitmap holds every chunk. */
  complete: boolean
  /** Chunks the holder (itself fetching) is fetching now, as last answered (in `soonBuffer`). */
  soon: Uint8Array | undefined
  soonBuffer: Uint8Array | undefined
  refreshedAtMs: number
  /** The `have` request in flight, shared by the holder's workers; `waiting` when it is a waiting one. */
  refreshing: Promise<void> | undefined
  waiting: boolean
  /** Why the last answer to a waiting `have` came (`HAVE_WANTED`...), undefined when the holder answered it as a plain one. */
  waitAnswer: number | undefined
  chunks: number
  bytes: number
  /** Deadlines it missed (each retried after a pause). */
  timeouts: number
  failure: string | undefined
}

export async function fetchImage (port: FetchPort, init: FetchInit): Promise<FetchReport> {
  const { transport } = port
  const clock = transport.clock
  const nowMs = (): number => clock.nowS() * 1000
  const startMs = nowMs()
  const timeoutMs = init.requestTimeoutMs ?? 30_000
  const refreshMs = init.haveRefreshMs ?? 100
  const waitMs = init.haveWaitMs ?? 1000
  const stallMs = init.stallTimeoutMs ?? 60_000
  const nameOf = (ref: string): string => init.nameOf?.(ref) ?? ref
  const timeoutRetries = init.timeoutRetries ?? 5
  const retryMs = init.retryDelayMs ?? 500
  const retryMaxMs = init.retryMaxDelayMs ?? 8000
  const newHolder = (ref: string): Holder => ({
    ref, bitmap: undefined, soon: undefined, soonBuffer: undefined, complete: false, refreshedAtMs: 0, refreshing: undefined, waiting: false,
    waitAnswer: undefined, chunks: 0, bytes: 0, timeouts: 0, failure: undefined
  })
  const holders: Holder[] = [...new Set(init.holders)].map(newHolder)
  if (holders.length === 0) throw new TransferError(`image ${init.manifestHash}: expected at least one holder, found none`)

  const retry: Retry = { retries: timeoutRetries, delayMs: retryMs, maxDelayMs: retryMaxMs }
  const manifest = await fetchManifest(port, init.manifestHash, holders, timeoutMs, retry, nameOf)
  const store = await init.openStore(manifest)
  init.shelf?.put(store)
  const total = manifest.chunks.length
  const bitmapBytes = Math.ceil(total / 8)
  const NOTHING_HELD = new Uint8Array(bitmapBytes)
  const chunksResumed = store.count()
  const inFlight = new Set<number>()
  init.shelf?.setInFlight(init.manifestHash, inFlight)
  const book = new ChunkBook(total)
  for (let i = 0; i < total; i++) if (!store.has(i)) bitmapSet(book.wanted, i)
  let bytesFetched = 0
  let corruptChunks = 0
  let lastProgressMs = nowMs()
  let stopped: string | undefined
  /** Aborted once the fetch is done: waiting `have` requests are given up. */
  const ended = new AbortController()
  const checkEnd = (): void => { if (done()) ended.abort() }
  const endedOrStopped = new Promise<void>((resolve) => { ended.signal.addEventListener('abort', () => { resolve() }, { once: true }) })
  /** Until the book may give a complete holder a chunk to send, the fetch ends, or `haveWaitMs` passed (the stall check). */
  const idle = async (): Promise<void> => {
    const timer = new AbortController()
    // the sleep this wait cancels rejects with IDLE_OVER; any other failure is the clock's: thrown here while the wait
    // lasts, and left to reject (unhandled, so never unseen) once it is over
    let failure: { err: unknown } | undefined
    let waiting = true
    const bound = clock.sleep(waitMs / 1000, timer.signal).catch((err: unknown) => {
      if (err === IDLE_OVER) return
      if (!waiting) throw err
      failure = { err }
    })
    try {
      await Promise.race([book.nextChange(), endedOrStopped, bound])
    } finally {
      waiting = false
      timer.abort(IDLE_OVER)
    }
    if (failure !== undefined) throw failure.err
  }
  // a waiting `have` names the wanted chunks in its request, which must stay within the protocol's request size
  const canWait = waitMs > 0 && 4 * Math.ceil(bitmapBytes / 3) + init.manifestHash.length + 64 <= MAX_REQUEST_BYTES

  const report = (): FetchReport => ({
    manifestHash: init.manifestHash,
    manifest,
    chunksTotal: total,
    chunksResumed,
    chunksFetched: store.count() - chunksResumed,
    bytesFetched,
    corruptChunks,
    holders: holders.map(h => ({
      holder: h.ref, chunks: h.chunks, bytes: h.bytes, timeouts: h.timeouts, ...(h.failure !== undefined ? { failure: h.failure } : {})
    })),
    durationMs: nowMs() - startMs
  })
  const done = (): boolean => store.count() === total || stopped !== undefined

  // Ties go to the first chunk from a starting point: in a swarm a random one, so that hosts
  // fetching the same image at once take different chunks from the first holder and trade them
  // after; alone, the first chunk, so the holder's file is read in order (as a copy would),
  // and hosts copying it at once read it through the holder's page cache together.
  const startAt = init.swarm === undefined ? 0 : Math.floor(transport.random() * total)
  const pick = (holder: Holder): number | undefined => {
    if (holder.bitmap === undefined) return undefined
    const elsewhere = holder.complete ? book.elsewhere() : undefined
    return pickChunk({
      chunksTotal: total, startAt, wanted: book.wanted, holder: holder.bitmap, availability: book.availability,
      ...(elsewhere === undefined ? {} : { elsewhere })
    })
  }
  /** A request to `holder`, its missed deadline counted. */
  const counted = async <T>(holder: Holder, request: Promise<T>): Promise<T> => {
    try {
      return await request
    } catch (err) {
      if (isTimeout(err)) holder.timeouts++
      throw err
    }
  }
  const fail = (holder: Holder, err: unknown): void => {
    if (holder.failure !== undefined) return
    holder.failure = failureOf(nameOf(holder.ref), err, timeoutMs)
    book.drop(holder)
  }

  /**
   * Ask `holder` what it has (the holder's workers share one request). A waiting one (`wait`) names the chunks this
   * host wants; it is given up, unanswered, when the fetch ends.
   */
  const refresh = (holder: Holder, channel: ChunkChannel, wait = false): Promise<void> => {
    holder.refreshing ??= (async () => {
      holder.refreshedAtMs = nowMs()
      holder.waiting = wait
      const wanted = wait ? Buffer.from(book.wanted.buffer, book.wanted.byteOffset, bitmapBytes).toString('base64') : undefined
      const request = wanted === undefined ? { op: 'have' as const, hash: init.manifestHash } : { op: 'have' as const, hash: init.manifestHash, waitMs, wanted }
      // room for both bitmaps and a waiting answer's last byte, or for a holder's message saying why it has none
      const limits = { timeoutMs, maxBytes: Math.max(2 * bitmapBytes + 1, MESSAGE_BYTES), ...(wait ? { signal: ended.signal } : {}) }
      let r: ChunkResponse
      try {
        r = await counted(holder, channel.request(request, limits))
      } catch (err) {
        if (ended.signal.aborted) return // the fetch is done: the answer is not needed
        throw err
      }
      if (holder.failure !== undefined) return
      if (wait) holder.refreshedAtMs = nowMs()
      if (r.status === 'ok') {
        if (r.body.byteLength < bitmapBytes) {
          throw new TransferError(`holder ${nameOf(holder.ref)}: expected a bitmap of ${bitmapBytes} bytes, found ${r.body.byteLength}`)
        }
        // a waiting have's answer: both bitmaps and why it came; a plain one (also a holder's that does not wait): no last byte
        const why = wait && r.body.byteLength === 2 * bitmapBytes + 1 ? r.body[2 * bitmapBytes] : undefined
        holder.waitAnswer = why === HAVE_WANTED || why === HAVE_ELAPSED || why === HAVE_BUSY ? why : undefined
        book.update(holder, r.body, r.body.byteLength >= 2 * bitmapBytes)
      } else if (r.status === 'not-held') {
        // it does not hold the image (any more)
        holder.waitAnswer = undefined
        book.update(holder, NOTHING_HELD, false)
      } else throw new TransferError(`holder ${nameOf(holder.ref)}: ${new TextDecoder().decode(r.body)}`)
    })().finally(() => {
      holder.refreshing = undefined
      holder.waiting = false
    })
    return holder.refreshing
  }

  const write = async (index: number, bytes: Uint8Array): Promise<void> => {
    try {
      await store.write(index, bytes)
      bytesFetched += chunkBytes(manifest, index)
      lastProgressMs = nowMs()
      init.onProgress?.({ chunksHeld: store.count(), chunksTotal: total, bytesFetched })
      // the hosts waiting for a chunk this host gains hear of it
      init.shelf?.gained(init.manifestHash, index)
    } catch (err) {
      // a local write that fails ends the fetch: no holder can help
      stopped ??= `writing chunk ${index} failed: ${(err as Error).message}`
      book.want(index)
    } finally {
      inFlight.delete(index)
      checkEnd()
    }
  }

  const worker = async (holder: Holder): Promise<void> => {
    const w: WorkerState = { pendingWrite: Promise.resolve(), missed: 0 }
    try {
      while (!done() && holder.failure === undefined) {
        let channel: ChunkChannel | undefined
        try {
          channel = await transport.open(port.self, holder.ref, timeoutMs)
          if (holder.bitmap === undefined) await refresh(holder, channel)
          await take(holder, channel, w)
        } catch (err) {
          // A holder that missed a deadline (busy, or on a loaded network) is asked again after a pause
          // that doubles each time; one that keeps missing them, or fails otherwise, is dropped: its
          // chunk returns to the pool for the others.
          if (isTimeout(err) && w.missed < timeoutRetries && !done()) {
            w.missed++
            await clock.sleep(Math.min(retryMaxMs, retryMs * 2 ** (w.missed - 1)) / 1000)
            continue
          }
          fail(holder, err)
        } finally {
          await channel?.close()
        }
      }
    } finally {
      await w.pendingWrite
    }
  }

  /** Take chunks from `holder` over `channel` until the fetch is done or the holder fails (throws). */
  const take = async (holder: Holder, channel: ChunkChannel, w: WorkerState): Promise<void> => {
    while (!done() && holder.failure === undefined) {
      // A partial holder gains chunks as it fetches: keep its bitmap fresh (a waiting `have` in flight will).
      if (!holder.complete && !holder.waiting && nowMs() - holder.refreshedAtMs > refreshMs) await refresh(holder, channel)
      const index = pick(holder)
      if (index === undefined) {
        if (nowMs() - lastProgressMs > stallMs) {
          stopped ??= `no chunk arrived for ${stallMs} ms`
          checkEnd()
          break
        }
        if (holder.complete && canWait) {
          // a complete holder's answer would not change: wait for the others' progress to give it a chunk to send
          await idle()
          continue
        }
        if (holder.complete || !canWait) {
          await clock.sleep(refreshMs / 1000)
          if (!done() && holder.failure === undefined && !holder.complete) await refresh(holder, channel)
          continue
        }
        // wait until the holder has a chunk this host wants; a holder that answered at once is asked again after a pause
        await refresh(holder, channel, true)
        if (holder.waitAnswer !== HAVE_WANTED && holder.waitAnswer !== HAVE_ELAPSED && !done() && holder.failure === undefined) {
          await clock.sleep(refreshMs / 1000)
        }
        continue
      }
      inFlight.add(index)
      bitmapClear(book.wanted, index)
      let writing = false
      try {
        const limits = { timeoutMs, maxBytes: Math.max(manifest.chunkSizeBytes, MESSAGE_BYTES) }
        const r = await counted(holder, channel.request({ op: 'get', hash: init.manifestHash, index }, limits))
        if (r.status === 'not-held') {
          await refresh(holder, channel)
          continue
        }
        if (r.status !== 'ok') throw new TransferError(`holder ${nameOf(holder.ref)}: ${new TextDecoder().decode(r.body)}`)
        // the SHA-256 the manifest lists stands for the chunk's bytes, its length included
        const found = sha256Hex(r.body)
        if (found !== manifest.chunks[index]) {
          corruptChunks++
          throw new IntegrityError(`chunk ${index} from ${nameOf(holder.ref)}: expected SHA-256 ${manifest.chunks[index]}, found ${found}`)
        }
        w.missed = 0
        holder.chunks++
        holder.bytes += chunkBytes(manifest, index)
        // this chunk goes to the store while the next one is received; the one before must be written first
        await w.pendingWrite
        w.pendingWrite = write(index, r.body)
        writing = true
      } finally {
        if (!writing) {
          inFlight.delete(index)
          if (!store.has(index)) book.want(index)
        }
      }
    }
  }

  const streams = Math.max(1, init.streamsPerHolder ?? 2)
  const running: Array<Promise<void>> = []
  const addHolder = (ref: string): void => {
    if (done() || ref === port.self || holders.some(h => h.ref === ref)) return
    const h = newHolder(ref)
    holders.push(h)
    for (let k = 0; k < streams; k++) running.push(worker(h))
  }
  const unsubscribe = init.swarm?.onPeer(addHolder)
  for (const h of holders) for (let k = 0; k < streams; k++) running.push(worker(h))
  for (const p of init.swarm?.peers() ?? []) addHolder(p)
  try {
    // workers of holders found meanwhile are awaited too
    for (let settled = 0; settled < running.length; settled = running.length) await Promise.all(running.slice(settled))
  } finally {
    unsubscribe?.()
  }
  if (store.count() !== total) {
    init.shelf?.remove(init.manifestHash)
    await store.close()
    const reasons = holders.map(h => `${nameOf(h.ref)}: ${h.failure ?? 'no more chunks'}`).join('; ')
    const why = `${stopped ?? 'every holder failed'}; ${reasons}`
    throw new TransferError(`image ${init.manifestHash}: expected ${total} chunks, got ${store.count()} (${why}); verified chunks are kept for a resume`)
  }
  await store.finish()
  init.shelf?.setInFlight(init.manifestHash, undefined)
  if (init.shelf === undefined) await store.close()
  return report()
}

/** What the fetch knows of its sources: availability per chunk, and what it still wants. */
class ChunkBook {
  /** Chunks this host lacks and is not fetching. */
  readonly wanted: Uint8Array
  /** How many live sources have each chunk. */
  readonly availability: Uint16Array
  private readonly sources = new Set<Holder>()
  private version = 0
  private cached: { version: number, bits: Uint8Array } | undefined
  private next: Promise<void> | undefined
  private wakeNext: (() => void) | undefined

  constructor (private readonly total: number) {
    this.wanted = new Uint8Array(Math.ceil(total / 8))
    this.availability = new Uint16Array(total)
  }

  /**
   * A source's `have` answer: the bitmap of its chunks in `answer`'s first
   * bytes and, with `withSoon`, the bitmap of the chunks it is fetching now
   * right after. Both are copied into the source's own bitmaps (made once;
   * an answer is polled often, and is not kept), bits past the last chunk
   * cleared (a holder's answer is not trusted to).
   */
  update (holder: Holder, answer: Uint8Array, withSoon: boolean): void {
    const bytes = this.wanted.byteLength
    const tail = this.total % 8 === 0 ? 0xff : (0xff << (8 - this.total % 8)) & 0xff
    const bitmap = holder.bitmap ?? new Uint8Array(bytes)
    const soonBefore = holder.soon
    const soon = withSoon ? holder.soonBuffer ??= new Uint8Array(bytes) : undefined
    let held = 0
    // chunks the source had or was fetching and no longer has or fetches
    let lost = 0
    for (let b = 0; b < bytes; b++) {
      const mask = b === bytes - 1 ? tail : 0xff
      const was = bitmap[b]!
      const now = answer[b]! & mask
      const nowSoon = soon === undefined ? 0 : answer[bytes + b]! & mask
      lost |= (was | (soonBefore?.[b] ?? 0)) & ~(now | nowSoon)
      if (soon !== undefined) soon[b] = nowSoon
      held += POPCOUNT[now]!
      if (was === now) continue
      this.count(b, now & ~was, 1)
      this.count(b, was & ~now, -1)
      bitmap[b] = now
    }
    holder.bitmap = bitmap
    holder.soon = soon
    const wasComplete = holder.complete
    holder.complete = held === this.total
    this.sources.add(holder)
    this.version++
    // a chunk no partial source has or fetches any more may now be asked of a complete holder
    if (lost !== 0 || holder.complete !== wasComplete) this.changed()
  }

  /** A source failed: its chunks no longer count. */
  drop (holder: Holder): void {
    if (!this.sources.delete(holder) || holder.bitmap === undefined) return
    for (let b = 0; b < holder.bitmap.byteLength; b++) this.count(b, holder.bitmap[b]!, -1)
    this.version++
    this.changed()
  }

  /** Chunk `index` is wanted again (its request or its write failed). */
  want (index: number): void {
    bitmapSet(this.wanted, index)
    this.changed()
  }

  /**
   * Resolves at the next change that may give a complete holder a chunk to
   * send: a chunk wanted again, a partial source that no longer has or
   * fetches a chunk, a source dropped or become complete. Its workers wait
   * for it instead of picking again every `haveRefreshMs`.
   */
  nextChange (): Promise<void> {
    this.next ??= new Promise<void>((resolve) => { this.wakeNext = resolve })
    return this.next
  }

  private changed (): void {
    const wake = this.wakeNext
    this.next = undefined
    this.wakeNext = undefined
    wake?.()
  }

  /**
   * Chunks some live partial source has or is fetching: what a complete
   * holder is not asked for. The same for every complete holder (none of them
   * is a partial source), so it is made again only when an answer or a drop
   * changed the book, not each time another complete holder asks: late in a
   * swarm fetch, the hosts that finished are many complete holders picking in
   * turn.
   */
  elsewhere (): Uint8Array {
    if (this.cached?.version === this.version) return this.cached.bits
    // one array, made again in place: a pick reads it at once and keeps nothing of it
    const bits = this.cached?.bits.fill(0) ?? new Uint8Array(this.wanted.byteLength)
    for (const s of this.sources) {
      if (s.complete || s.bitmap === undefined) continue
      for (let b = 0; b < bits.byteLength; b++) bits[b] = bits[b]! | s.bitmap[b]! | (s.soon?.[b] ?? 0)
    }
    this.cached = { version: this.version, bits }
    return bits
  }

  private count (byte: number, bits: number, delta: number): void {
    for (let m = bits & 0xff; m !== 0; m &= m - 1) {
      const i = (byte << 3) + (Math.clz32(m & -m) - 24)
      if (i < this.total) this.availability[i] = this.availability[i]! + delta
    }
  }
}

/** How a holder that missed a deadline is asked again: how many times in a row, after a pause that doubles up to a longest one. */
interface Retry { retries: number, delayMs: number, maxDelayMs: number }

/**
 * The manifest from the first holder that supplies it. When every holder
 * that failed only missed its deadline, the round is tried again after a
 * pause that doubles each time (`retry.retries` times at most).
 */
async function fetchManifest (
  port: FetchPort, hash: string, holders: Holder[], timeoutMs: number, retry: Retry, nameOf: (ref: string) => string
): Promise<Manifest> {
  const failures: string[] = []
  for (let round = 0; ; round++) {
    let onlyTimeouts = true
    for (const holder of holders) {
      let channel: ChunkChannel | undefined
      try {
        channel = await port.transport.open(port.self, holder.ref, timeoutMs)
        const r = await channel.request({ op: 'manifest', hash }, { timeoutMs, maxBytes: 64 * 1024 * 1024 })
        if (r.status === 'ok') return parseManifest(r.body, hash)
        onlyTimeouts = false
        failures.push(`${nameOf(holder.ref)}: ${new TextDecoder().decode(r.body)}`)
      } catch (err) {
        if (isTimeout(err)) holder.timeouts++
        else onlyTimeouts = false
        failures.push(`${nameOf(holder.ref)}: ${failureOf(nameOf(holder.ref), err, timeoutMs)}`)
      } finally {
        await channel?.close()
      }
    }
    if (!onlyTimeouts || round >= retry.retries) break
    await port.transport.clock.sleep(Math.min(retry.maxDelayMs, retry.delayMs * 2 ** round) / 1000)
  }
  throw new TransferError(`image ${hash}: expected a holder to supply its manifest, found none (${failures.join('; ')})`)
}

/** Size in bytes of chunk `index` (the last one may be short). */
function chunkBytes (m: Manifest, index: number): number {
  return Math.min(m.chunkSizeBytes, m.sizeBytes - index * m.chunkSizeBytes)
}

/** Set bits of each byte value. */
const POPCOUNT = Uint8Array.from({ length: 256 }, (_, v) => {
  let n = 0
  for (let b = v; b !== 0; b &= b - 1) n++
  return n
})

/** Why a holder failed, in words: a refusal or a timeout is said as such (not as libp2p's "The operation was aborted"), anything else by its error. */
function failureOf (holder: string, err: unknown, timeoutMs: number): string {
  if (!(err instanceof Error)) return String(err)
  if (err instanceof TransferError || err instanceof IntegrityError) return `${err.name}: ${err.message}`
  const why = unreachable(holder, err, timeoutMs)
  return why.kind === 'unreachable' ? `${err.name}: ${err.message}` : why.message
}

/** A missed deadline (the request's, or a dial's), anywhere in `err`'s causes: the holder may answer later. */
function isTimeout (err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 8) return false
  if (TIMEOUT_ERRORS.has(err.name)) return true
  const nested = Array.isArray((err as AggregateError).errors) ? (err as AggregateError).errors : [err.cause]
  return nested.some(e => isTimeout(e, depth + 1))
}

const TIMEOUT_ERRORS = new Set(['OverlayTimeoutError', 'TimeoutError', 'AbortError'])
