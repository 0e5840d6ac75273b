/**
 * Content-addressed, chunked image transfer for template replication: a
 * manifest names the chunks by SHA-256, hosts serve the chunks they hold
 * (chunk-server.ts), and a fetch takes chunks from several holders at once,
 * verifying each, resuming from a staging file after an interruption
 * (fetch.ts, chunk-store.ts). Hosts fetching the same image at once join its
 * swarm (swarm.ts, an overlay group) and trade chunks, rarest first
 * (chunk-picker.ts).
 *
 * @example
 * ```ts
 * const shelf = new ImageShelf()
 * await new ChunkServer(node.libp2p, shelf).start()
 * // holder: publish an image
 * const manifest = await buildManifest('/images/debian.img')
 * const hash = shelf.put(await FileChunkStore.openComplete('/images/debian.img', manifest))
 * // another host: fetch it from every holder found by search
 * const report = await fetchImage({ transport: libp2pChunkTransport(other.libp2p, otherServer), self: other.peerId.toString() }, {
 *   manifestHash: hash, holders: [holderPeerId],
 *   openStore: (m) => FileChunkStore.openStaging('/images/debian.img', m), shelf: otherShelf,
 * })
 * ```
 */
export { buildManifest, chunkLength, manifestHash, parseManifest, sha256Hex, validateManifest, DEFAULT_CHUNK_SIZE_BYTES, type Manifest } from './manifest.js'
export { FileChunkStore, type ChunkStore } from './chunk-store.js'
export { ImageShelf, ChunkService, DEFAULT_CONCURRENT_READS, type ChunkServiceInit } from './chunk-service.js'
export { ChunkServer, libp2pChunkTransport, type ChunkServerInit } from './chunk-server.js'
export { CHUNK_PROTOCOL } from './chunk-protocol.js'
export { fetchImage, type FetchInit, type FetchPort, type FetchReport } from './fetch.js'
export { pickChunk, type PickInput } from './chunk-picker.js'
export { joinSwarm, swarmGroup, SWARM_MEMBER, type OverlaySwarm } from './swarm.js'
