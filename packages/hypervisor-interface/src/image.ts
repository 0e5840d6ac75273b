import type { DiskFormat } from './domain-spec.js'

/** A disk image file in a host's image store. */
export interface ImageInfo {
  /** Path in the host's image store. */
  path: string
  /** Logical size the guest sees, in bytes. */
  sizeBytes: number
  /** Space the file occupies on the host, in bytes (smaller for sparse files and clones). */
  allocatedBytes: number
  format: DiskFormat
  /** For a copy-on-write clone, the image it is based on. */
  backingImage?: string
}

/** How an image is cloned: a full copy, or copy-on-write over the template. */
export type CloneMode = 'copy' | 'cow'
