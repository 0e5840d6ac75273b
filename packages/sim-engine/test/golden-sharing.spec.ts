/**
 * Golden tests of the sharing model: every expected value is derived here,
 * from the platform's numbers, by the reasoning written beside it.
 */
import { describe, it, expect } from 'vitest'
import { Engine, definePlatform } from '../src/index.js'
import { goldenPlatform, goldenPlatformInput } from './golden-fixtures.js'

const MiB = 1024 * 1024
// Golden platform: 2 cores x 1e9 flops/s, memory bus 1e9 B/s, disk 100e6 B/s read,
// 50e6 B/s write (no zones), 10 ms of seek and rotation per 1e6-byte request when streams
// interleave, NIC 100e6 B/s each way, no latencies,
// tcpEfficiency 1, no Domain 0 costs.
const NIC = 100e6
const CORE = 1e9
const READ = 100e6
const WRITE = 50e6
const MEM = 1e9

function engine (overrides: Parameters<typeof goldenPlatform>[0] = {}): Engine {
  return new Engine({ seed: 7, platform: goldenPlatform(overrides) })
}

describe('network (max-min over full-duplex NICs)', () => {
  it('one flow alone gets the link bandwidth', async () => {
    const e = engine()
    const c = e.comm({ from: e.host('h1'), to: e.host('h2'), bytes: 300e6 }).start()
    await e.run()
    expect(c.finishedAtS).toBeCloseTo(300e6 / NIC, 9)
  })

  it('two flows sharing an up link get half each, then the survivor gets it all', async () => {
    const e = engine()
    const a = e.comm({ from: e.host('h1'), to: e.host('h2'), bytes: 50e6 }).start()
    const b = e.comm({ from: e.host('h1'), to: e.host('h3'), bytes: 150e6 }).start()
    await e.run()
    // Both at NIC/2 until a is done: tA = 50e6 / 50e6 = 1 s; b has 100e6 left at full NIC: +1 s.
    expect(a.finishedAtS).toBeCloseTo(50e6 / (NIC / 2), 9)
    expect(b.finishedAtS).toBeCloseTo(1 + (150e6 - 50e6) / NIC, 9)
  })

  it('full duplex: opposite directions do not share', async () => {
    const e = engine()
    const a = e.comm({ from: e.host('h1'), to: e.host('h2'), bytes: 100e6 }).start()
    const b = e.comm({ from: e.host('h2'), to: e.host('h1'), bytes: 100e6 }).start()
    await e.run()
    expect(a.finishedAtS).toBeCloseTo(1, 9)
    expect(b.finishedAtS).toBeCloseTo(1, 9)
  })

  it('a flow limited by a slower link leaves the rest to the other flow (max-min)', async () => {
    const input = goldenPlatformInput()
    const slowType = { ...input.hostTypes['t']!, nic: { bandwidthBps: NIC / 4, latencyS: 0 } }
    const p = definePlatform({ ...input, hostTypes: { ...input.hostTypes, slow: slowType }, hosts: [...input.hosts, { name: 'slow1', type: 'slow' }] })
    const e = new Engine({ seed: 1, platform: p })
    // Flow to the slow host is limited by its down link (NIC/4); the other flow on the shared
    // up link of h1 gets the remaining 3/4 of it.
    const toSlow = e.comm({ from: e.host('h1'), to: e.host('slow1'), bytes: 25e6 }).start()
    const toFast = e.comm({ from: e.host('h1'), to: e.host('h2'), bytes: 75e6 }).start()
    await e.run()
    expect(toSlow.finishedAtS).toBeCloseTo(25e6 / (NIC / 4), 9)
    expect(toFast.finishedAtS).toBeCloseTo(75e6 / (NIC * 3 / 4), 9)
  })

  it('latency is added before the transfer and tcpEfficiency scales the payload rate', async () => {
    const input = goldenPlatformInput()
    const t = { ...input.hostTypes['t']!, nic: { bandwidthBps: NIC, latencyS: 0.001 } }
    const p = definePlatform({ ...input, network: { switchLatencyS: 0.0005, tcpEfficiency: 0.8 }, hostTypes: { t } })
    const e = new Engine({ seed: 1, platform: p })
    const c = e.comm({ from: e.host('h1'), to: e.host('h2'), bytes: 80e6 }).start()
    await e.run()
    expect(c.finishedAtS).toBeCloseTo(0.001 + 0.0005 + 0.001 + 80e6 / (NIC * 0.8), 9)
  })

  it('rateBoundBps caps one transfer', async () => {
    const e = engine()
    const c = e.comm({ from: e.host('h1'), to: e.host('h2'), bytes: 40e6, rateBoundBps: 40e6 }).start()
    await e.run()
    expect(c.finishedAtS).toBeCloseTo(1, 9)
  })
})

