import type { DiskDescription } from '../platform/platform.js'
import type { Constraint, Element } from './lmm/index.js'
import type { Flow } from './resource-model.js'
import { EngineArgumentError, InsufficientDiskSpaceError } from '../engine/errors.js'
import type { SimContext } from './context.js'

/** What a flow does on a disk. */
export interface DiskStreamSpec {
  readonly op: 'read' | 'write'
  /** Where its data lies: fraction of the disk's capacity counted from the outer edge, in [0, 1]. */
  readonly position: number
  /** Bytes it has queued at the disk per request: what the head transfers before it may move to another stream. */
  readonly requestBytes: number
  /** Fraction of the flow's bytes that reach the disk (the rest is served by a page cache). */
  readonly fraction: number
  /** Flows with the same source (one page cache's writes) are one stream. Absent: the flow is its own stream. */
  readonly source?: object
}

/** A flow's use of a disk, from `join` to `leave`. */
export interface DiskUse {
  readonly stream: DiskStream
}

interface UseState extends DiskUse {
  readonly elem: Element
  readonly fraction: number
  readonly stream: DiskStream
}

/** One sequential access (a read, a direct write, or one page cache's write-back) as the head sees it. */
export class DiskStream {
  uses = 0
  /** Seconds the head spends positioning before each of this stream's requests when streams interleave. */
  positioningS = 0
  constructor (
    readonly key: object,
    /** Seconds to transfer one byte at this stream's zone. */
    readonly transferSPerByte: number,
    readonly requestBytes: number,
    /** Radial position: fraction of the stroke from the outermost cylinder. */
    readonly cylinder: number
  ) {}
}

/** Mean of sqrt(|u - v|) for u, v uniform in [0, 1]: the seek curve is scaled by it so that random seeks average `averageSeekS`. */
const MEAN_SQRT_DISTANCE = 8 / 15

/**
 * A disk with zones and seeks. Its constraint's capacity is "fraction of the
 * disk's time" (1 per second, divided by `slow(factor)`); a flow's coefficient
 * on it is the disk time one of its bytes takes.
 *
 * - Zones: a disk spins at a constant rate and packs bits at a constant density,
 *   so a track's bytes and its transfer rate grow with its radius r, while the
 *   capacity outside radius r grows with r_out^2 - r^2. Data at a fraction x of
 *   the capacity from the outer edge streams at
 *   `outerBps x sqrt(1 - x (1 - z^2))`, z = `innerZoneFraction` (the innermost
 *   tracks' rate over the outermost's), and lies at a fraction
 *   `(1 - b) / (1 - z)` of the stroke, b being that rate over the outer one.
 * - Seeks: alone, a stream reads or writes sequentially and pays no positioning
 *   (track switches are part of the sustained rate). When two or more streams
 *   are active the head serves their requests in turn: each request of stream i
 *   first waits for a seek from another stream's position and half a revolution
 *   (`30 / rpm` s), then transfers its `requestBytes`. A byte of stream i thus
 *   takes `1 / B_i + positioning_i / requestBytes_i` of the disk's time, where
 *   positioning_i averages the seek from each other stream, plus the rotation.
 *   Seek time over a distance d (fraction of the stroke) follows the square-root
 *   curve of short and medium seeks (Ruemmler & Wilkes, "An introduction to disk
 *   drive modeling", IEEE Computer 1994): `trackSeekS + k sqrt(d)`, with k such
 *   that seeks between uniformly random cylinders average `averageSeekS`. Two
 *   streams of one domain (files of one image) are at least a third of
 *   `domainSpanBytes` apart, the mean distance of two points in that span.
 * - Sharing: max-min fair in bytes among the streams (the coefficients carry
 *   the seeks), like the rest of the model.
 *
 * A stream is one sequential access: each read is its own stream, while
 * everything written through one page cache (throttled writes and the
 * write-back of its dirty pages) reaches the disk as that cache's single
 * write-back stream, as Linux's flusher writes it.
 */
export class SimDisk {
  readonly name: string
  readonly capacityBytes: number
  /** Sequential rates on the outermost tracks, bytes/s. */
  readonly readBps: number
  readonly writeBps: number
  readonly innerZoneFraction: number
  /** Seconds of half a revolution (the mean rotational latency); 0 without `rpm`. */
  readonly rotationLatencyS: number
  readonly averageSeekS: number
  readonly trackSeekS: number
  readonly domainSpanBytes: number
  /** Bytes per request of a host's own reads (readahead) and writes (write-back). */
  readonly readRequestBytes: number
  readonly writeRequestBytes: number
  readonly constraint: Constraint
  usedBytes = 0
  private readonly streamsByKey = new Map<object, DiskStream>()
  private readonly uses = new Set<UseState>()
  private slowFactor = 1

