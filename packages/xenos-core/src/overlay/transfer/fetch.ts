/**
 * Fetch an image from several holders at once. The manifest (verified against
 * its hash) comes from the first holder that has it; then every holder is
 * served by `streamsPerHolder` workers, each taking the chunk that
 * chunk-picker.ts chooses (rarest first among the holders' bitmaps; ties go
 * to the first after a random starting point, so hosts fetching the same
 * image at once take different chunks first and then trade them). With a
 * `swarm`, the other hosts fetching the same image now become holders too,
 * as they are found (swarm.ts). Each chunk is verified by SHA-256 on arrival
 * and written to the store; a holder that fails (unreachable, dead, a bad
 * answer or a corrupt chunk) is dropped and its chunk goes back to the pool.
 * Chunks already in the store (a resumed fetch) are not fetched again.
 *
 * On success the store is closed, unless a shelf was given: then it stays
 * open on the shelf, serving the image. On failure it is closed and taken off the shelf; the
 * verified chunks stay in it for a later resume.
 */
import type { OverlayLibp2p } from '../node.js'
import { IntegrityError, TransferError } from '../errors.js'
import { unreachable } from '../unreachable.js'
import { chunkLength, parseManifest, sha256Hex, type Manifest } from './manifest.js'
import { bitmapHas, type ChunkStore } from './chunk-store.js'
import { STATUS_ERROR, STATUS_NOT_HELD, STATUS_OK, type ImageShelf } from './chunk-server.js'
import { ChunkClient } from './chunk-client.js'
import { pickChunk, type ChunkSource } from './chunk-picker.js'
import type { SwarmPeers } from './swarm.js'

export interface FetchInit {
  /** The image's content id (manifest SHA-256). */
  manifestHash: string
  /** Peer ids or multiaddrs of hosts that hold (or are fetching) the image. */
  holders: string[]
  /** Opens the destination once the manifest is known (for example FileChunkStore.openStaging). */
  openStore: (manifest: Manifest) => Promise<ChunkStore>
  /** When given, the store is put on the shelf at once, so this host serves chunks while fetching. */
  shelf?: ImageShelf
  /** Other hosts fetching the image now (partial holders), used as holders as they are found. */
  swarm?: SwarmPeers
  /** Parallel requests per holder. @default 2 */
  streamsPerHolder?: number
  /** Deadline of one request (dial included). @default 30000 */
  requestTimeoutMs?: number
  /** How often a worker asks a holder that lacks chunks which chunks it has now. @default 100 */
  haveRefreshMs?: number
  /** Give up when no chunk arrives for this long while chunks are missing. @default 60000 */
  stallTimeoutMs?: number
  onProgress?: (progress: { chunksHeld: number, chunksTotal: number, bytesFetched: number }) => void
  /** How errors name a holder (a host name for a peer id). @default the peer id or multiaddr itself */
  nameOf?: (ref: string) => string
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
  holders: Array<{ holder: string, chunks: number, bytes: number, failure?: string }>
  durationMs: number
}

interface Holder {
  ref: string
  bitmap: Uint8Array | undefined
  /** The bitmap holds every chunk. */
  complete: boolean
  /** Chunks the holder (itself fetching) is fetching now. */
  soon: Uint8Array | undefined
  refreshedAtMs: number
  refreshing: Promise<void> | undefined
  chunks: number
  bytes: number
  failure: string | undefined
}

