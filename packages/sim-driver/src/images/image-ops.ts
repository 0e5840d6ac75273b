/**
 * The storage half of the driver contract on a simulated host: create,
 * inspect, list, copy, clone and delete images in the host's `ImageStore`.
 *
 * Costs: creating an image is instant (preallocation is metadata work);
 * a copy reads the source's allocated bytes and writes them to the
 * destination on the same disk, both as engine I/O activities, so the
 * disk model (and its interleaving penalty) sets the time; a
 * copy-on-write clone is instant and tiny (a qcow2 header naming its
 * backing image); deleting is instant.
 */
import {
  ImageInUseError, InvalidSpecError, assertImagePath, assertSizeBytes,
  type CloneMode, type ImageInfo
} from '@xenos/hypervisor-interface'
import type { Operation } from '../driver/control-plane.js'
import type { HostCalls } from '../driver/host-calls.js'
import { runActivities } from '../driver/run-activities.js'
import { QCOW2_HEADER_BYTES, imageInfo, type ImageStore } from './image-store.js'

export class ImageOps {
  constructor (private readonly calls: HostCalls) {}

  private get store (): ImageStore { return this.calls.state.store }

  async createImage (path: string, sizeBytes: number, options: { format?: 'raw' | 'qcow2' }): Promise<ImageInfo> {
    assertImagePath(path)
    assertSizeBytes(sizeBytes)
    const format = options.format ?? 'raw'
    if (format !== 'raw' && format !== 'qcow2') throw new InvalidSpecError('format', '"raw" or "qcow2"', format)
    return await this.calls.call('createImage', async () => {
      this.calls.fault('createImage')
      const allocated = format === 'raw' ? sizeBytes : Math.min(sizeBytes, QCOW2_HEADER_BYTES)
      return imageInfo(this.store.reserve(path, allocated).commit({ kind: 'image', sizeBytes, format }))
    })
  }

  async imageInfo (path: string): Promise<ImageInfo> {
    assertImagePath(path)
    // a checkpoint file is described too (its size is the memory saved plus the header), as `ls` would
    return await this.calls.call('imageInfo', async () => imageInfo(this.store.file(path)))
  }

  async listImages (dir?: string): Promise<ImageInfo[]> {
    if (dir !== undefined && dir !== '') assertImagePath(dir, 'dir')
    return await this.calls.call('listImages', async () => this.store.list(dir).map(imageInfo))
  }

  async copyImage (source: string, destination: string): Promise<ImageInfo> {
    assertImagePath(source, 'source')
    assertImagePath(destination, 'destination')
    return await this.calls.call('copyImage', async (op) => {
      const src = this.store.image(source)
      this.calls.fault('copyImage')
      return await this.fullCopy(op, src.path, destination)
    })
  }

  async cloneImage (template: string, destination: string, options: { mode?: CloneMode }): Promise<ImageInfo> {
    assertImagePath(template, 'template')
    assertImagePath(destination, 'destination')
    const mode = options.mode ?? 'cow'
    if (mode !== 'cow' && mode !== 'copy') throw new InvalidSpecError('mode', '"cow" or "copy"', mode)
    return await this.calls.call('cloneImage', async (op) => {
      const t = this.store.image(template)
      this.calls.fault('cloneImage')
      if (mode === 'copy') return await this.fullCopy(op, t.path, destination)
      const allocated = Math.min(t.sizeBytes, QCOW2_HEADER_BYTES)
      return imageInfo(this.store.reserve(destination, allocated).commit({ kind: 'image', sizeBytes: t.sizeBytes, format: 'qcow2', backingImage: t.path }))
    })
  }

  async deleteImage (path: string): Promise<void> {
    assertImagePath(path)
    await this.calls.call('deleteImage', async () => {
      if (!this.store.has(path)) return
      this.calls.fault('deleteImage')
      const users = this.calls.state.usersOf(path)
      if (users.length > 0) throw new ImageInUseError(path, `domain ${users[0] ?? ''}`)
      this.store.delete(path)
    })
  }

  /** A copy of `source` at `destination` on this host, costing a read and a write of its allocated bytes. */
  private async fullCopy (op: Operation, source: string, destination: string): Promise<ImageInfo> {
    const src = this.store.image(source)
    const reservation = this.store.reserve(destination, src.allocatedBytes)
    const { engine, state } = this.calls
    try {
      if (src.allocatedBytes > 0) {
        await runActivities(op, [
          engine.io({ on: state.host, op: 'read', bytes: src.allocatedBytes, cacheKey: this.calls.cacheKey(src.path) }),
          engine.io({ on: state.host, op: 'write', bytes: src.allocatedBytes, cacheKey: this.calls.cacheKey(destination) })
        ])
      }
    } catch (err) {
      reservation.abort()
      throw this.calls.hostError(err)
    }
    // The source may have been deleted meanwhile: the copy is still whole (it was read).
    const file = { kind: 'image' as const, sizeBytes: src.sizeBytes, format: src.format, contentId: src.contentId }
    return imageInfo(reservation.commit(src.backingImage === undefined ? file : { ...file, backingImage: src.backingImage }))
  }
}
