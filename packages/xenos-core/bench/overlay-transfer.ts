/**
 * Image transfer figures (used by overlay.bench.ts):
 * - throughput of a chunked fetch over libp2p (TCP + Noise + Yamux, SHA-256
 *   verification, staging file) against a raw TCP socket copy of the same file
 *   (read file, send, write file) in the same run;
 * - one image to 12 hosts at once against a single transfer, the 12 finding
 *   each other through the image's swarm (`joinSwarm`, as the coordinator's
 *   fetcher does; discovery is inside the timed window), with every host's
 *   upload capped (ChunkServer `uploadBps`) to stand for one network link per
 *   host: on loopback all "hosts" share one CPU and no link, so without a cap
 *   the comparison would measure this machine's CPU rather than the
 *   distribution scheme (the uncapped figure is printed too, for the record).
 */
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { spawn } from 'node:child_process'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { connect } from 'node:net'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createOverlayNode, type OverlayNode } from '../src/overlay/node.js'
import { tempDir } from '../src/overlay/test-helpers.js'
import { buildManifest, manifestHash, type Manifest } from '../src/overlay/transfer/manifest.js'
import { FileChunkStore } from '../src/overlay/transfer/chunk-store.js'
import { ChunkServer, libp2pChunkTransport } from '../src/overlay/transfer/chunk-server.js'
import { ImageShelf } from '../src/overlay/transfer/chunk-service.js'
import { fetchImage, type FetchPort } from '../src/overlay/transfer/fetch.js'
import { joinSwarm } from '../src/overlay/transfer/swarm.js'
import { Membership } from '../src/overlay/membership/index.js'
import { Groups } from '../src/overlay/groups.js'
import { waitFor } from '@xenos/hypervisor-interface'
import { sharedAuthority, trustFor } from '../src/overlay/test-helpers.js'

interface Host {
  node: OverlayNode
  shelf: ImageShelf
  server: ChunkServer
  /** Present on hosts started with `withGroups`. */
  groups?: { membership: Membership, groups: Groups }
  stop(): Promise<void>
}

/** The host on the libp2p overlay, as a fetch uses it. */
function port (h: Host): FetchPort {
  return { transport: libp2pChunkTransport(h.node.libp2p, h.server), self: h.node.peerId }
}

async function startHost (dir: string, uploadBps?: number, withGroups?: { bootstrap: string[] }): Promise<Host> {
  const node = await createOverlayNode({ dataDir: dir, trust: await trustFor(dir), ...(withGroups !== undefined ? { bootstrap: withGroups.bootstrap } : {}) })
  const shelf = new ImageShelf()
  const server = new ChunkServer(node.libp2p, shelf, uploadBps !== undefined ? { uploadBps } : {})
  await server.start()
  let overlay: Host['groups']
  if (withGroups !== undefined) {
    const membership = new Membership(node.libp2p)
    const groups = new Groups(node.libp2p, membership)
    await groups.start()
    await membership.start()
    overlay = { membership, groups }
  }
  return {
    node, shelf, server, ...(overlay !== undefined ? { groups: overlay } : {}),
    stop: async () => {
      await server.stop()
      await overlay?.groups.stop()
      await overlay?.membership.stop()
      await node.stop()
    }
  }
}

async function makeImage (dir: string, sizeBytes: number, chunkSizeBytes: number): Promise<{ path: string, manifest: Manifest, hash: string }> {
  const path = join(dir, 'template.img')
  // random content (incompressible), written in 16 MiB pieces
  const piece = randomBytes(16 * 1024 * 1024)
  const out = createWriteStream(path)
  for (let done = 0; done < sizeBytes; done += piece.byteLength) {
    const n = Math.min(piece.byteLength, sizeBytes - done)
    if (!out.write(piece.subarray(0, n))) await new Promise<void>(r => out.once('drain', () => r()))
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())))
  const manifest = await buildManifest(path, chunkSizeBytes)
  return { path, manifest, hash: manifestHash(manifest) }
}

