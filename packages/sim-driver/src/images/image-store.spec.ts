import { describe, it, expect } from 'vitest'
import { ImageExistsError, ImageInUseError, ImageNotFoundError, InsufficientDiskError } from '@xenos/hypervisor-interface'
import { ImageStore, type DiskSpace } from './image-store.js'

function disk (capacityBytes: number): DiskSpace {
  return {
    capacityBytes,
    usedBytes: 0,
    allocate (bytes) { this.usedBytes += bytes },
    release (bytes) { this.usedBytes -= bytes }
  } as DiskSpace & { usedBytes: number }
}

describe('ImageStore', () => {
  it('accounts space on the disk and frees it on delete', () => {
    const store = new ImageStore('h1', disk(1000))
    store.reserve('a.img', 600).commit({ kind: 'image', sizeBytes: 600, format: 'raw' })
    expect(store.freeBytes()).toBe(400)
    expect(store.image('a.img').allocatedBytes).toBe(600)
    store.delete('a.img')
    expect(store.freeBytes()).toBe(1000)
    expect(() => store.image('a.img')).toThrow(ImageNotFoundError)
  })

  it('refuses what does not fit and takes nothing', () => {
    const store = new ImageStore('h1', disk(1000))
    expect(() => store.reserve('a.img', 1001)).toThrow(InsufficientDiskError)
    expect(store.freeBytes()).toBe(1000)
    expect(store.has('a.img')).toBe(false)
  })

  it('holds a path while a file is written and gives everything back on abort', () => {
    const store = new ImageStore('h1', disk(1000))
    const r = store.reserve('a.img', 500)
    expect(() => store.reserve('a.img', 1)).toThrow(ImageExistsError)
    expect(store.list()).toEqual([])
    r.abort()
    r.abort()
    expect(store.freeBytes()).toBe(1000)
    expect(store.has('a.img')).toBe(false)
  })

  it('lists images under a directory, not checkpoints', () => {
    const store = new ImageStore('h1', disk(1e6))
    store.reserve('t/a.img', 1).commit({ kind: 'image', sizeBytes: 1, format: 'raw' })
    store.reserve('t/b.img', 1).commit({ kind: 'image', sizeBytes: 1, format: 'raw' })
    store.reserve('tx/c.img', 1).commit({ kind: 'image', sizeBytes: 1, format: 'raw' })
    store.reserve('t/d.save', 1).commit({ kind: 'checkpoint', sizeBytes: 1, format: 'raw' })
    expect(store.list('t').map(f => f.path)).toEqual(['t/a.img', 't/b.img'])
    expect(store.list().length).toBe(3)
  })

  it('keeps a backing image while clones use it', () => {
    const store = new ImageStore('h1', disk(1e6))
    store.reserve('base.img', 100).commit({ kind: 'image', sizeBytes: 100, format: 'raw' })
    store.reserve('clone.img', 10).commit({ kind: 'image', sizeBytes: 100, format: 'qcow2', backingImage: 'base.img' })
    expect(() => store.delete('base.img')).toThrow(ImageInUseError)
    expect(() => store.delete('clone.img', 'domain web-1')).toThrow(ImageInUseError)
    store.delete('clone.img')
    store.delete('base.img')
    store.delete('base.img')
    expect(store.freeBytes()).toBe(1e6)
  })
})