describe('CPU (VCPUs share cores max-min fairly)', () => {
  it('three 1-VCPU guests on 2 cores get 2/3 of a core each', async () => {
    const e = engine()
    const h = e.host('h1')
    const execs = [1, 2, 3].map(i => e.exec({ on: h.createVm({ name: `v${i}`, vcpus: 1, memoryMiB: 256 }), flops: 1e9 }).start())
    await e.run()
    for (const x of execs) expect(x.finishedAtS).toBeCloseTo(1e9 / (2 * CORE / 3), 9)
  })

  it('a 2-VCPU guest counts as two VCPUs against a 1-VCPU guest', async () => {
    const e = engine()
    const h = e.host('h1')
    const big = h.createVm({ name: 'big', vcpus: 2, memoryMiB: 256 })
    const small = h.createVm({ name: 'small', vcpus: 1, memoryMiB: 256 })
    const a = e.exec({ on: big, flops: 4e9, maxCores: 2 }).start()
    const b = e.exec({ on: small, flops: 2e9 }).start()
    await e.run()
    // Weights 2:1 over 2 cores: big 4/3 core, small 2/3 core; both finish at 3 s.
    expect(a.finishedAtS).toBeCloseTo(4e9 / (4 / 3 * CORE), 9)
    expect(b.finishedAtS).toBeCloseTo(2e9 / (2 / 3 * CORE), 9)
  })

  it('execs inside one guest share its VCPUs; a guest never exceeds its VCPUs', async () => {
    const e = engine()
    const h = e.host('h1')
    const vm1 = h.createVm({ name: 'a', vcpus: 1, memoryMiB: 256 })
    const x1 = e.exec({ on: vm1, flops: 1e9 }).start()
    const x2 = e.exec({ on: vm1, flops: 1e9, maxCores: 2 }).start()
    await e.run()
    // The guest has 1 VCPU: 1 core for both execs (its host has a second core idle).
    expect(x1.finishedAtS).toBeCloseTo(2e9 / CORE, 9)
    expect(x2.finishedAtS).toBeCloseTo(2e9 / CORE, 9)
    expect(vm1.usage.cpuTimeS).toBeCloseTo(2, 9)
  })

  it('a suspended guest makes no progress and resumes where it stopped', async () => {
    const e = engine()
    const vm = e.host('h1').createVm({ name: 'a', vcpus: 1, memoryMiB: 256 })
    const x = e.exec({ on: vm, flops: 2e9 }).start()
    e.schedule(0.5, () => vm.suspend())
    e.schedule(3.5, () => vm.resume())
    await e.run()
    expect(x.finishedAtS).toBeCloseTo(2 + 3, 9)
  })
})

