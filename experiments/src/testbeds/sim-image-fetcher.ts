/**
 * An `ImageFetcher` for coordinators on simulated hosts that moves a
 * template's bytes on the engine, so replication takes the simulated time
 * the platform's disks and links give it, and logs each fetch (its network
 * and local-copy phases, what each source sent) for the deploy figures.
 * xenos-core's own `modeledImageFetcher` (with sim-driver's
 * `simTransferModel`: equal shares per holder) is the simpler stand-in for
 * coordinator tests; this one follows the real fetchers:
 *
 * Holders are asked over the overlay (`xenos.peer.imageInfo`), as the
 * modeled fetcher does; those holding the image at its size serve it.
 * - `whole-copy` (the paper's method, `fileImageFetcher`'s whole-copy path):
 *   the whole image from the first holder into a staging image, then a
 *   second, local copy with the driver's `copyImage` (a read and a write on
 *   the same disk). The receiver writes the image as one stream while it
 *   arrives; the holder reads it chunk by chunk through its page cache
 *   (concurrent readers of one chunk wait for one read, as on Linux).
 * - `chunked` (Xenos' own): `fetchImage` with a swarm, modeled in
 *   sim-swarm.ts: chunks from every holder and from every host fetching the
 *   same image at once, rarest first, straight into the destination.
 *
 * The `ClockGate` lets the engine go while the bytes move.
 */
import type { HypervisorDriver, ImageInfo } from '@xenos/hypervisor-interface'
import type { ImageFetcher, Overlay, PeerNetwork, ReplicationMethod } from '@xenos/core'
import type { Activity } from '@xenos/sim-engine'
import type { SimCluster } from '@xenos/sim-driver'
import type { ClockGate } from './clock-gate.js'
import { modeledSwarms, swarmFetchOnSim } from './sim-swarm.js'

/** Chunk of a modeled whole copy: 64 MiB (the real fetcher uses 4 MiB; coarser keeps the event count low). */
export const SIM_CHUNK_BYTES = 64 * 1024 * 1024
/** Chunk of a modeled swarm fetch (the real fetcher uses 4 MiB; see sim-swarm.ts). */
export const SWARM_CHUNK_BYTES = 16 * 1024 * 1024

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
  /** The coordinator's overlay network, once it runs. */
  network: () => PeerNetwork | undefined
  /** The coordinator's overlay (its groups and membership carry the swarms), once it runs. */
  overlay: () => Overlay | undefined
  /** Host name of a peer id. */
  hostOf: (peerId: string) => string | undefined
}

export function simImageFetcher (init: SimImageFetcherInit): ImageFetcher {
  const { cluster, gate } = init
  const engine = cluster.engine
  const reads = modeledSwarms(cluster).reads

  const readChunk = async (holder: string, path: string, index: number, bytes: number): Promise<void> => {
    const key = `${holder}|${path}#${index}`
    const pending = reads.get(key)
    if (pending !== undefined) { await pending; return }
    const p = engine.io({ on: engine.host(holder), op: 'read', bytes, cacheKey: `xenos-template:${path}#${index}` }).wait()
    reads.set(key, p)
    try { await p } finally { reads.delete(key) }
  }

  /** Moves `bytes` of `path` from `holders` to this host, the whole-copy way; returns what each holder sent. */
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

  const swarmFetch = async (path: string, sizeBytes: number, seeds: string[]): Promise<Record<string, number>> => {
    const overlay = init.overlay()
    if (overlay === undefined) throw new SimFetchError(path, 'no overlay to join its swarm through')
    return await swarmFetchOnSim({ cluster, gate, hostname: init.hostname, overlay, hostOf: init.hostOf, path, sizeBytes, chunkBytes: SWARM_CHUNK_BYTES, seeds })
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
      const sentBy = req.method === 'whole-copy' ? await transfer(path, holders, sizeBytes) : await swarmFetch(path, sizeBytes, holders)
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
      return { bytes: sizeBytes, bytesBySource: sentBy }
    }
  }
}
