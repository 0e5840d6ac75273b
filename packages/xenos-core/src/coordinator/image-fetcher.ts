/**
 * The coordinator's `ImageFetcher`: the one way template images move
 * between hosts, over the backend's image store and a chunk transport (the
 * backend's own, or the overlay's libp2p streams).
 *
 * Holder side: `publish(path)` describes an image as a manifest (SHA-256 per
 * chunk; its hash names the image), puts it on the overlay's shelf so the
 * chunk service serves it, and returns the manifest hash; a peer asks for
 * it with `xenos.peer.imageManifest`. The result is cached under the
 * store's version of the image.
 *
 * Fetching side: the holders named by the replication are asked for their
 * manifest of the image; those with the expected size and the same manifest
 * serve it. Per method:
 * - `chunked`: chunks from every such holder at once, and from every host
 *   fetching it at the same time (the image's swarm, joined through the
 *   transport: on the overlay a group, `overlay/transfer/swarm.ts`; this host
 *   serves the chunks it has while it fetches), each
 *   verified on arrival, resumable, straight into the destination; the new
 *   image stays on the shelf so this host serves it too;
 * - `whole-copy` (the paper's method): the whole image from one holder into
 *   a staging path, then a local copy with the driver, staging deleted.
 *
 * Each fetch reports what it moved and, on the transport's clock, how long
 * the network part took; a whole copy also reports its local copy, on the
 * driver's clock.
 */
import type { ChunkImageStore, ChunkTransport } from '@xenos/hypervisor-interface'
import type { Overlay } from '../overlay/index.js'
import { fetchImage, type FetchReport } from '../overlay/transfer/fetch.js'
import { manifestHash as manifestHashOf } from '../overlay/transfer/manifest.js'
import { paths, undo } from './context.js'
import { PeerError } from './errors.js'
import type { OverlayNetwork } from './overlay-network.js'
import type { FetchRequest, FetchResult, ImageFetcher } from './ports.js'
import type { TemplateImage } from './records.js'

export interface ImagePublication { manifestHash: string, sizeBytes: number }

/**
 * Chunk requests in flight in a whole copy (one holder): with fewer, the
 * round trip of each request and the holder reading one chunk at a time
 * leave its link idle between chunks (on the simulated paper cluster, 3
 * copies from one holder at once get 34.3 MB/s each with 2 requests, 38.9
 * with 4 and 39.18 with 6, of a 39.21 MB/s share of its link).
 */
export const SINGLE_SOURCE_STREAMS = 6

export interface ImageFetcherInit {
  /** Parallel chunk requests per holder. @default 2 (a whole copy: `SINGLE_SOURCE_STREAMS`) */
  streamsPerHolder?: number
  /** Trade chunks with the other hosts fetching the same image at once (its swarm). @default true */
  swarm?: boolean
}

export interface ImageFetcherComponents {
  /** The backend's images, as chunks. */
  store: ChunkImageStore
  /** How chunk requests travel (the backend's transport, or the overlay's), once the overlay runs. */
  transport: () => ChunkTransport | undefined
  /** The overlay: its shelf serves images; its node's peer id is this host in the transfer. */
  overlay: () => (Pick<Overlay, 'shelf'> & { node: { peerId: string } }) | undefined
  /** Calls to holders (`xenos.peer.imageManifest`), and host names of peer ids both ways. */
  network: () => Pick<OverlayNetwork, 'call' | 'peerOf' | 'hostOf'> | undefined
}

export interface PublishingImageFetcher extends ImageFetcher {
  /** Serve the image at `path` (of the driver's image store); returns its manifest hash. */
  publish (path: string): Promise<ImagePublication>
}

