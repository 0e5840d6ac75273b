import { describe, it, expect } from 'vitest'
import { readFile } from 'node:fs/promises'
import { withValueAt } from '@xenos/config-file'
import { parsePlatform, PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { SensitivityError } from './errors.js'
import { valuesMoved, watchReads } from './read-tracking.js'

const data = (): { a: number, b: { c: number, d: number[], e: { f: number } }, g: string } => ({ a: 1, b: { c: 2, d: [3, 4], e: { f: 5 } }, g: 'x' })

describe('watchReads', () => {
  it('records each value read, however deep and however read, once; values not read are not recorded', () => {
    const read: string[] = []
    const v = watchReads(data(), 'file', p => read.push(p))
    expect(v.b.c + v.b.c).toBe(4)
    expect(v.b.d.map(x => x * 2)).toEqual([6, 8])
    expect(read).toEqual(['file:b.c', 'file:b.d.length', 'file:b.d.0', 'file:b.d.1'])
    // A copy reads what it copies; a reference kept to a part keeps recording.
    read.length = 0
    const copied = watchReads(data(), 'file', p => read.push(p))
    const { e, ...rest } = { ...copied.b }
    expect(read).toEqual(['file:b.c'])
    expect(rest.c).toBe(2)
    expect(e.f).toBe(5)
    expect(read).toEqual(['file:b.c', 'file:b.e.f'])
    read.length = 0
    expect(JSON.stringify(copied)).toBe(JSON.stringify(data()))
    expect(read).toEqual(['file:a', 'file:g', 'file:b.d.length', 'file:b.d.0', 'file:b.d.1'])
    read.length = 0
    expect(Object.getOwnPropertyDescriptor(watchReads(data(), 'file', p => read.push(p)), 'a')?.value).toBe(1)
    expect(read).toEqual(['file:a'])
  })

  it('gives one view per object, so identity is kept', () => {
    const shared = { x: 1 }
    const v = watchReads({ p: shared, q: shared, list: [shared] }, 'f', () => {})
    expect(v.p).toBe(v.q)
    expect(v.list[0]).toBe(v.p)
    expect(Array.isArray(v.list)).toBe(true)
  })

  it('refuses what it cannot watch: an object that is not plain data, a frozen part', () => {
    expect(() => watchReads({ m: new Map([[1, 2]]) }, 'f', () => {}).m).toThrow(SensitivityError)
    expect(() => watchReads(Object.freeze({ inner: { x: 1 } }), 'f', () => {}).inner).toThrow(/f:inner: expected a value that can be watched, found it frozen/)
  })
})

describe('valuesMoved', () => {
  it('names every value that differs, and "all" when the shapes differ', () => {
    const b = data()
    b.b.d[1] = 9
    b.b.e.f = 6
    expect(valuesMoved(data(), b, 'file')).toEqual(['file:b.d.1', 'file:b.e.f'])
    expect(valuesMoved(data(), data(), 'file')).toEqual([])
    expect(valuesMoved(data(), { ...data(), extra: 1 }, 'file')).toBe('all')
    expect(valuesMoved(data(), { ...data(), b: { ...data().b, d: [3] } }, 'file')).toBe('all')
    expect(valuesMoved(data(), { ...data(), a: '1' }, 'file')).toBe('all')
  })

  it('follows a value of the platform file to every place the loader puts it', async () => {
    const text = await readFile(PAPER_PLATFORM_FILE, 'utf8')
    const base = parsePlatform(text, PAPER_PLATFORM_FILE)
    const moved = (path: string, value: number): string[] | 'all' =>
      valuesMoved(base, parsePlatform(withValueAt(text, PAPER_PLATFORM_FILE, path, value), PAPER_PLATFORM_FILE), 'platform')
    // A host type's disk is copied into each host of that type.
    const disk = moved('hostTypes.e7200.disks.0.readBps', 100e6)
    expect(disk).toEqual(base.hosts.map((_, i) => `platform:hosts.${i}.disks.0.readBps`))
    expect(moved('pageCache.nativeWorkingSetMiB', 300)).toEqual(['platform:pageCache.nativeWorkingSetMiB'])
  })
})
