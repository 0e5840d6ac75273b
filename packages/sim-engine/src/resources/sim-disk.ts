import type { DiskDescription } from '../platform/platform.js'
import type { Constraint } from './lmm/index.js'
import { EngineArgumentError, InsufficientDiskSpaceError } from '../engine/errors.js'
import type { SimContext } from './context.js'

/**
 * A disk. Its constraint's capacity is "fraction of the disk's time" (1 per
 * second): a read stream at r bytes/s uses r / readBps of it, a write stream
 * r / writeBps. Alone, a stream gets the full sequential bandwidth; when two
 * or more streams are active they interleave and the capacity drops to
 * `interleaveFactor` (time lost seeking between them). A stream is one
 * sequential access: each read is its own stream, while everything written
 * through one page cache (throttled writes and the write-back of its dirty
 * pages) reaches the disk as that cache's single write-back stream, as
 * Linux's flusher writes it. `slow(factor)` divides
 * the bandwidth by `factor` (a failing or throttled disk).
 */
export class SimDisk {
  readonly name: string
  readonly capacityBytes: number
  readonly readBps: number
  readonly writeBps: number
  readonly interleaveFactor: number
  readonly constraint: Constraint
  usedBytes = 0
  private streams = 0
  private anonymous = 0
  private readonly sources = new Map<object, number>()
  private slowFactor = 1

  constructor (private readonly ctx: SimContext, readonly hostname: string, d: DiskDescription) {
    this.name = d.name
    this.capacityBytes = d.capacityBytes
    this.readBps = d.readBps
    this.writeBps = d.writeBps
    this.interleaveFactor = d.interleaveFactor
    this.constraint = ctx.model.lmm.constraint(`${hostname}/${d.name}`, 1)
  }

  get freeBytes (): number { return this.capacityBytes - this.usedBytes }

  /** Reserve space; `InsufficientDiskSpaceError` when it does not fit. */
  allocate (bytes: number): void {
    if (!(bytes >= 0)) throw new EngineArgumentError('disk.allocate', 'bytes >= 0', bytes)
    if (bytes > this.freeBytes) throw new InsufficientDiskSpaceError(bytes, this.freeBytes, this.hostname, this.name)
    this.usedBytes += bytes
  }

  release (bytes: number): void {
    if (!(bytes >= 0)) throw new EngineArgumentError('disk.release', 'bytes >= 0', bytes)
    this.usedBytes = Math.max(0, this.usedBytes - bytes)
  }

  /** Divide this disk's bandwidth by `factor` (>= 1 slows it; 1 restores it). */
  slow (factor: number): void {
    if (!(factor > 0) || !Number.isFinite(factor)) throw new EngineArgumentError('disk.slow', 'a finite factor > 0', factor)
    this.slowFactor = factor
    this.update()
  }

  /**
   * A stream starts (+1) or stops (-1) using the disk. Flows with the same
   * `source` (for example one page cache's writes) count as one stream.
   */
  streamDelta (delta: number, source?: object): void {
    if (source === undefined) this.anonymous += delta
    else {
      const n = (this.sources.get(source) ?? 0) + delta
      if (n <= 0) this.sources.delete(source)
      else this.sources.set(source, n)
    }
    this.streams = this.anonymous + this.sources.size
    this.update()
  }

  get activeStreams (): number { return this.streams }

  private update (): void {
    const base = this.streams >= 2 ? this.interleaveFactor : 1
    this.ctx.model.lmm.setCapacity(this.constraint, base / this.slowFactor)
  }
}
