/**
 * An `ImageFetcher` for coordinators on simulated hosts that moves a
 * template's bytes on the engine, so replication takes the simulated time
 * the platform's disks and links give it. xenos-core's `modeledImageFetcher`
 * can now take a `transferModel` (sim-driver's `simTransferModel`: equal
 * shares per holder, each read from the holder's disk on its own); this one
 * is kept for the experiments because it follows the real chunked fetcher
 * more closely (work stealing between holders, concurrent readers of one
 * chunk sharing one disk read, as Linux's page cache does), logs each
 * fetch's network and local-copy phases for the throughputs, and lets the
 * `ClockGate` go while the bytes move.
 *
 * Holders are asked over the overlay (`xenos.peer.imageInfo`), as the
 * modeled fetcher does; those holding the image at its size serve it.
 * - `whole-copy` (the paper's method): the whole image from the first
 *   holder into a staging image, then a second, local copy with the
 *   driver's `copyImage` (a read and a write on the same disk).
 * - `chunked` (Xenos' own): chunks from every holder at once, each holder
 *   taking the next chunk when it has sent one (the real fetcher's work
 *   stealing), straight into the destination.
 * A chunk costs a read on the holder's disk (through its page cache:
 * concurrent readers of the same chunk wait for one read, as on Linux a
 * reader waits for a page already being read) and a transfer between the
 * hosts' Domain 0s; the receiver writes the image as one stream meanwhile.
 *
 * What each fetch moved, and when, goes to a `ReplicationLog`.
 */
import type { HypervisorDriver, ImageInfo } from '@xenos/hypervisor-interface'
import type { ImageFetcher, PeerNetwork, ReplicationMethod } from '@xenos/core'
import type { Activity, SimCluster } from '@xenos/sim-driver'
import type { ClockGate } from './clock-gate.js'

/** Chunk of a modeled transfer: 64 MiB (the real fetcher uses 4 MiB; coarser keeps the event count low). */
export const SIM_CHUNK_BYTES = 64 * 1024 * 1024

/** One fetch of one image, in simulated seconds. */
export interface FetchRecord {
  host: string
  image: string
  method: ReplicationMethod
  holders: string[]
  bytes: number
  startS: number
  /** The network transfer ended. */
  networkEndS: number
  /** The local copy (whole-copy only) ended; equals `networkEndS` otherwise. */
  endS: number
  /** Bytes copied locally (whole-copy: the image once more). */
  localCopyBytes: number
  /** Bytes each holder sent. */
  sentBy: Record<string, number>
}

export class ReplicationLog {
  readonly fetches: FetchRecord[] = []
}

export class SimFetchError extends Error {
  constructor (readonly image: string, readonly found: string) {
    super(`fetching ${image}: expected a holder with the image at its size, found ${found}`)
    this.name = 'SimFetchError'
  }
}

export interface SimImageFetcherInit {
  cluster: SimCluster
  /** The host this fetcher's coordinator runs on. */
  hostname: string
  gate: ClockGate
  log: ReplicationLog
  /** The coordinator's overlay, once it runs. */
  network: () => PeerNetwork | undefined
}

/** Reads in flight, per holder and chunk, shared by every fetcher of one cluster. */
const inflightReads = new WeakMap<SimCluster, Map<string, Promise<void>>>()

export function simImageFetcher (init: SimImageFetcherInit): ImageFetcher {
  const { cluster, gate } = init
  const engine = cluster.engine
  const reads = inflightReads.get(cluster) ?? new Map<string, Promise<void>>()
  inflightReads.set(cluster, reads)

  const readChunk = async (holder: string, path: string, index: number, bytes: number): Promise<void> => {
    const key = `${holder}|${path}#${index}`
    const pending = reads.get(key)
    if (pending !== undefined) { await pending; return }
    const p = engine.io({ on: engine.host(holder), op: 'read', bytes, cacheKey: `xenos-template:${path}#${index}` }).wait()
    reads.set(key, p)
    try { await p } finally { reads.delete(key) }
  }

  /** Moves `bytes` of `path` from `holders` to this host; returns what each holder sent. */
  const transfer = async (path: string, holders: string[], bytes: number): Promise<Record<string, number>> => {
    const to = engine.host(init.hostname)
    const sentBy: Record<string, number> = Object.fromEntries(holders.map(h => [h, 0]))
    const chunks = Math.ceil(bytes / SIM_CHUNK_BYTES)
    let next = 0
    const write: Activity = engine.io({ on: to, op: 'write', bytes, cacheKey: `xenos-fetch:${init.hostname}:${path}` })
    const worker = async (holder: string): Promise<void> => {
      while (next < chunks) {
        const i = next++
        const len = Math.min(SIM_CHUNK_BYTES, bytes - i * SIM_CHUNK_BYTES)
        await Promise.all([
          readChunk(holder, path, i, len),
          engine.comm({ from: engine.host(holder), to, bytes: len, dom0FlopsPerByte: cluster.migrationDom0FlopsPerByte }).wait()
        ])
        sentBy[holder] = (sentBy[holder] ?? 0) + len
      }
    }
    await gate.sim(Promise.all([write.wait(), ...holders.map(worker)]))
    return sentBy
  }

  const holdersOf = async (path: string, sizeBytes: number, candidates: string[]): Promise<string[]> => {
    const network = init.network()
    if (network === undefined) throw new SimFetchError(path, 'no overlay to ask')
    const ok: string[] = []
    const reasons: string[] = []
    for (const h of candidates) {
      try {
        const info = await network.call(h, 'xenos.peer.imageInfo', [path]) as ImageInfo
        if (info.sizeBytes === sizeBytes) ok.push(h)
        else reasons.push(`${h}: size ${info.sizeBytes}`)
      } catch (err) {
        reasons.push(`${h}: ${(err as Error).message}`)
      }
    }
    if (ok.length === 0) throw new SimFetchError(path, reasons.join('; ') || 'no holders')
    return ok
  }

  return {
    async fetch (req: { image: { path: string, sizeBytes: number }, holders: string[], destination: string, method: ReplicationMethod, driver: HypervisorDriver }) {
      const { path, sizeBytes } = req.image
      const valid = await holdersOf(path, sizeBytes, req.holders)
      const holders = req.method === 'whole-copy' ? valid.slice(0, 1) : valid
      const startS = engine.nowS()
      const sentBy = await transfer(path, holders, sizeBytes)
      const networkEndS = engine.nowS()
      let localCopyBytes = 0
      if (req.method === 'chunked') {
        await req.driver.createImage(req.destination, sizeBytes)
      } else {
        const staging = `${req.destination}.whole-copy`
        await req.driver.createImage(staging, sizeBytes)
        try {
          await req.driver.copyImage(staging, req.destination)
        } finally {
          await req.driver.deleteImage(staging)
        }
        localCopyBytes = sizeBytes
      }
      init.log.fetches.push({ host: init.hostname, image: path, method: req.method, holders, bytes: sizeBytes, startS, networkEndS, endS: engine.nowS(), localCopyBytes, sentBy })
      return { bytes: sizeBytes }
    }
  }
}