export async function fetchImage (libp2p: OverlayLibp2p, init: FetchInit): Promise<FetchReport> {
  const startMs = performance.now()
  const timeoutMs = init.requestTimeoutMs ?? 30_000
  const refreshMs = init.haveRefreshMs ?? 100
  const stallMs = init.stallTimeoutMs ?? 60_000
  const nameOf = (ref: string): string => init.nameOf?.(ref) ?? ref
  const newHolder = (ref: string): Holder => ({ ref, bitmap: undefined, soon: undefined, complete: false, refreshedAtMs: 0, refreshing: undefined, chunks: 0, bytes: 0, failure: undefined })
  const holders: Holder[] = [...new Set(init.holders)].map(newHolder)
  if (holders.length === 0) throw new TransferError(`image ${init.manifestHash}: expected at least one holder, found none`)

  const manifest = await fetchManifest(libp2p, init.manifestHash, holders, timeoutMs, nameOf)
  const store = await init.openStore(manifest)
  init.shelf?.put(store)
  const total = manifest.chunks.length
  const chunksResumed = store.count()
  const inFlight = new Set<number>()
  init.shelf?.setInFlight(init.manifestHash, inFlight)
  let bytesFetched = 0
  let corruptChunks = 0
  let lastProgressMs = performance.now()
  let stalled: string | undefined

  const report = (): FetchReport => ({
    manifestHash: init.manifestHash,
    manifest,
    chunksTotal: total,
    chunksResumed,
    chunksFetched: store.count() - chunksResumed,
    bytesFetched,
    corruptChunks,
    holders: holders.map(h => ({ holder: h.ref, chunks: h.chunks, bytes: h.bytes, ...(h.failure !== undefined ? { failure: h.failure } : {}) })),
    durationMs: performance.now() - startMs
  })
  const live = (): Holder[] => holders.filter(h => h.failure === undefined)
  const done = (): boolean => store.count() === total || stalled !== undefined

  // A random starting point for ties: hosts fetching the same image at once
  // then take different chunks from the first holder and trade them after.
  const startAt = Math.floor(Math.random() * total)
  const asSource = (h: Holder): ChunkSource => ({
    has: i => h.bitmap !== undefined && bitmapHas(h.bitmap, i),
    complete: h.complete,
    fetching: i => h.soon !== undefined && bitmapHas(h.soon, i)
  })
  const pick = (holder: Holder): number | undefined => {
    if (holder.bitmap === undefined) return undefined
    const asked = asSource(holder)
    const sources = live().filter(h => h.bitmap !== undefined).map(h => (h === holder ? asked : asSource(h)))
    return pickChunk({ chunksTotal: total, startAt, held: i => store.has(i), inFlight: i => inFlight.has(i), holder: asked, sources })
  }

  const refresh = (holder: Holder, client: ChunkClient): Promise<void> => {
    holder.refreshing ??= (async () => {
      holder.refreshedAtMs = performance.now()
      const bytes = Math.ceil(total / 8)
      const r = await client.request({ op: 'have', hash: init.manifestHash }, 2 * bytes, timeoutMs)
      if (r.status === STATUS_OK) {
        holder.bitmap = r.body.slice(0, bytes)
        holder.soon = r.body.byteLength >= 2 * bytes ? r.body.slice(bytes, 2 * bytes) : undefined
        holder.complete = countBits(holder.bitmap) === total
      } else if (r.status === STATUS_NOT_HELD) holder.bitmap ??= new Uint8Array(Math.ceil(total / 8))
      else throw new TransferError(`holder ${nameOf(holder.ref)}: ${new TextDecoder().decode(r.body)}`)
    })().finally(() => {
      holder.refreshing = undefined
    })
    return holder.refreshing
  }

  const worker = async (holder: Holder): Promise<void> => {
    let client: ChunkClient | undefined
    try {
      client = await ChunkClient.open(libp2p, holder.ref, timeoutMs)
      if (holder.bitmap === undefined) await refresh(holder, client)
      while (!done() && holder.failure === undefined) {
        // A partial holder gains chunks as it fetches: keep its bitmap fresh.
        if (!holder.complete && performance.now() - holder.refreshedAtMs > refreshMs) await refresh(holder, client)
        const index = pick(holder)
        if (index === undefined) {
          if (performance.now() - lastProgressMs > stallMs) stalled ??= `no chunk arrived for ${stallMs} ms`
          await new Promise(r => setTimeout(r, refreshMs))
          if (!done()) await refresh(holder, client)
          continue
        }
        inFlight.add(index)
        try {
          const r = await client.request({ op: 'get', hash: init.manifestHash, index }, manifest.chunkSizeBytes, timeoutMs)
          if (r.status === STATUS_NOT_HELD) {
            holder.bitmap = undefined
            await refresh(holder, client)
            continue
          }
          if (r.status === STATUS_ERROR || r.status !== STATUS_OK) throw new TransferError(`holder ${nameOf(holder.ref)}: ${new TextDecoder().decode(r.body)}`)
          const found = sha256Hex(r.body)
          if (r.body.byteLength !== chunkLength(manifest, index) || found !== manifest.chunks[index]) {
            corruptChunks++
            throw new IntegrityError(`chunk ${index} from ${nameOf(holder.ref)}: expected SHA-256 ${manifest.chunks[index]}, found ${found}`)
          }
          await store.write(index, r.body)
          holder.chunks++
          holder.bytes += r.body.byteLength
          bytesFetched += r.body.byteLength
          lastProgressMs = performance.now()
          init.onProgress?.({ chunksHeld: store.count(), chunksTotal: total, bytesFetched })
        } finally {
          inFlight.delete(index)
        }
      }
    } catch (err) {
      // This holder is dropped; its chunk returns to the pool for the others.
      holder.failure ??= failureOf(nameOf(holder.ref), err, timeoutMs)
    } finally {
      await client?.close()
    }
  }

  const streams = Math.max(1, init.streamsPerHolder ?? 2)
  const running: Array<Promise<void>> = []
  const self = libp2p.peerId.toString()
  const addHolder = (ref: string): void => {
    if (done() || ref === self || holders.some(h => h.ref === ref)) return
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
    throw new TransferError(`image ${init.manifestHash}: expected ${total} chunks, got ${store.count()} (${stalled ?? 'every holder failed'}; ${reasons}); verified chunks are kept for a resume`)
  }
  await store.finish()
  init.shelf?.setInFlight(init.manifestHash, undefined)
  if (init.shelf === undefined) await store.close()
  return report()
}

