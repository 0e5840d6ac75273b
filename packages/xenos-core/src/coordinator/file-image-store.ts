/**
 * A backend's images as real files under one directory (the xen backend's
 * image store), as the transfer sees them: manifests built by hashing the
 * file (SHA-256 per 4 MiB chunk), complete images served from the file,
 * fetches written to `<path>.part` and resumable (`FileChunkStore`).
 * Paths are those of the driver's image store, relative to the directory;
 * a path leading outside it is refused.
 */
import { mkdir, stat } from 'node:fs/promises'
import { dirname, resolve, sep } from 'node:path'
import type { ChunkImageStore } from '@xenos/hypervisor-interface'
import { FileChunkStore } from '../overlay/transfer/chunk-store.js'
import { buildManifest } from '../overlay/transfer/manifest.js'
import { InvalidArgumentError } from './errors.js'

export function fileImageStore (init: { imageDir: string }): ChunkImageStore {
  const root = resolve(init.imageDir)
  const abs = (path: string): string => {
    const p = resolve(root, path)
    if (p !== root && !p.startsWith(root + sep)) throw new InvalidArgumentError('path', `an image path inside ${root}`, path)
    return p
  }
  return {
    manifest: async path => await buildManifest(abs(path)),
    async version (path) {
      const st = await stat(abs(path))
      return `${st.size}:${st.mtimeMs}`
    },
    openComplete: async (path, manifest) => await FileChunkStore.openComplete(abs(path), manifest),
    async openStaging (path, manifest) {
      const file = abs(path)
      await mkdir(dirname(file), { recursive: true })
      return await FileChunkStore.openStaging(file, manifest)
    }
  }
}
