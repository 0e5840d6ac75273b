/**
 * A flow-level model of HDFS (Hadoop 0.20): a NameNode's block map, the
 * default block placement, the write pipeline and block reads.
 *
 * - Files are split in blocks of `blockSizeBytes` (64 MiB).
 * - Placement (no rack awareness, as in the paper's one-switch cluster):
 *   the first replica on the writer when the writer is a datanode, else on
 *   a random datanode; the others on random distinct datanodes
 *   (`ReplicationTargetChooser` of 0.20 without racks).
 * - A block is written through a pipeline client -> d1 -> d2: every hop
 *   streams at once, so the block takes as long as its slowest hop; blocks
 *   of one file are written one after another (one `DFSOutputStream`).
 * - Each datanode write goes through its page cache (`cacheKey` = the
 *   block replica), so a block read soon after it was written may be served
 *   from memory; whether it is depends on the place's memory, not on this file.
 * - Reads prefer a local replica, else a random one (0.20's DFSClient sorts
 *   by network distance, equal for every remote node here).
 *
 * What bounds a put or a get is the slowest of: the client's local file
 * (read by a put, written by a get, through the client's page cache), the
 * client's NIC, and each block's datanodes (their page cache's dirty room,
 * then their disk; a guest's disk bytes also wait the split driver's round
 * trip per request window). Placement does not know which VMs share a host,
 * so with several VMs per host some blocks send both replicas to one disk
 * at once; how many is random, which is why VM2 and VM4 writes vary from
 * seed to seed.
 */
import type { Place, Substrate } from './substrate.js'
import { HadoopBenchError } from '../errors.js'

export interface HdfsBlock {
  readonly id: number
  readonly sizeBytes: number
  readonly replicas: readonly Place[]
}

export interface HdfsCosts {
  /** DataNode CPU per byte written or served, flops. */
  flopsPerByte: number
  /** Client CPU per byte streamed, flops. */
  clientFlopsPerByte: number
}

export class HdfsFileNotFoundError extends HadoopBenchError {
  constructor (readonly path: string) {
    super(`expected HDFS file ${path}, found none`)
  }
}

export class HdfsNoDatanodesError extends HadoopBenchError {
  constructor (readonly wanted: number, readonly found: number) {
    super(`expected at least ${wanted} live datanode(s) for the write, found ${found}`)
  }
}

export interface HdfsTotals {
  bytesWritten: number
  bytesRead: number
}

export class SimHdfs {
  private readonly files = new Map<string, HdfsBlock[]>()
  private nextBlockId = 1
  readonly totals: HdfsTotals = { bytesWritten: 0, bytesRead: 0 }

  constructor (
    private readonly sub: Substrate,
    readonly datanodes: readonly Place[],
    readonly replication: number,
    readonly blockSizeBytes: number,
    private readonly costs: HdfsCosts
  ) {}

  blocks (path: string): readonly HdfsBlock[] {
    const b = this.files.get(path)
    if (b === undefined) throw new HdfsFileNotFoundError(path)
    return b
  }

  exists (path: string): boolean { return this.files.has(path) }

  delete (path: string): void { this.files.delete(path) }

  /** Datanodes to hold a new block written from `writer`. */
  chooseTargets (writer: Place): Place[] {
    const live = this.datanodes.filter(d => this.sub.isRunning(d))
    const n = Math.min(this.replication, live.length)
    if (n === 0) throw new HdfsNoDatanodesError(1, 0)
    const chosen: Place[] = []
    if (live.some(d => d.id === writer.id)) chosen.push(writer)
    while (chosen.length < n) {
      const candidates = live.filter(d => !chosen.includes(d))
      const pick = candidates[Math.floor(this.sub.random() * candidates.length)]
      if (pick === undefined) break
      chosen.push(pick)
    }
    return chosen
  }

  /**
   * Write a file of `sizeBytes` from `client`, whose bytes come from
   * `source`: a local file read on the client (`{ localFile }`), or data the
   * client generates (`'generated'`, for RandomWriter and reducers).
   */
  async writeFile (client: Place, path: string, sizeBytes: number, source: { localFile: string } | 'generated'): Promise<void> {
    const blocks: HdfsBlock[] = []
    let offset = 0
    let index = 0
    while (offset < sizeBytes) {
      const size = Math.min(this.blockSizeBytes, sizeBytes - offset)
      const block: HdfsBlock = { id: this.nextBlockId++, sizeBytes: size, replicas: this.chooseTargets(client) }
      const flows: Array<Promise<void>> = []
      if (source !== 'generated') flows.push(this.sub.read(client, size, `${source.localFile}#${index}`))
      flows.push(this.sub.exec(client, size * this.costs.clientFlopsPerByte))
      let upstream = client
      for (const dn of block.replicas) {
        if (dn.id !== upstream.id) flows.push(this.sub.transfer(upstream, dn, size))
        flows.push(this.sub.exec(dn, size * this.costs.flopsPerByte))
        flows.push(this.sub.write(dn, size, replicaKey(block, dn)))
        upstream = dn
      }
      await Promise.all(flows)
      blocks.push(block)
      this.totals.bytesWritten += size * block.replicas.length
      offset += size
      index++
    }
    this.files.set(path, blocks)
  }

  /** The replica `reader` reads `block` from: its own, else a random one. */
  chooseReplica (reader: Place, block: HdfsBlock): Place {
    const live = block.replicas.filter(r => this.sub.isRunning(r))
    const local = live.find(r => r.id === reader.id)
    if (local !== undefined) return local
    const pick = live[Math.floor(this.sub.random() * live.length)]
    if (pick === undefined) throw new HdfsNoDatanodesError(1, 0)
    return pick
  }

  /** Stream one block to `reader` (its own CPU cost included). */
  async readBlock (reader: Place, block: HdfsBlock): Promise<Place> {
    const from = this.chooseReplica(reader, block)
    const flows: Array<Promise<void>> = [
      this.sub.read(from, block.sizeBytes, replicaKey(block, from)),
      this.sub.exec(from, block.sizeBytes * this.costs.flopsPerByte)
    ]
    if (from.id !== reader.id) {
      flows.push(this.sub.transfer(from, reader, block.sizeBytes))
      flows.push(this.sub.exec(reader, block.sizeBytes * this.costs.clientFlopsPerByte))
    }
    await Promise.all(flows)
    this.totals.bytesRead += block.sizeBytes
    return from
  }

  /** `hadoop fs -get`: read every block in order and write it to a local file on `client`. */
  async readFileToLocal (client: Place, path: string, localFile: string): Promise<void> {
    let index = 0
    for (const block of this.blocks(path)) {
      await Promise.all([
        this.readBlock(client, block),
        this.sub.write(client, block.sizeBytes, `${localFile}#${index}`)
      ])
      index++
    }
  }
}

function replicaKey (block: HdfsBlock, dn: Place): string {
  return `blk_${block.id}@${dn.id}`
}
