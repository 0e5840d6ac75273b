/**
 * A simulated host's image store: files with sizes and no bytes, allocated
 * on the host's image-store disk (the engine's `disks[0]`).
 *
 * Space rules:
 * - a `raw` image is preallocated: it occupies its whole size (as made by
 *   `fallocate`/`dd`), so creating one that does not fit fails with
 *   `InsufficientDiskError`;
 * - a `qcow2` image, and a copy-on-write clone, starts as a small header
 *   (`QCOW2_HEADER_BYTES`) and is not grown by the simulator (guest writes
 *   are not tracked per block);
 * - a checkpoint file occupies the saved memory plus a header.
 *
 * Every write goes through `reserve()`: space is taken and the path is held
 * before the simulated copy starts, and either `commit()` makes the file
 * visible or `abort()` gives everything back, so a failed operation leaves
 * nothing behind.
 */
import {
  ImageExistsError, ImageInUseError, ImageNotFoundError, InsufficientDiskError, type DiskFormat, type DomainSpec, type ImageInfo
} from '@xenos/hypervisor-interface'

/** What the store needs from the engine's disk model. */
export interface DiskSpace {
  readonly capacityBytes: number
  readonly usedBytes: number
  allocate (bytes: number): void
  release (bytes: number): void
}

/** Size of a fresh qcow2 file (header, L1 table, refcount table), in bytes. */
export const QCOW2_HEADER_BYTES = 196_608

/** What a checkpoint file holds, besides its size. */
export interface CheckpointContent {
  spec: DomainSpec
  uuid: string
  /** Memory saved, in bytes. */
  memoryBytes: number
}

/** One file of the store. */
export interface StoredFile {
  path: string
  kind: 'image' | 'checkpoint'
  sizeBytes: number
  allocatedBytes: number
  format: DiskFormat
  backingImage?: string
  checkpoint?: CheckpointContent
  /**
   * What the image holds (a simulated image has no bytes): copies share it,
   * a new image gets its own. Image transfers name its chunks after it.
   */
  contentId: string
}

/** Space taken and a path held for a file being written. */
export interface Reservation {
  readonly path: string
  readonly allocatedBytes: number
  /** Make the file visible, with new content unless `contentId` says whose copy it is. Once. */
  commit (file: Omit<StoredFile, 'path' | 'allocatedBytes' | 'contentId'> & { contentId?: string }): StoredFile
  /** Give the space and the path back (no-op after commit or abort). */
  abort (): void
}

export class ImageStore {
  private readonly files = new Map<string, StoredFile>()
  private readonly pending = new Set<string>()
  /** New contents made here so far (content ids are this host's name and this count). */
  private contents = 0

  constructor (readonly hostname: string, private readonly disk: DiskSpace) {}

  get capacityBytes (): number { return this.disk.capacityBytes }
  freeBytes (): number { return Math.max(0, this.disk.capacityBytes - this.disk.usedBytes) }

  has (path: string): boolean { return this.files.has(path) || this.pending.has(path) }

  /** Bytes held by committed files (images and checkpoints); pending writes not included. */
  committedBytes (): number {
    let n = 0
    for (const f of this.files.values()) n += f.allocatedBytes
    return n
  }

  /** The image at `path`; `ImageNotFoundError` when absent or not an image. */
  image (path: string): StoredFile {
    const f = this.files.get(path)
    if (f?.kind !== 'image') throw new ImageNotFoundError(path, this.hostname)
    return f
  }

  /** The image or checkpoint at `path`; `ImageNotFoundError` when absent. */
  file (path: string): StoredFile {
    const f = this.files.get(path)
    if (f === undefined) throw new ImageNotFoundError(path, this.hostname)
    return f
  }

  /** The checkpoint at `path`; `ImageNotFoundError` when absent or not a checkpoint. */
  checkpoint (path: string): StoredFile & { checkpoint: CheckpointContent } {
    const f = this.files.get(path)
    if (f?.kind !== 'checkpoint' || f.checkpoint === undefined) throw new ImageNotFoundError(path, this.hostname)
    return f as StoredFile & { checkpoint: CheckpointContent }
  }

  /** Images under `dir` (a path prefix ending at a `/` boundary), sorted by path. */
  list (dir?: string): StoredFile[] {
    const prefix = dir === undefined || dir === '' ? '' : dir.endsWith('/') ? dir : `${dir}/`
    return [...this.files.values()].filter(f => f.kind === 'image' && f.path.startsWith(prefix)).sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  }

  /** Images whose backing image is `path`. */
  clonesOf (path: string): string[] {
    return [...this.files.values()].filter(f => f.backingImage === path).map(f => f.path)
  }

  /** Hold `path` and take `allocatedBytes` of disk; `ImageExistsError`, `InsufficientDiskError`. */
  reserve (path: string, allocatedBytes: number): Reservation {
    if (this.has(path)) throw new ImageExistsError(path, this.hostname)
    const free = this.freeBytes()
    if (allocatedBytes > free) throw new InsufficientDiskError(allocatedBytes, free, this.hostname)
    this.disk.allocate(allocatedBytes)
    this.pending.add(path)
    let open = true
    return {
      path,
      allocatedBytes,
      commit: (file) => {
        if (!open) throw new Error(`reservation of ${path} on ${this.hostname}: expected an open reservation, found it closed`)
        open = false
        this.pending.delete(path)
        const stored: StoredFile = { ...file, path, allocatedBytes, contentId: file.contentId ?? `${this.hostname}/${++this.contents}` }
        this.files.set(path, stored)
        return stored
      },
      abort: () => {
        if (!open) return
        open = false
        this.pending.delete(path)
        this.disk.release(allocatedBytes)
      }
    }
  }

  /**
   * Delete `path` (no-op when absent). `ImageInUseError` when `usedBy` names
   * a user or when a clone is backed by it.
   */
  delete (path: string, usedBy?: string): void {
    const f = this.files.get(path)
    if (f === undefined) return
    if (usedBy !== undefined) throw new ImageInUseError(path, usedBy)
    const clones = this.clonesOf(path)
    if (clones.length > 0) throw new ImageInUseError(path, `the copy-on-write clone ${clones[0] ?? ''}`)
    this.files.delete(path)
    this.disk.release(f.allocatedBytes)
  }
}

/** The contract's view of a stored image. */
export function imageInfo (f: StoredFile): ImageInfo {
  const info: ImageInfo = { path: f.path, sizeBytes: f.sizeBytes, allocatedBytes: f.allocatedBytes, format: f.format }
  if (f.backingImage !== undefined) info.backingImage = f.backingImage
  return info
}