describe('disk and page cache', () => {
  it('one read alone gets the sequential bandwidth; two interleaving reads share the penalised disk', async () => {
    const e = engine({ virtualized: false })
    const h = e.host('h1')
    const one = e.io({ on: h, op: 'read', bytes: 100e6 }).start()
    await e.run()
    expect(one.finishedAtS).toBeCloseTo(100e6 / READ, 9)
    const t0 = e.nowS()
    const a = e.io({ on: h, op: 'read', bytes: 100e6 }).start()
    const b = e.io({ on: h, op: 'read', bytes: 100e6 }).start()
    await e.run()
    // Two streams: each 1e6-byte request takes 10 ms of positioning and 10 ms of transfer, the
    // head alternates: each stream gets 1e6 bytes per 40 ms, a quarter of READ.
    expect(a.finishedAtS! - t0).toBeCloseTo(100e6 / (READ / 4), 9)
    expect(b.finishedAtS! - t0).toBeCloseTo(100e6 / (READ / 4), 9)
  })

  it('a cached read is served at memory bandwidth, a miss at disk bandwidth', async () => {
    const e = engine({ virtualized: false })
    const h = e.host('h1')
    const miss = e.io({ on: h, op: 'read', bytes: 100e6, cacheKey: 'f' }).start()
    await e.run()
    const t0 = e.nowS()
    const hit = e.io({ on: h, op: 'read', bytes: 100e6, cacheKey: 'f' }).start()
    await e.run()
    expect(miss.finishedAtS).toBeCloseTo(100e6 / READ, 9)
    expect(hit.finishedAtS! - t0).toBeCloseTo(100e6 / MEM, 9)
  })

  it('a guest caches only what fits in its memory beyond its working set', async () => {
    const e = engine()
    // Guest page cache: 384 - 128 MiB working set = 256 MiB. A 512 MiB file keeps half cached.
    const vm = e.host('h1').createVm({ name: 'g', vcpus: 1, memoryMiB: 384 })
    const bytes = 512 * MiB
    let t0 = NaN
    let t1 = NaN
    // An actor: async code awaiting activities while the engine runs.
    const actor = (async () => {
      await e.io({ on: vm, op: 'read', bytes, cacheKey: 'big' }).wait()
      t0 = e.nowS()
      await e.io({ on: vm, op: 'read', bytes, cacheKey: 'big' }).wait()
      t1 = e.nowS()
    })()
    await e.run()
    await actor
    expect(t0).toBeCloseTo(bytes / READ, 6)
    // Half the bytes come from the disk: rate r with 0.5 r / READ = 1 -> r = 2 x READ.
    expect(t1 - t0).toBeCloseTo(bytes / (2 * READ), 6)
  })

  it('the page cache evicts the least recently used data', async () => {
    const e = engine()
    // Guest cache: 384 - 128 = 256 MiB; files of 160 MiB: two do not fit together.
    const vm = e.host('h1').createVm({ name: 'g', vcpus: 1, memoryMiB: 384 })
    const f = 160 * MiB
    const times: number[] = []
    const actor = (async () => {
      for (const key of ['a', 'b', 'b', 'a']) {
        const t0 = e.nowS()
        await e.io({ on: vm, op: 'read', bytes: f, cacheKey: key }).wait()
        times.push(e.nowS() - t0)
      }
    })()
    await e.run()
    await actor
    // a: miss; b: miss (evicts a); b: hit; a: miss again.
    expect(times[0]).toBeCloseTo(f / READ, 9)
    expect(times[1]).toBeCloseTo(f / READ, 9)
    expect(times[2]).toBeCloseTo(f / MEM, 9)
    expect(times[3]).toBeCloseTo(f / READ, 9)
  })

  it('writes under the dirty limit go at memory speed, then are written back', async () => {
    const e = engine({ virtualized: false })
    const h = e.host('h1')
    const w = e.io({ on: h, op: 'write', bytes: 100e6 }).start()
    await e.run()
    // Native cache: 2048 - 512 MiB; dirty limit 10% = 153.6 MiB > 100e6: absorbed.
    expect(w.finishedAtS).toBeCloseTo(100e6 / MEM, 9)
    // The write-back then keeps the disk busy for 100e6 / WRITE after the write started... alone
    // from t = 0: the simulation ends when it is done.
    expect(e.nowS()).toBeCloseTo(100e6 / WRITE, 9)
  })

  it('writes beyond the dirty limit are throttled to the disk, sharing it with the write-back', async () => {
    const e = engine({ virtualized: false })
    const h = e.host('h1')
    const W = 400e6
    const L = Math.floor(0.1 * (2048 - 512) * MiB) // dirty limit, bytes
    const a = L / W // fraction absorbed by the cache
    const w = e.io({ on: h, op: 'write', bytes: W }).start()
    await e.run()
    // The throttled write (disk share (1-a)/WRITE per byte) and the write-back (1/WRITE per byte) are
    // one write-back stream of the page cache (no seeks between them), both at rate x:
    // x ((1-a) + 1) / WRITE = 1.
    const x = WRITE / ((1 - a) + 1)
    const t1 = L / x // the write-back (L bytes) ends first
    const t2 = (W - x * t1) * (1 - a) / WRITE // then the write alone, full disk
    expect(w.finishedAtS).toBeCloseTo(t1 + t2, 6)
    // The disk was busy writing all W bytes, at full speed, from the start.
    expect(e.nowS()).toBeCloseTo(W / WRITE, 6)
  })

  it('a sequential writer is one stream: back-to-back writes of a big file run at disk speed', async () => {
    const e = engine({ virtualized: false })
    const h = e.host('h1')
    const block = 64 * MiB
    const blocks = 40 // 2.5 GiB, far above the 153.6 MiB dirty limit
    const writer = (async () => {
      for (let i = 0; i < blocks; i++) await e.io({ on: h, op: 'write', bytes: block, cacheKey: `file#${i}` }).wait()
    })()
    await e.run()
    await writer
    expect(e.nowS()).toBeCloseTo(blocks * block / WRITE, 6)
  })

  it('a write-back and a read of another file interleave', async () => {
    const e = engine({ virtualized: false })
    const h = e.host('h1')
    e.io({ on: h, op: 'write', bytes: 100e6 }).start() // absorbed; write-back of 100e6 follows
    const r = e.io({ on: h, op: 'read', bytes: 25e6 }).start()
    await e.run()
    // From t = 0 (the write-back starts when the write is absorbed) two streams at equal byte rates
    // x: a byte of either costs its transfer plus a 1e6th of the 10 ms positioning of its request:
    // x (1/WRITE + 0.01/1e6) + x (1/READ + 0.01/1e6) = 1.
    const x = 1 / (1 / WRITE + 1 / READ + 2 * 0.01 / 1e6)
    expect(r.finishedAtS).toBeCloseTo(25e6 / x, 9)
  })

  it('a slowed disk divides its bandwidth', async () => {
    const e = engine({ virtualized: false })
    e.faults.slowDisk('h1', 4)
    const r = e.io({ on: e.host('h1'), op: 'read', bytes: 100e6 }).start()
    await e.run()
    expect(r.finishedAtS).toBeCloseTo(4 * 100e6 / READ, 9)
  })
})

