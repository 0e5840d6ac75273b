import type { Flow } from './resource-model.js'
import type { SimContext } from './context.js'
import { EngineArgumentError } from '../engine/errors.js'

/** The host or guest a page cache belongs to. */
export interface WritebackOwner {
  /** Start the write-back flow of `bytes` dirty bytes of `cache`; returns it. */
  writeBack (bytes: number, cache: PageCache): Flow
}

/** A cached key: an entry of the cache's recency list (least recently used first). */
interface CacheEntry {
  readonly key: string
  bytes: number
  older: CacheEntry | undefined
  newer: CacheEntry | undefined
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
  /**
   * The cached keys, each an entry of one list from the least recently used (`lru`) to the most
   * (`mru`): using a key relinks its entry, with no change to the map (deleting and setting a
   * key again would leave a hole in the map's table on every hit, and rebuild the table often).
   */
  private readonly entries = new Map<string, CacheEntry>()
  private lru: CacheEntry | undefined
  private mru: CacheEntry | undefined
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
    while (this.lru !== undefined && this.usedBytes > capacityBytes) this.remove(this.lru)
  }

  /** Cached bytes of `key` (marks it recently used). */
  cachedBytes (key: string): number {
    const e = this.entries.get(key)
    if (e === undefined) return 0
    if (e !== this.mru) { this.unlink(e); this.append(e) }
    return e.bytes
  }

  /** Cache `bytes` of `key` (at most the capacity), evicting the least recently used. */
  insert (key: string, bytes: number): void {
    const keep = Math.min(bytes, this.capacity)
    const old = this.entries.get(key)
    if (old !== undefined) this.remove(old)
    while (this.lru !== undefined && this.usedBytes + keep > this.capacity) this.remove(this.lru)
    if (keep > 0) {
      const e: CacheEntry = { key, bytes: keep, older: undefined, newer: undefined }
      this.entries.set(key, e)
      this.append(e)
      this.usedBytes += keep
    }
  }

  /** Drop a key (for example a deleted image). */
  evict (key: string): void {
    const e = this.entries.get(key)
    if (e !== undefined) this.remove(e)
  }

  private remove (e: CacheEntry): void {
    this.entries.delete(e.key)
    this.unlink(e)
    this.usedBytes -= e.bytes
  }

  private unlink (e: CacheEntry): void {
    if (e.older === undefined) this.lru = e.newer
    else e.older.newer = e.newer
    if (e.newer === undefined) this.mru = e.older
    else e.newer.older = e.older
    e.older = undefined
    e.newer = undefined
  }

  private append (e: CacheEntry): void {
    e.older = this.mru
    if (this.mru === undefined) this.lru = e
    else this.mru.newer = e
    this.mru = e
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
    this.lru = undefined
    this.mru = undefined
    this.usedBytes = 0
  }
}