/** Receive a file from a raw TCP server into `dest`; returns seconds. */
async function rawTcpCopy (port: number, dest: string): Promise<number> {
  const start = performance.now()
  await pipeline(connect(port, '127.0.0.1'), createWriteStream(dest))
  return (performance.now() - start) / 1000
}

/** Start a holder in a child process (see overlay-holder-process.ts). */
async function startHolderProcess (
  image: string, dataDir: string, chunkSizeBytes: number
): Promise<{ multiaddr: string, hash: string, rawPort: number, stop(): Promise<void> }> {
  const here = dirname(fileURLToPath(import.meta.url))
  const runTs = join(here, '..', '..', '..', 'scripts', 'run-ts.mjs')
  const args = [runTs, join(here, 'overlay-holder-process.ts'), '--', image, dataDir, String(chunkSizeBytes), (await sharedAuthority()).dir]
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] })
  const line = await new Promise<string>((resolve, reject) => {
    let buf = ''
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString()
      if (buf.includes('\n')) resolve(buf.split('\n')[0]!)
    })
    child.once('exit', code => reject(new Error(`holder process exited with code ${code} before it was ready`)))
  })
  const info = JSON.parse(line) as { multiaddr: string, hash: string, rawPort: number }
  return {
    ...info,
    stop: async () => {
      const exited = new Promise<void>(r => child.once('exit', () => r()))
      child.stdin.end()
      await exited
    }
  }
}

export interface ThroughputFigures {
  sizeBytes: number
  rawBps: number
  libp2pBps: number
  ratio: number
  runs: number
}

/**
 * The holder runs in its own process (two hosts: two processes), the fetcher
 * here; both copies are written to files. Best of `runs` runs for each,
 * alternating.
 */
export async function benchThroughput (sizeBytes: number, runs: number): Promise<ThroughputFigures> {
  const dir = await tempDir('xenos-bench-')
  const fetcher = await startHost(join(dir.path, 'fetcher'))
  let holder: Awaited<ReturnType<typeof startHolderProcess>> | undefined
  try {
    const img = await makeImage(dir.path, sizeBytes, 4 * 1024 * 1024)
    holder = await startHolderProcess(img.path, join(dir.path, 'holder'), 4 * 1024 * 1024)
    if (holder.hash !== img.hash) throw new Error('the holder process computed another manifest')
    await fetchImage(port(fetcher), { // warm-up: connection, code paths
      manifestHash: img.hash, holders: [holder.multiaddr], openStore: m => FileChunkStore.openStaging(join(dir.path, 'warm.img'), m)
    })
    const raw: number[] = []
    const p2p: number[] = []
    for (let i = 0; i < runs; i++) {
      raw.push(await rawTcpCopy(holder.rawPort, join(dir.path, `raw-${i}.img`)))
      const start = performance.now()
      await fetchImage(port(fetcher), {
        manifestHash: img.hash, holders: [holder.multiaddr], streamsPerHolder: 4,
        openStore: m => FileChunkStore.openStaging(join(dir.path, `p2p-${i}.img`), m)
      })
      p2p.push((performance.now() - start) / 1000)
      await rm(join(dir.path, `raw-${i}.img`))
      if (i > 0) await rm(join(dir.path, `p2p-${i}.img`))
    }
    const same = Buffer.compare(await readFile(img.path), await readFile(join(dir.path, 'p2p-0.img'))) === 0
    if (!same) throw new Error('libp2p copy differs from the source')
    const rawBps = sizeBytes / Math.min(...raw)
    const libp2pBps = sizeBytes / Math.min(...p2p)
    return { sizeBytes, rawBps, libp2pBps, ratio: libp2pBps / rawBps, runs }
  } finally {
    await holder?.stop()
    await fetcher.stop()
    await dir.remove()
  }
}