async function fetchManifest (libp2p: OverlayLibp2p, hash: string, holders: Holder[], timeoutMs: number, nameOf: (ref: string) => string): Promise<Manifest> {
  const failures: string[] = []
  for (const holder of holders) {
    let client: ChunkClient | undefined
    try {
      client = await ChunkClient.open(libp2p, holder.ref, timeoutMs)
      const r = await client.request({ op: 'manifest', hash }, 64 * 1024 * 1024, timeoutMs)
      if (r.status === STATUS_OK) return parseManifest(r.body, hash)
      failures.push(`${nameOf(holder.ref)}: ${new TextDecoder().decode(r.body)}`)
    } catch (err) {
      failures.push(`${nameOf(holder.ref)}: ${failureOf(nameOf(holder.ref), err, timeoutMs)}`)
    } finally {
      await client?.close()
    }
  }
  throw new TransferError(`image ${hash}: expected a holder to supply its manifest, found none (${failures.join('; ')})`)
}

/** Why a holder failed, in words: a refusal or a timeout is said as such (not as libp2p's "The operation was aborted"), anything else by its error. */
function failureOf (holder: string, err: unknown, timeoutMs: number): string {
  if (!(err instanceof Error)) return String(err)
  if (err instanceof TransferError || err instanceof IntegrityError) return `${err.name}: ${err.message}`
  const why = unreachable(holder, err, timeoutMs)
  return why.kind === 'unreachable' ? `${err.name}: ${err.message}` : why.message
}

function countBits (bitmap: Uint8Array): number {
  let n = 0
  for (const byte of bitmap) {
    let b = byte
    while (b !== 0) {
      b &= b - 1
      n++
    }
  }
  return n
}