export function imageFetcher (init: ImageFetcherInit, components: ImageFetcherComponents): PublishingImageFetcher {
  const { store } = components
  const published = new Map<string, { version: string, pub: ImagePublication }>()
  /** Publications being made, by path: peers asking at once share one description and one open store. */
  const publishing = new Map<string, Promise<ImagePublication>>()

  function need<T> (value: T | undefined, what: string): T {
    if (value === undefined) throw new PeerError('(overlay)', 'carry an image transfer', `no ${what} attached`)
    return value
  }

  async function publish (path: string): Promise<ImagePublication> {
    const running = publishing.get(path)
    if (running !== undefined) return await running
    const p = publishOnce(path)
    publishing.set(path, p)
    try {
      return await p
    } finally {
      publishing.delete(path)
    }
  }

  async function publishOnce (path: string): Promise<ImagePublication> {
    const version = await store.version(path)
    const known = published.get(path)
    if (known?.version === version) return known.pub
    const manifest = await store.manifest(path)
    const shelf = need(components.overlay(), 'overlay').shelf
    const manifestHash = manifestHashOf(manifest)
    // an image fetched here is already on the shelf (serving); keep that store
    if (shelf.get(manifestHash) === undefined) shelf.put(await store.openComplete(path, manifest))
    const pub = { manifestHash, sizeBytes: manifest.sizeBytes }
    published.set(path, { version, pub })
    return pub
  }

  async function holdersOf (image: TemplateImage, holders: string[]): Promise<{ manifestHash: string, peers: string[] }> {
    const network = components.network()
    if (network === undefined) throw new PeerError(holders.join(','), `hold ${image.path}`, 'no overlay to ask')
    const reasons: string[] = []
    let manifestHash: string | undefined
    const peers: string[] = []
    for (const h of holders) {
      try {
        const pub = await network.call(h, 'xenos.peer.imageManifest', [image.path]) as ImagePublication
        if (pub.sizeBytes !== image.sizeBytes) { reasons.push(`${h}: ${pub.sizeBytes} bytes, expected ${image.sizeBytes}`); continue }
        manifestHash ??= pub.manifestHash
        const peer = network.peerOf(h)
        if (pub.manifestHash === manifestHash && peer !== undefined) peers.push(peer)
        else reasons.push(`${h}: a different manifest`)
      } catch (err) {
        reasons.push(`${h}: ${(err as Error).message}`)
      }
    }
    if (manifestHash === undefined || peers.length === 0) {
      throw new PeerError(holders.join(','), `serve ${image.path} (${image.sizeBytes} bytes)`, reasons.join('; '))
    }
    return { manifestHash, peers }
  }

  /** Holders by host name in errors, where the overlay knows it. */
  const nameOf = (ref: string): string => components.network()?.hostOf(ref) ?? ref

  async function fetch (req: FetchRequest): Promise<FetchResult> {
    const { manifestHash, peers } = await holdersOf(req.image, req.holders)
    const o = need(components.overlay(), 'overlay')
    const transport = need(components.transport(), 'chunk transport')
    const port = { transport, self: o.node.peerId }
    const clock = transport.clock
    const streams = init.streamsPerHolder === undefined ? {} : { streamsPerHolder: init.streamsPerHolder }
    if (req.method === 'chunked') {
      const startS = clock.nowS()
      const swarm = init.swarm === false ? undefined : await transport.joinSwarm(manifestHash, port.self)
      try {
        const report = await fetchImage(port, {
          manifestHash, holders: peers, openStore: async m => await store.openStaging(req.destination, m), shelf: o.shelf, nameOf, ...streams,
          ...(swarm !== undefined ? { swarm } : {})
        })
        // served from the shelf as fetched: publishing it needs no second description
        published.set(req.destination, { version: await store.version(req.destination), pub: { manifestHash, sizeBytes: report.manifest.sizeBytes } })
        return { bytes: report.bytesFetched, bytesBySource: bytesBySource(report, components.network()), networkS: clock.nowS() - startS }
      } finally {
        await swarm?.leave()
      }
    }
    const staging = paths.staging(req.template, req.image.target)
    const startS = clock.nowS()
    const report = await fetchImage(port, {
      manifestHash, holders: peers.slice(0, 1), openStore: async m => await store.openStaging(staging, m), nameOf,
      streamsPerHolder: init.streamsPerHolder ?? SINGLE_SOURCE_STREAMS
    })
    const networkS = clock.nowS() - startS
    const sources = bytesBySource(report, components.network())
    const copyStartS = req.driver.clock.nowS()
    try {
      await req.driver.copyImage(staging, req.destination)
    } catch (err) {
      await undo(err, [async () => { await req.driver.deleteImage(staging) }], 'deleting the staging copy')
      throw err
    }
    const localCopyS = req.driver.clock.nowS() - copyStartS
    await req.driver.deleteImage(staging)
    return { bytes: report.bytesFetched, bytesBySource: sources, networkS, localCopyBytes: report.manifest.sizeBytes, localCopyS }
  }

  return { publish, fetch }
}

/** Bytes each source sent, by host name where the overlay knows it (else by peer id). */
function bytesBySource (report: FetchReport, network: Pick<OverlayNetwork, 'hostOf'> | undefined): Record<string, number> {
  const out: Record<string, number> = {}
  for (const h of report.holders) {
    if (h.bytes === 0) continue
    const name = network?.hostOf(h.holder) ?? h.holder
    out[name] = (out[name] ?? 0) + h.bytes
  }
  return out
}
