import type { Flow } from './resource-model.js'
import type { SimContext } from './context.js'
import { EngineArgumentError } from '../engine/errors.js'

/** The host or guest a page cache belongs to. */
export interface WritebackOwner {
  /** Start the write-back flow of `bytes` dirty bytes of `cache`; returns it. */
  writeBack (bytes: number, cache: PageCache): Flow
}

/**
 * A page cache (of a native host, of Domain 0, or of a guest): the memory a
 * domain does not use for its own processes.
 *
 * - Reads: data is identified by a `cacheKey`; the cached bytes of a key
 *   (least recently used keys are evicted first) are served at memory
 *   bandwidth, the rest comes from the disk. A read inserts its key.
 * - Writes: absorbed into the cache as dirty pages while the dirty total is
 *   under `dirtyRatio x capacity`; the excess goes to the disk at disk speed
 *   (the writer is throttled, like Linux's balance_dirty_pages). Dirty pages
 *   are written back by one background flow per cache, which competes for
 *   the disk (and, for a guest, Domain 0's CPU) like any other stream.
 */
export class PageCache {
  private readonly entries = new Map<string, number>()
  private usedBytes = 0
  writeback: Flow | undefined
  private capacity: number
  private dirtyLimit: number

  constructor (
    private readonly ctx: SimContext,
    capacityBytes: number,
    private readonly dirtyRatio: number,
    /** Whose cache it is (a host's or a guest's): it starts the write-back flows. */
    private readonly owner: WritebackOwner
  ) {
    this.capacity = capacityBytes
    this.dirtyLimit = Math.floor(capacityBytes * dirtyRatio)
  }

  get capacityBytes (): number { return this.capacity }
  get dirtyLimitBytes (): number { return this.dirtyLimit }

  /**
   * Change the cache's size (its domain's processes took or gave back
   * memory): the least recently used keys beyond the new size are evicted and
   * the dirty limit follows the size. Dirty pages already queued are still
   * written back.
   */
  resize (capacityBytes: number): void {
    if (!(capacityBytes >= 0) || !Number.isFinite(capacityBytes)) {
      throw new EngineArgumentError('pageCache.resize', 'a finite number of bytes >= 0', capacityBytes)
    }
    this.capacity = capacityBytes
    this.dirtyLimit = Math.floor(capacityBytes * this.dirtyRatio)
    for (const [k, b] of this.entries) {
      if (this.usedBytes <= capacityBytes) break
      this.entries.delete(k)
      this.usedBytes -= b
    }
  }

  /** Cached bytes of `key` (marks it recently used). */
  cachedBytes (key: string): number {
    const b = this.entries.get(key)
    if (b === undefined) return 0
    this.entries.delete(key)
    this.entries.set(key, b)
    return b
  }

  /** Cache `bytes` of `key` (at most the capacity), evicting the least recently used. */
  insert (key: string, bytes: number): void {
    const keep = Math.min(bytes, this.capacity)
    const old = this.entries.get(key)
    if (old !== undefined) { this.entries.delete(key); this.usedBytes -= old }
    for (const [k, b] of this.entries) {
      if (this.usedBytes + keep <= this.capacity) break
      this.entries.delete(k)
      this.usedBytes -= b
    }
    if (keep > 0) { this.entries.set(key, keep); this.usedBytes += keep }
  }

  /** Drop a key (for example a deleted image). */
  evict (key: string): void {
    const b = this.entries.get(key)
    if (b !== undefined) { this.entries.delete(key); this.usedBytes -= b }
  }

  get cachedTotalBytes (): number { return this.usedBytes }

  /** Dirty bytes not yet written back. */
  dirtyBytes (): number {
    return this.writeback === undefined || this.writeback.v.removed ? 0 : this.writeback.remaining(this.ctx.nowS())
  }

  /** Bytes a write may still put in the cache before it is throttled. */
  roomBytes (): number {
    return Math.max(0, this.dirtyLimit - this.dirtyBytes())
  }

  /** Add dirty bytes (they join the write-back flow). */
  addDirty (bytes: number): void {
    if (bytes <= 0) return
    if (this.writeback !== undefined && !this.writeback.v.removed) this.ctx.model.addWork(this.writeback, bytes, this.ctx.nowS())
    else this.writeback = this.owner.writeBack(bytes, this)
  }

  /** Stop writing back (the domain is gone); the dirty data is lost. */
  drop (): void {
    if (this.writeback !== undefined) this.ctx.model.stopFlow(this.writeback, this.ctx.nowS())
    this.writeback = undefined
    this.entries.clear()
    this.usedBytes = 0
  }
}
