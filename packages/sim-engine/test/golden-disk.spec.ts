/**
 * Golden tests of the disk (zones, seeks, rotation, request sizes) on the paper's
 * platform. Every expected value is derived here from the drive's numbers, read
 * from the platform file, by the reasoning written beside it; none is taken from
 * the implementation.
 */
import { describe, it, expect } from 'vitest'
import { fileURLToPath } from 'node:url'
import { Engine, loadPlatform, nativePlatform, type Platform } from '../src/index.js'

const file = fileURLToPath(new URL('../platforms/paper-2010.yaml', import.meta.url))
const BYTES = 1e9 // uncached: no cache key

async function paper (): Promise<Platform> { return loadPlatform(file) }

interface Drive {
  outer: number
  z: number
  rotationS: number
  spanStroke: number
  rateAt: (x: number) => number
  cylinderAt: (x: number) => number
  seekS: (d: number) => number
  readRequest: number
  writeRequest: number
}

/** The drive of the paper's hosts, and the derivations every test shares. */
function drive (p: Platform): Drive {
  const d = p.hosts[1]!.disks[0]!
  expect(d.readBps).toBe(d.writeBps)
  const z = d.innerZoneFraction
  // Constant angular velocity and bit density: a track's rate is proportional to its radius r,
  // the capacity outside r to r_out^2 - r^2. Data at a fraction x of the capacity from the outer
  // edge is at r / r_out = sqrt(1 - x (1 - z^2)), z = r_in / r_out (the inner rate over the outer).
  const radius = (x: number): number => Math.sqrt(1 - x * (1 - z * z))
  // The head's travel is radial: stroke fraction (r_out - r) / (r_out - r_in).
  const cylinderAt = (x: number): number => (1 - radius(x)) / (1 - z)
  // Seek curve t(d) = t_track + k sqrt(d): E[sqrt|u - v|] over uniform u, v is
  // integral_0^1 2 (1 - d) sqrt(d) dd = 2 (2/3 - 2/5) = 8/15, so k = (t_avg - t_track) x 15 / 8
  // makes random seeks average the data sheet's t_avg.
  const seekS = (dist: number): number => d.trackSeekS + (d.averageSeekS - d.trackSeekS) * 15 / 8 * Math.sqrt(dist)
  return {
    outer: d.readBps,
    z,
    rotationS: 0.5 * 60 / d.rpm, // half a revolution
    spanStroke: d.domainSpanBytes / d.capacityBytes / 3, // two random points of one domain's span
    rateAt: x => d.readBps * radius(x),
    cylinderAt,
    seekS,
    readRequest: d.readRequestBytes,
    writeRequest: d.writeRequestBytes
  }
}

