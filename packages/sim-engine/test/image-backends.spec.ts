/**
 * Guest images behind a loop device (`file:`) against raw devices and direct
 * I/O (`phy:`, `tap:aio:`), on the golden platform (round numbers, no
 * latencies or Domain 0 costs). Expected values are derived beside each test.
 */
import { describe, it, expect } from 'vitest'
import { Engine, definePlatform } from '../src/index.js'
import { goldenPlatformInput } from './golden-fixtures.js'

const MiB = 1024 * 1024
const READ = 100e6
const WRITE = 50e6
const MEM = 1e9

function engine (imageBackend: 'phy' | 'tap:aio' | 'file'): Engine {
  const input = goldenPlatformInput()
  return new Engine({ seed: 1, platform: definePlatform({ ...input, virtualization: { ...input.virtualization, imageBackend } }) })
}

describe('guest images: raw device, tap:aio: or a file behind a loop device', () => {
  it('a guest\'s direct write (swap) goes to the disk on phy: and tap:aio:, into Domain 0\'s page cache behind a loop device', async () => {
    // Domain 0's page cache: 512 - 256 MiB; its dirty limit 10% of it, 25.6 MiB, holds a 20e6-byte write.
    const bytes = 20e6
    for (const backend of ['phy', 'tap:aio'] as const) {
      const e = engine(backend)
      const vm = e.host('h1').createVm({ name: 'g', vcpus: 1, memoryMiB: 384 })
      const w = e.io({ on: vm, op: 'write', bytes, direct: true }).start()
      await e.run()
      expect(w.finishedAtS).toBeCloseTo(bytes / WRITE, 9)
    }
    const e = engine('file')
    const vm = e.host('h1').createVm({ name: 'g', vcpus: 1, memoryMiB: 384 })
    const w = e.io({ on: vm, op: 'write', bytes, direct: true }).start()
    await e.run()
    // Cached at memory speed, then Domain 0's flusher writes it: the disk is busy until bytes / WRITE.
    expect(w.finishedAtS).toBeCloseTo(bytes / MEM, 9)
    expect(e.nowS()).toBeCloseTo(bytes / WRITE, 9)
  })

  it('behind a loop device a guest re-reads from Domain 0\'s page cache what its own cannot hold', async () => {
    // Guest cache: 200 - 128 MiB working set = 72 MiB; Domain 0's: 256 MiB. A 160 MiB file: the first read
    // misses both; the second finds 72 MiB in the guest's cache and the other 88 MiB in Domain 0's.
    const f = 160 * MiB
    const times = async (backend: 'phy' | 'file'): Promise<number[]> => {
      const e = engine(backend)
      const vm = e.host('h1').createVm({ name: 'g', vcpus: 1, memoryMiB: 200 })
      const out: number[] = []
      const actor = (async () => {
        for (let i = 0; i < 2; i++) {
          const t0 = e.nowS()
          await e.io({ on: vm, op: 'read', bytes: f, cacheKey: 'data' }).wait()
          out.push(e.nowS() - t0)
        }
      })()
      await e.run()
      await actor
      return out
    }
    const [missFile, hitFile] = await times('file')
    expect(missFile).toBeCloseTo(f / READ, 9)
    expect(hitFile).toBeCloseTo(f / MEM, 9)
    const [missPhy, againPhy] = await times('phy')
    expect(missPhy).toBeCloseTo(f / READ, 9)
    // On a raw device 88 of the 160 MiB come from the disk: one blended flow at rate r, (88/160) r / READ = 1.
    expect(againPhy).toBeCloseTo(f / (READ * 160 / 88), 9)
  })

  it('behind a loop device two guests\' writes reach the disk as Domain 0\'s one write-back stream: no seeks between them', async () => {
    // 400e6 bytes each, far above any dirty limit. On phy: each guest's write-back is its own stream: two
    // streams, each 1e6-byte request after 10 ms of positioning: x (1/WRITE + 0.01/1e6) x 2 = 1 per stream pair.
    const bytes = 400e6
    const run = async (backend: 'phy' | 'file'): Promise<number> => {
      const e = engine(backend)
      const h = e.host('h1')
      const vms = [0, 1].map(i => h.createVm({ name: `g${i}`, vcpus: 1, memoryMiB: 384 }))
      for (const vm of vms) e.io({ on: vm, op: 'write', bytes }).start()
      await e.run()
      return e.nowS()
    }
    // Loop device: one stream, the disk at full speed: 800e6 bytes at WRITE.
    expect(await run('file')).toBeCloseTo(2 * bytes / WRITE, 6)
    // Raw devices: the two write-back streams interleave: 800e6 bytes at 1 / (1/WRITE + 0.01/1e6) = 25e6 B/s.
    expect(await run('phy')).toBeCloseTo(2 * bytes / (1 / (1 / WRITE + 0.01 / 1e6)), 6)
  })
})