describe('virtualized I/O through Domain 0', () => {
  it('guests\' I/O is limited by Domain 0\'s CPU, which it takes from the guests\' VCPUs', async () => {
    const input = goldenPlatformInput()
    const t = { ...input.hostTypes['t']!, dom0: { memoryMiB: 512, vcpus: 1 } }
    const fpb = 80 // Domain 0 flops per disk byte
    const p = definePlatform({ ...input, virtualization: { ...input.virtualization, dom0DiskFlopsPerByte: fpb }, hostTypes: { t } })
    const e = new Engine({ seed: 1, platform: p })
    const h = e.host('h1')
    const io = h.createVm({ name: 'io', vcpus: 1, memoryMiB: 256 })
    const cpu1 = h.createVm({ name: 'c1', vcpus: 1, memoryMiB: 256 })
    const cpu2 = h.createVm({ name: 'c2', vcpus: 1, memoryMiB: 256 })
    const r = e.io({ on: io, op: 'read', bytes: 25e6 }).start()
    const x1 = e.exec({ on: cpu1, flops: 1e9 }).start()
    const x2 = e.exec({ on: cpu2, flops: 1e9 }).start()
    await e.run()
    // Domain 0 has 1 VCPU = 1e9 flops/s: the read runs at 1e9 / 80 B/s (below the disk's 100e6).
    // While it runs, 1 core is left to the two CPU guests (0.5 each); afterwards they get 1 each.
    const tRead = 25e6 / (CORE / fpb)
    expect(r.finishedAtS).toBeCloseTo(tRead, 9)
    const left = 1e9 - 0.5 * CORE * tRead
    expect(x1.finishedAtS).toBeCloseTo(tRead + left / CORE, 6)
    expect(x2.finishedAtS).toBeCloseTo(tRead + left / CORE, 6)
  })

  it('I/O-heavy guests on one host contend through Domain 0', async () => {
    const input = goldenPlatformInput()
    const t = { ...input.hostTypes['t']!, dom0: { memoryMiB: 512, vcpus: 1 } }
    const fpb = 20 // alone: 1e9 / 20 = 50e6 B/s, below the network's 100e6
    const p = definePlatform({ ...input, virtualization: { ...input.virtualization, dom0NetFlopsPerByte: fpb }, hostTypes: { t } })
    const e = new Engine({ seed: 1, platform: p })
    const h = e.host('h1')
    const g1 = h.createVm({ name: 'g1', vcpus: 1, memoryMiB: 256 })
    const g2 = h.createVm({ name: 'g2', vcpus: 1, memoryMiB: 256 })
    // Each sends to a different host (different down links), through the shared up link and Domain 0.
    const a = e.comm({ from: g1, to: e.host('h2'), bytes: 25e6 }).start()
    const b = e.comm({ from: g2, to: e.host('h3'), bytes: 25e6 }).start()
    await e.run()
    // Domain 0 (1e9 flops/s) is the bottleneck: 1e9 / 20 / 2 = 25e6 B/s each.
    expect(a.finishedAtS).toBeCloseTo(25e6 / (CORE / fpb / 2), 9)
    expect(b.finishedAtS).toBeCloseTo(25e6 / (CORE / fpb / 2), 9)
  })

  it('Domain 0\'s own transfers can cost CPU per byte (dom0FlopsPerByte), on both hosts', async () => {
    const input = goldenPlatformInput()
    const t = { ...input.hostTypes['t']!, dom0: { memoryMiB: 512, vcpus: 1 } }
    const e = new Engine({ seed: 1, platform: definePlatform({ ...input, hostTypes: { t } }) })
    const [h1, h2] = [e.host('h1'), e.host('h2')]
    const c = e.comm({ from: h1, to: h2, bytes: 100e6, dom0FlopsPerByte: 40 }).start()
    const g = h2.createVm({ name: 'g', vcpus: 2, memoryMiB: 256 })
    const x = e.exec({ on: g, flops: 1e9, maxCores: 2 }).start()
    await e.run()
    // Domain 0 has 1 VCPU (1e9 flops/s): 1e9 / 40 = 25e6 B/s, below the NIC's 100e6.
    expect(c.finishedAtS).toBeCloseTo(100e6 / (CORE / 40), 9)
    // Meanwhile the receiver's Domain 0 uses 1 of h2's 2 cores: the 2-VCPU guest gets the other.
    expect(x.finishedAtS).toBeCloseTo(1e9 / CORE, 9)
  })
})