describe('a disk with zones and seeks (paper-2010)', () => {
  it('one stream alone streams at its zone\'s rate: 105 MB/s outside, 55 inside, sqrt((105^2 + 55^2) / 2) at mid-capacity', async () => {
    const p = nativePlatform(await paper())
    const dr = drive(p)
    expect(dr.rateAt(0)).toBeCloseTo(105e6, 0)
    expect(dr.rateAt(1)).toBeCloseTo(105e6 * 0.524, 0)
    for (const x of [0, 0.5, 1]) {
      const e = new Engine({ seed: 1, platform: p })
      const h = e.host('node01')
      h.diskPosition = x
      const r = e.io({ on: h, op: 'read', bytes: BYTES }).start()
      await e.run()
      expect(r.finishedAtS).toBeCloseTo(BYTES / dr.rateAt(x), 6)
    }
    expect(dr.rateAt(0.5) / 1e6).toBeCloseTo(Math.sqrt((105 ** 2 + (105 * 0.524) ** 2) / 2), 6)
  })

  it('two streams at a given request size: each request waits a seek and half a revolution, and the head alternates', async () => {
    const p = nativePlatform(await paper())
    const dr = drive(p)
    for (const request of [64 * 1024, 1024 * 1024, 4 * 1024 * 1024]) {
      const e = new Engine({ seed: 1, platform: p })
      const h = e.host('node01')
      const a = e.io({ on: h, op: 'read', bytes: BYTES, requestBytes: request }).start()
      const b = e.io({ on: h, op: 'read', bytes: BYTES, requestBytes: request }).start()
      await e.run()
      // Both streams are files of one host: a third of a domain's span apart.
      const service = dr.seekS(dr.spanStroke) + dr.rotationS + request / dr.rateAt(h.diskPosition)
      // One request of each per round: each stream moves `request` bytes per 2 x service.
      const each = request / (2 * service)
      expect(a.finishedAtS).toBeCloseTo(BYTES / each, 6)
      expect(b.finishedAtS).toBeCloseTo(BYTES / each, 6)
    }
  })

  it('N streams of N guests with images side by side: each request seeks from another guest\'s image, so the disk delivers less as N grows', async () => {
    const p = await paper()
    const dr = drive(p)
    const virt = p.virtualization
    const request = Math.min(virt.diskReadWindowBytes!, dr.readRequest) // a guest reads one readahead window per request
    const aggregate: number[] = []
    for (const n of [1, 2, 4]) {
      const e = new Engine({ seed: 1, platform: p })
      const h = e.host('node01')
      // 10 GB images one after the other from 30% of the 500 GB disk.
      const xs = Array.from({ length: n }, (_, i) => 0.3 + i * 10e9 / 500e9)
      const ios = xs.map((x, i) => e.io({ on: h.createVm({ name: `g${i}`, vcpus: 1, memoryMiB: 300, diskPosition: x }), op: 'read', bytes: BYTES }).start())
      await e.run()
      // Before its flow, a guest's read waits the split driver once per window in flight.
      const latencyS = virt.diskLatencyS * Math.ceil(BYTES / virt.diskReadWindowBytes!)
      // Stream i's byte costs 1/B(x_i) of transfer plus its request's positioning over the request:
      // the mean seek from the other streams' cylinders, plus half a revolution. Equal byte rates r
      // (max-min) fill the disk's time: r x sum_i (1/B_i + T_i / request) = 1.
      let perByte = 0
      for (let i = 0; i < n; i++) {
        let seek = 0
        for (let j = 0; j < n; j++) if (j !== i) seek += dr.seekS(Math.max(Math.abs(dr.cylinderAt(xs[i]!) - dr.cylinderAt(xs[j]!)), dr.spanStroke))
        const positioning = n === 1 ? 0 : seek / (n - 1) + dr.rotationS
        perByte += 1 / dr.rateAt(xs[i]!) + positioning / request
      }
      const r = 1 / perByte
      for (const io of ios) expect(io.finishedAtS).toBeCloseTo(latencyS + BYTES / r, 5)
      aggregate.push(n * r)
    }
    expect(aggregate[1]!).toBeLessThan(aggregate[0]!)
    expect(aggregate[2]!).toBeLessThan(aggregate[1]!)
  })

  it('a same-disk copy in Domain 0: a readahead-sized read and a flusher-sized write alternate', async () => {
    const p = await paper()
    const dr = drive(p)
    const e = new Engine({ seed: 1, platform: p })
    const h = e.host('node01')
    const bytes = 10e9 // a 10 GB image: Domain 0's page cache is negligible beside it
    const r = e.io({ on: h, op: 'read', bytes }).start()
    const w = e.io({ on: h, op: 'write', bytes }).start()
    await e.run()
    // Both at rate x: x (1/B + T/readRequest) + x (1/B + T/writeRequest) = 1, with T the seek within
    // Domain 0's files plus half a revolution, B the rate where they lie; the write's disk share
    // is slightly less than its bytes (the part absorbed as dirty pages is written back at x too).
    const T = dr.seekS(dr.spanStroke) + dr.rotationS
    const x = 1 / (2 / dr.rateAt(h.diskPosition) + T / dr.readRequest + T / dr.writeRequest)
    const rate = bytes / Math.max(r.finishedAtS!, w.finishedAtS!)
    expect(rate / x).toBeGreaterThan(0.99)
    expect(rate / x).toBeLessThan(1.01)
  })

  it('placement: each host\'s files at a position drawn from the seed and its name, its guests\' images one after another from there', async () => {
    const p = await paper()
    const d = p.hosts[1]!.disks[0]!
    const positions = (seed: number): number[] => {
      const e = new Engine({ seed, platform: p })
      return e.hosts().map(h => h.diskPosition)
    }
    expect(positions(1)).toEqual(positions(1))
    expect(positions(2)).not.toEqual(positions(1))
    const all = [1, 2, 3, 4, 5, 6, 7, 8].flatMap(positions)
    // Uniform over the disk: 104 draws, mean about 0.5 (standard error 0.028), spread over both halves.
    expect(Math.abs(all.reduce((a, b) => a + b, 0) / all.length - 0.5)).toBeLessThan(0.1)
    expect(all.filter(x => x < 0.25).length).toBeGreaterThan(10)
    expect(all.filter(x => x > 0.75).length).toBeGreaterThan(10)
    const e = new Engine({ seed: 1, platform: p })
    const h = e.host('node01')
    const g = [0, 1].map(i => h.createVm({ name: `g${i}`, vcpus: 1, memoryMiB: 384 }))
    const step = d.domainSpanBytes / d.capacityBytes
    expect(g[0]!.diskPosition).toBeCloseTo(Math.min(1, h.diskPosition + step), 12)
    expect(g[1]!.diskPosition).toBeCloseTo(Math.min(1, h.diskPosition + 2 * step), 12)
  })

  it('a flat disk without seeks (an SSD) shares its bandwidth without loss', async () => {
    const p = await loadPlatform(fileURLToPath(new URL('../platforms/modern-10gbe.yaml', import.meta.url)))
    const d = p.hosts[1]!.disks[0]!
    const e = new Engine({ seed: 1, platform: nativePlatform(p) })
    const h = e.host('srv01')
    const ios = [0, 1, 2].map(() => e.io({ on: h, op: 'read', bytes: BYTES }).start())
    await e.run()
    for (const io of ios) expect(io.finishedAtS).toBeCloseTo(3 * BYTES / d.readBps, 9)
  })
})
