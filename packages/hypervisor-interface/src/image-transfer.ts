/**
 * How template images move between hosts, as a backend provides it: the
 * port under xenos-core's one transfer algorithm (holder check, the paper's
 * whole copy through a staging image, verified chunks, rarest-first
 * swarming).
 *
 * An image travels as a manifest (its size, its chunk size and the SHA-256
 * of each chunk; the SHA-256 of the manifest names the image) and its
 * chunks. A backend supplies:
 * - a `ChunkImageStore`: its images as chunks (the manifest of an image it
 *   holds, a complete image opened for serving, a destination opened for a
 *   fetch that becomes an image of the driver's store once every chunk is
 *   in);
 * - optionally a `ChunkTransport`: how chunk requests reach other hosts, on
 *   which clock the fetch waits and where its chance comes from. Without
 *   one, a coordinator uses its libp2p overlay and the wall clock (real
 *   hosts); a simulator moves the requests as flows of its simulated
 *   network, on its simulated clock, with its seeded random source.
 *
 * Chunk bytes: on real hosts a chunk is its bytes. A simulator moves sizes,
 * not bytes: it represents a chunk by a short stand-in whose SHA-256 its
 * manifests list, and charges the chunk's real length (`ChunkResponse.sizeBytes`)
 * to its disks and links. The fetch verifies what arrives against the
 * manifest either way.
 */
import type { Clock } from './clock.js'

/** The chunk size of manifests, unless a store states a reason for another: 4 MiB. */
export const CHUNK_SIZE_BYTES = 4 * 1024 * 1024

/** An image cut in fixed-size chunks, each named by its SHA-256. */
export interface ImageManifest {
  version: 1
  sizeBytes: number
  chunkSizeBytes: number
  /** SHA-256 of each chunk, lowercase hex, in order. */
  chunks: string[]
}

/** One image as chunks, open for serving (complete) or for a fetch (filling). */
export interface ChunkStore {
  readonly manifest: ImageManifest
  has(index: number): boolean
  /** Number of chunks held. */
  count(): number
  /** The held chunks as a bitmap (bit i of byte i>>3, most significant first). */
  bitmap(): Uint8Array
  /** The chunk's bytes (or a simulator's stand-in for them). */
  read(index: number): Promise<Uint8Array>
  /** Store a chunk the caller has verified against the manifest. */
  write(index: number, bytes: Uint8Array): Promise<void>
  /** Called once every chunk is held: make the image final (it then exists in the driver's store). */
  finish(): Promise<void>
  close(): Promise<void>
}

/** A host's images, as the transfer sees them. */
export interface ChunkImageStore {
  /** Describes the image at `path` (a path of the driver's image store) as chunks. */
  manifest(path: string): Promise<ImageManifest>
  /** Changes whenever the image at `path` changes (manifests are cached under it). */
  version(path: string): Promise<string>
  /** The complete image at `path`, which must match `manifest`, opened for serving. */
  openComplete(path: string, manifest: ImageManifest): Promise<ChunkStore>
  /** The destination of a fetch of `manifest` to `path`: resumed when an earlier fetch left verified chunks, else empty. */
  openStaging(path: string, manifest: ImageManifest): Promise<ChunkStore>
}

/** A request of the chunk protocol. */
export interface ChunkRequest {
  op: 'manifest' | 'have' | 'get'
  /** The image's content id (the manifest's SHA-256). */
  hash: string
  /** The chunk, for `get`. */
  index?: number
  /**
   * For `have`, a waiting `have`: the longest the holder may wait, in
   * milliseconds, for a chunk of `wanted` before it answers. A holder that
   * does not know the field answers at once (see `ChunkService`).
   */
  waitMs?: number
  /** For a waiting `have`: the chunks the asker wants, as a bitmap in base64. */
  wanted?: string
}

/** Outcome of a request: the image or chunk is held and here it is, something failed, or it is not held there. */
export type ChunkStatus = 'ok' | 'error' | 'not-held'

export interface ChunkResponse {
  status: ChunkStatus
  /**
   * The canonical manifest, the bitmap(s) of `have`, the chunk (or its stand-in), or an error message.
   * Read-only: a server may hand the same bytes to several answers (a transport that carries the
   * response object itself, as a simulator's does, passes them on as they are).
   */
  body: Uint8Array
  /** Bytes the answer carries over the network: `body`'s length, or a chunk's real length where `body` stands in for it. */
  sizeBytes: number
}

/**
 * Answers chunk requests from one host's shelf of images. `signal`, when the
 * transport gives one, aborts once the asker no longer waits for the answer
 * (a waiting `have` it gave up): the handler may then answer at once.
 */
export type ChunkHandler = (request: ChunkRequest, fromPeer: string, signal?: AbortSignal) => Promise<ChunkResponse>

/** A conversation with one holder: requests one after the other. */
export interface ChunkChannel {
  /**
   * One request; an answer larger than `maxBytes` (of `body`) or later than `timeoutMs` fails it, and so
   * does `signal` aborting (the asker gives up waiting: the channel is not used again).
   */
  request(request: ChunkRequest, limits: { timeoutMs: number, maxBytes: number, signal?: AbortSignal }): Promise<ChunkResponse>
  close(): Promise<void>
}

/** How chunk requests travel between hosts, timed on one clock. */
export interface ChunkTransport {
  /** The clock the fetch waits on (between polls of a holder, for stalls). */
  readonly clock: Clock
  /**
   * The clock a chunk service answering over this transport waits on (a waiting `have`'s bounded wait), when it is not
   * `clock`: a simulator's service waits on behalf of the asker, whose request is already awaited as simulated work.
   * @default clock
   */
  readonly serviceClock?: Clock
  /** Uniform in [0, 1): where a fetch's chance comes from (its starting chunk). */
  random(): number
  /** Serve `handler` as the host `peerId`; returns the function that stops serving. */
  listen(peerId: string, handler: ChunkHandler): Promise<() => Promise<void>>
  /** A channel from `fromPeer` to the holder `peerId`. */
  open(fromPeer: string, peerId: string, timeoutMs: number): Promise<ChunkChannel>
  /**
   * Join the swarm of the image `manifestHash` as the host `self`: the
   * other hosts fetching that image now, which a fetch takes chunks from
   * as they are found. On real hosts the swarm is an overlay group whose
   * members learn of each other from the membership table; a simulator
   * keeps its own table, in simulated time. `leave()` when the fetch ends.
   */
  joinSwarm(manifestHash: string, self: string): Promise<Swarm>
}

/** The other members of an image's swarm, as a fetch sees them. */
export interface SwarmView {
  /** Peer ids of the other members now. */
  peers(): string[]
  /** Called with the peer id of each member that joins later. Returns the unsubscribe function. */
  onPeer(listener: (peerId: string) => void): () => void
}

/** This host's membership of an image's swarm. */
export interface Swarm extends SwarmView {
  /** Leave the swarm (idempotent). */
  leave(): Promise<void>
}

/** How a backend's images move between hosts: its store, and its own transport when it has one. */
export interface ImageTransferPort {
  readonly store: ChunkImageStore
  /** @default the coordinator's libp2p overlay, on the wall clock */
  readonly transport?: ChunkTransport
}
