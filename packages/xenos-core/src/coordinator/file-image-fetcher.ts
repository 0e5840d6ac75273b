/**
 * An `ImageFetcher` for backends whose images are real files under one
 * directory (the xen backend's image store): template images travel over
 * libp2p with the overlay's content-addressed chunked transfer.
 *
 * Holder side: `publish(path)` hashes an image into a manifest (SHA-256 per
 * 4 MiB chunk), puts it on the overlay's shelf so the chunk server serves it,
 * and returns the manifest hash; a peer asks for it with
 * `xenos.peer.imageManifest`. The result is cached by size and mtime.
 *
 * Fetching side, per method:
 * - `chunked`: chunks from every holder that has the same manifest at once,
 *   and from every host fetching it at the same time (the image's swarm,
 *   `overlay/transfer/swarm.ts`: this host joins it for the fetch, serving
 *   the chunks it has), each verified on arrival, resumable from
 *   `<dest>.part`; the new image is kept on the shelf so this host serves it
 *   too;
 * - `whole-copy` (the paper's method): the whole image from one holder into
 *   a staging path, then a local copy with the driver, staging deleted.
 */
import { mkdir, stat } from 'node:fs/promises'
import { dirname, resolve, sep } from 'node:path'
import type { Overlay } from '../overlay/index.js'
import { FileChunkStore } from '../overlay/transfer/chunk-store.js'
import { fetchImage, type FetchReport } from '../overlay/transfer/fetch.js'
import { joinSwarm } from '../overlay/transfer/swarm.js'
import { buildManifest, manifestHash as manifestHashOf } from '../overlay/transfer/manifest.js'
import { paths, undo } from './context.js'
import { InvalidArgumentError, PeerError } from './errors.js'
import type { OverlayNetwork } from './overlay-network.js'
import type { ImageFetcher } from './ports.js'

export interface ImagePublication { manifestHash: string, sizeBytes: number }

export interface FileImageFetcher extends ImageFetcher {
  /** Serve the image at `path` (relative to the image directory); returns its manifest hash. */
  publish (path: string): Promise<ImagePublication>
}

export interface FileImageFetcherInit {
  /** Absolute directory the driver's image paths are relative to. */
  imageDir: string
  /** Parallel chunk requests per holder. @default 2 */
  streamsPerHolder?: number
  /** Trade chunks with the other hosts fetching the same image at once (its swarm). @default true */
  swarm?: boolean
}

export function fileImageFetcher (init: FileImageFetcherInit, components: { overlay: () => Overlay | undefined, network: () => OverlayNetwork | undefined }): FileImageFetcher {
  const root = resolve(init.imageDir)
  const published = new Map<string, { key: string, pub: ImagePublication }>()

  function abs (path: string): string {
    const p = resolve(root, path)
    if (p !== root && !p.startsWith(root + sep)) throw new InvalidArgumentError('path', `an image path inside ${root}`, path)
    return p
  }
  function overlay (): Overlay {
    const o = components.overlay()
    if (o === undefined) throw new PeerError('(overlay)', 'carry an image transfer', 'no overlay attached')
    return o
  }

  /** Publications being made, by path: peers asking at once share one hashing and one open store. */
  const publishing = new Map<string, Promise<ImagePublication>>()

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
    const file = abs(path)
    const st = await stat(file)
    const key = `${st.size}:${st.mtimeMs}`
    const known = published.get(path)
    if (known?.key === key) return known.pub
    const manifest = await buildManifest(file)
    const shelf = overlay().shelf
    const manifestHash = manifestHashOf(manifest)
    // an image fetched here is already on the shelf (serving); keep that store
    if (shelf.get(manifestHash) === undefined) shelf.put(await FileChunkStore.openComplete(file, manifest))
    const pub = { manifestHash, sizeBytes: manifest.sizeBytes }
    published.set(path, { key, pub })
    return pub
  }

  async function holdersOf (imagePath: string, sizeBytes: number, holders: string[]): Promise<{ manifestHash: string, peers: string[] }> {
    const network = components.network()
    if (network === undefined) throw new PeerError(holders.join(','), `hold ${imagePath}`, 'no overlay to ask')
    const reasons: string[] = []
    let manifestHash: string | undefined
    const peers: string[] = []
    for (const h of holders) {
      try {
        const pub = await network.call(h, 'xenos.peer.imageManifest', [imagePath]) as ImagePublication
        if (pub.sizeBytes !== sizeBytes) { reasons.push(`${h}: ${pub.sizeBytes} bytes, expected ${sizeBytes}`); continue }
        manifestHash ??= pub.manifestHash
        const peer = network.peerOf(h)
        if (pub.manifestHash === manifestHash && peer !== undefined) peers.push(peer)
        else reasons.push(`${h}: a different manifest`)
      } catch (err) {
        reasons.push(`${h}: ${(err as Error).message}`)
      }
    }
    if (manifestHash === undefined || peers.length === 0) throw new PeerError(holders.join(','), `serve ${imagePath} (${sizeBytes} bytes)`, reasons.join('; '))
    return { manifestHash, peers }
  }

  /** Holders by host name in errors, where the overlay knows it. */
  const nameOf = (ref: string): string => components.network()?.hostOf(ref) ?? ref

  return {
    publish,
    async fetch (req) {
      const { manifestHash, peers } = await holdersOf(req.image.path, req.image.sizeBytes, req.holders)
      const o = overlay()
      const streams = init.streamsPerHolder === undefined ? {} : { streamsPerHolder: init.streamsPerHolder }
      if (req.method === 'chunked') {
        const dest = abs(req.destination)
        await mkdir(dirname(dest), { recursive: true })
        const swarm = init.swarm === false ? undefined : await joinSwarm({ groups: o.groups, membership: o.membership }, manifestHash)
        try {
          const report = await fetchImage(o.node.libp2p, {
            manifestHash, holders: peers, openStore: async m => await FileChunkStore.openStaging(dest, m), shelf: o.shelf, nameOf, ...streams,
            ...(swarm !== undefined ? { swarm } : {})
          })
          // served from the shelf as fetched: publishing it needs no second hashing
          const st = await stat(dest)
          published.set(req.destination, { key: `${st.size}:${st.mtimeMs}`, pub: { manifestHash, sizeBytes: report.manifest.sizeBytes } })
          return { bytes: report.bytesFetched, bytesBySource: bytesBySource(report, components.network()) }
        } finally {
          await swarm?.leave()
        }
      }
      const staging = paths.staging(req.template, req.image.target)
      const stagingFile = abs(staging)
      await mkdir(dirname(stagingFile), { recursive: true })
      const report = await fetchImage(o.node.libp2p, {
        manifestHash, holders: peers.slice(0, 1), openStore: async m => await FileChunkStore.openStaging(stagingFile, m), nameOf, ...streams
      })
      const sources = bytesBySource(report, components.network())
      try {
        await req.driver.copyImage(staging, req.destination)
      } catch (err) {
        await undo(err, [async () => { await req.driver.deleteImage(staging) }], 'deleting the staging copy')
        throw err
      }
      await req.driver.deleteImage(staging)
      return { bytes: report.bytesFetched, bytesBySource: sources }
    }
  }
}

/** Bytes each source sent, by host name where the overlay knows it (else by peer id). */
function bytesBySource (report: FetchReport, network: OverlayNetwork | undefined): Record<string, number> {
  const out: Record<string, number> = {}
  for (const h of report.holders) {
    if (h.bytes === 0) continue
    const name = network?.hostOf(h.holder) ?? h.holder
    out[name] = (out[name] ?? 0) + h.bytes
  }
  return out
}