export interface FanOutFigures {
  sizeBytes: number
  chunkSizeBytes: number
  uploadBps: number | undefined
  singleS: number
  twelveS: number
  ratio: number
  seederSentBytes: number
}

/** One seeder; a single fetch, then 12 hosts fetching at once and trading chunks. */
export async function benchFanOut (sizeBytes: number, chunkSizeBytes: number, uploadBps: number | undefined): Promise<FanOutFigures> {
  const dir = await tempDir('xenos-bench-')
  const hosts: Host[] = []
  try {
    const img = await makeImage(dir.path, sizeBytes, chunkSizeBytes)
    hosts.push(await startHost(join(dir.path, 'h0'), uploadBps, { bootstrap: [] }))
    const boot = [hosts[0]!.node.multiaddrs()[0]!]
    hosts.push(await startHost(join(dir.path, 'h1'), uploadBps))
    for (let i = 2; i < 14; i++) hosts.push(await startHost(join(dir.path, `h${i}`), uploadBps, { bootstrap: boot }))
    const [seeder, single, ...peers] = hosts as [Host, Host, ...Host[]]
    // the overlay formed (membership tables full) before either figure
    await waitFor(() => peers.every(p => p.groups!.membership.members().length >= peers.length), { timeoutS: 30, what: 'the 13 hosts to know each other' })
    seeder.shelf.put(await FileChunkStore.openComplete(img.path, img.manifest))
    const seederAddr = seeder.node.multiaddrs()[0]!
    // connect everyone first: connection set-up is not part of either figure
    // (one dial per pair; a pair left unconnected here is dialed during the fetch)
    await Promise.allSettled([single, ...peers].map(h => h.node.libp2p.dial(seeder.node.libp2p.getMultiaddrs()[0]!)))
    await Promise.allSettled(peers.flatMap((a, i) => peers.slice(i + 1).map(b => a.node.libp2p.dial(b.node.libp2p.getMultiaddrs()[0]!))))

    let start = performance.now()
    await fetchImage(port(single), {
      manifestHash: img.hash, holders: [seederAddr], streamsPerHolder: 4,
      openStore: m => FileChunkStore.openStaging(join(dir.path, 'single.img'), m)
    })
    const singleS = (performance.now() - start) / 1000
    const sentBefore = seeder.server.sentBytes

    start = performance.now()
    const reports = await Promise.all(peers.map(async (p, i) => {
      const swarm = await joinSwarm(p.groups!, img.hash)
      try {
        return await fetchImage(port(p), {
          manifestHash: img.hash,
          holders: [seederAddr],
          swarm,
          openStore: m => FileChunkStore.openStaging(join(dir.path, `peer-${i}.img`), m),
          shelf: p.shelf,
          streamsPerHolder: 1,
          haveRefreshMs: 100
        })
      } finally {
        await swarm.leave()
      }
    }))
    const twelveS = (performance.now() - start) / 1000
    if (process.env['XENOS_BENCH_DEBUG'] !== undefined) {
      for (const r of reports) console.log(r.holders.map(h => `${h.chunks}${h.failure !== undefined ? '!' : ''}`).join(' '), r.durationMs.toFixed(0))
    }
    const original = await readFile(img.path)
    for (let i = 0; i < peers.length; i++) {
      if (Buffer.compare(original, await readFile(join(dir.path, `peer-${i}.img`))) !== 0) throw new Error(`peer ${i}'s copy differs from the source`)
    }
    return { sizeBytes, chunkSizeBytes, uploadBps, singleS, twelveS, ratio: twelveS / singleS, seederSentBytes: seeder.server.sentBytes - sentBefore }
  } finally {
    for (const h of hosts) for (const hash of h.shelf.hashes()) await h.shelf.get(hash)?.close()
    await Promise.all(hosts.map(h => h.stop()))
    await dir.remove()
  }
}
