/**
 * A holder host in its own process, for the transfer benchmark: it serves one
 * image file over libp2p (chunk protocol) and over a raw TCP socket, prints
 * `{ "multiaddr", "hash", "rawPort" }` as one JSON line, and exits when its
 * standard input closes. Run by overlay-transfer.ts through scripts/run-ts.mjs:
 * `node ../../scripts/run-ts.mjs bench/overlay-holder-process.ts -- <image> <dataDir> <chunkSizeBytes> <clusterDir>`
 * (the holder is admitted to the cluster of `clusterDir`, as the fetchers are).
 */
import { createReadStream } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { pipeline } from 'node:stream/promises'
import { createOverlayNode } from '../src/overlay/node.js'
import { ClusterAuthority } from '../src/trust/authority.js'
import { buildManifest, manifestHash } from '../src/overlay/transfer/manifest.js'
import { FileChunkStore } from '../src/overlay/transfer/chunk-store.js'
import { ChunkServer } from '../src/overlay/transfer/chunk-server.js'
import { ImageShelf } from '../src/overlay/transfer/chunk-service.js'

export async function main (argv: string[]): Promise<void> {
  const [image, dataDir, chunkText, clusterDir] = argv
  if (image === undefined || dataDir === undefined || chunkText === undefined || clusterDir === undefined) {
    throw new Error('expected arguments <image> <dataDir> <chunkSizeBytes> <clusterDir>')
  }
  const node = await createOverlayNode({ dataDir, trust: await (await ClusterAuthority.load(clusterDir)).nodeTrust(dataDir) })
  const shelf = new ImageShelf()
  const server = new ChunkServer(node.libp2p, shelf)
  await server.start()
  const manifest = await buildManifest(image, Number(chunkText))
  const store = await FileChunkStore.openComplete(image, manifest)
  shelf.put(store)
  const raw = createServer((socket) => {
    pipeline(createReadStream(image, { highWaterMark: 1024 * 1024 }), socket).catch((err: unknown) => socket.destroy(err as Error))
  })
  await new Promise<void>(r => raw.listen(0, '127.0.0.1', r))
  process.stdout.write(`${JSON.stringify({ multiaddr: node.multiaddrs()[0], hash: manifestHash(manifest), rawPort: (raw.address() as AddressInfo).port })}\n`)
  await new Promise<void>((r) => {
    process.stdin.on('end', r)
    process.stdin.on('close', r)
    process.stdin.resume()
  })
  await new Promise<void>(r => raw.close(() => r()))
  await store.close()
  await server.stop()
  await node.stop()
}