  constructor (private readonly ctx: SimContext, readonly hostname: string, d: DiskDescription) {
    this.name = d.name
    this.capacityBytes = d.capacityBytes
    this.readBps = d.readBps
    this.writeBps = d.writeBps
    this.innerZoneFraction = d.innerZoneFraction
    this.rotationLatencyS = d.rpm > 0 ? 30 / d.rpm : 0
    this.averageSeekS = d.averageSeekS
    this.trackSeekS = d.trackSeekS
    this.domainSpanBytes = d.domainSpanBytes
    this.readRequestBytes = d.readRequestBytes
    this.writeRequestBytes = d.writeRequestBytes
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
    this.ctx.model.lmm.setCapacity(this.constraint, 1 / factor)
  }

  /** Rate of the outermost tracks over this position's, a number in [innerZoneFraction, 1]. */
  private zone (position: number): number {
    const z = this.innerZoneFraction
    return Math.sqrt(1 - position * (1 - z * z))
  }

  /** Sequential rate of a stream alone at `position` (fraction of the capacity from the outer edge), bytes/s. */
  rateBps (op: 'read' | 'write', position: number): number {
    assertPosition('disk.rateBps', position)
    return (op === 'read' ? this.readBps : this.writeBps) * this.zone(position)
  }

  /** Fraction of the stroke from the outermost cylinder to the data at `position`. */
  cylinder (position: number): number {
    const z = this.innerZoneFraction
    return z === 1 ? position : (1 - this.zone(position)) / (1 - z)
  }

  /** Seek time over `distance` (a fraction of the stroke), seconds; 0 for no move. */
  seekS (distance: number): number {
    if (this.averageSeekS === 0 && this.trackSeekS === 0) return 0
    const k = (this.averageSeekS - this.trackSeekS) / MEAN_SQRT_DISTANCE
    return this.trackSeekS + Math.max(0, k) * Math.sqrt(Math.min(1, Math.max(0, distance)))
  }

  /** Streams active now. */
  get activeStreams (): number { return this.streamsByKey.size }

  /**
   * A flow starts using the disk: its element on the disk's constraint gets the
   * coefficient of the spec's stream, and every stream's coefficient is redone
   * for the new number of streams. Call `leave` when it stops.
   */
  join (flow: Flow, spec: DiskStreamSpec): DiskUse {
    assertPosition('disk.join', spec.position)
    if (!(spec.requestBytes > 0)) throw new EngineArgumentError('disk.join', 'requestBytes > 0', spec.requestBytes)
    let elem: Element | undefined
    for (const e of flow.v.elems) if (e.c === this.constraint) { elem = e; break }
    if (elem === undefined) throw new EngineArgumentError('disk.join', `a flow using disk ${this.hostname}/${this.name}`, 'a flow without it')
    const key = spec.source ?? elem
    let stream = this.streamsByKey.get(key)
    if (stream === undefined) {
      stream = new DiskStream(key, 1 / this.rateBps(spec.op, spec.position), spec.requestBytes, this.cylinder(spec.position))
      this.streamsByKey.set(key, stream)
    }
    stream.uses++
    const use: UseState = { elem, fraction: spec.fraction, stream }
    this.uses.add(use)
    this.update()
    return use
  }

  /** The flow stopped using the disk (idempotent). */
  leave (use: DiskUse): void {
    const u = use as UseState
    if (!this.uses.delete(u)) return
    if (--u.stream.uses === 0) this.streamsByKey.delete(u.stream.key)
    this.update()
  }

  private update (): void {
    const streams = this.streamsByKey
    const n = streams.size
    const span = this.domainSpanBytes / this.capacityBytes / 3
    for (const s of streams.values()) {
      if (n < 2) { s.positioningS = 0; continue }
      let seek = 0
      for (const o of streams.values()) if (o !== s) seek += this.seekS(Math.max(Math.abs(s.cylinder - o.cylinder), span))
      s.positioningS = seek / (n - 1) + this.rotationLatencyS
    }
    const lmm = this.ctx.model.lmm
    for (const u of this.uses) {
      const s = u.stream
      lmm.setCoeff(u.elem, u.fraction * (s.transferSPerByte + s.positioningS / s.requestBytes))
    }
  }
}

function assertPosition (operation: string, position: number): void {
  if (!(position >= 0 && position <= 1)) throw new EngineArgumentError(operation, 'a position in [0, 1] (fraction of the disk from its outer edge)', position)
}
