import { describe, it, expect } from 'vitest'
import {
  Engine, ActivityFailedError, ActivityCanceledError, ActivityStateError, ActivityArgumentError, InsufficientDiskSpaceError, InsufficientHostMemoryError,
  VmArgumentError, VmExistsError
} from '../src/index.js'
import { goldenPlatform } from './golden-fixtures.js'

function engine (): Engine {
  return new Engine({ seed: 3, platform: goldenPlatform(), eventLog: true })
}

describe('activity life cycle', () => {
  it('created -> started -> finished, with times and remaining work', async () => {
    const e = engine()
    const c = e.comm({ from: e.host('h1'), to: e.host('h2'), bytes: 200e6 })
    expect(c.state).toBe('created')
    expect(c.remaining()).toBe(200e6)
    c.start()
    expect(c.state).toBe('started')
    expect(() => c.start()).toThrow(ActivityStateError)
    await e.runUntil(1)
    expect(c.remaining()).toBeCloseTo(100e6, 3)
    await e.run()
    expect(c.state).toBe('finished')
    expect(c.startedAtS).toBe(0)
    expect(c.finishedAtS).toBeCloseTo(2, 9)
    expect(c.remaining()).toBe(0)
    await expect(c.wait()).resolves.toBeUndefined()
  })

  it('wait() starts a created activity', async () => {
    const e = engine()
    const s = e.sleep(3)
    const p = s.wait()
    expect(s.state).toBe('started')
    await e.run()
    await p
    expect(e.nowS()).toBe(3)
  })

  it('cancel -> canceled; waiters reject with ActivityCanceledError; the freed share goes to others', async () => {
    const e = engine()
    const a = e.comm({ from: e.host('h1'), to: e.host('h2'), bytes: 100e6 }).start()
    const b = e.comm({ from: e.host('h1'), to: e.host('h3'), bytes: 100e6 }).start()
    const waitA = expect(a.wait()).rejects.toBeInstanceOf(ActivityCanceledError)
    e.schedule(1, () => a.cancel())
    await e.run()
    await waitA
    expect(a.state).toBe('canceled')
    a.cancel() // idempotent
    // b ran at 50e6 B/s for 1 s, then alone at 100e6: 50e6 left -> 0.5 s.
    expect(b.finishedAtS).toBeCloseTo(1.5, 9)
  })

  it('crashHost fails the activities on it with ActivityFailedError and leaves the others alone', async () => {
    const e = engine()
    const h1 = e.host('h1')
    const vm = h1.createVm({ name: 'g', vcpus: 1, memoryMiB: 256 })
    const onVm = e.exec({ on: vm, flops: 10e9 }).start()
    const fromH1 = e.comm({ from: h1, to: e.host('h2'), bytes: 1e9 }).start()
    const elsewhere = e.comm({ from: e.host('h3'), to: e.host('h4'), bytes: 100e6 }).start()
    const waits = [onVm.wait(), fromH1.wait()].map(w => expect(w).rejects.toBeInstanceOf(ActivityFailedError))
    e.faults.crashHost('h1', 0.5)
    await e.run()
    await Promise.all(waits)
    await expect(onVm.wait()).rejects.toThrow(/crashed/)
    expect(onVm.state).toBe('failed')
    expect(onVm.finishedAtS).toBe(0.5)
    expect(elsewhere.state).toBe('finished')
    expect(elsewhere.finishedAtS).toBeCloseTo(1, 9)
    expect(h1.failed).toBe(true)
    expect(vm.gone).toBe(true)
    expect(h1.vms.size).toBe(0)
    // New work on a crashed host fails at once.
    const late = e.exec({ on: h1, flops: 1 })
    await expect(late.wait()).rejects.toBeInstanceOf(ActivityFailedError)
    expect(e.eventLog.some(l => l.includes('fault crashHost h1'))).toBe(true)
    // Rebooted: it runs work again, empty.
    e.faults.recoverHost('h1')
    expect(h1.failed).toBe(false)
    const again = e.comm({ from: h1, to: e.host('h2'), bytes: 100e6 }).start()
    const t0 = e.nowS()
    await e.run()
    expect(again.finishedAtS! - t0).toBeCloseTo(1, 9)
    expect(h1.freeMemoryMiB()).toBe(2048 - 512)
  })

  it('cutLink fails transfers through the NIC but not local work', async () => {
    const e = engine()
    const c = e.comm({ from: e.host('h1'), to: e.host('h2'), bytes: 1e9 }).start()
    const x = e.exec({ on: e.host('h1'), flops: 2e9 }).start()
    e.faults.cutLink('h2', 1)
    await e.run()
    expect(c.state).toBe('failed')
    expect(x.state).toBe('finished')
    expect(x.finishedAtS).toBeCloseTo(2, 9)
    await expect(e.comm({ from: e.host('h3'), to: e.host('h2'), bytes: 1 }).wait()).rejects.toThrow(/link of host h2 is down/)
  })

  it('a crash fails the host\'s activities in the order they came to it (an exec whose VM moved there, when it moved);'
    + ' a cut link only those crossing it', async () => {
    const e = engine()
    const [h1, h2, h3] = [e.host('h1'), e.host('h2'), e.host('h3')]
    const vm = h1.createVm({ name: 'g', vcpus: 1, memoryMiB: 256 })
    const failed: string[] = []
    const track = (name: string, a: ReturnType<Engine['exec']>): void => { a.onEnd((x) => { if (x.state === 'failed') failed.push(name) }).start() }
    track('exec on the VM (on h1, moves to h2)', e.exec({ on: vm, flops: 100e9 }))
    track('comm h2 -> h3', e.comm({ from: h2, to: h3, bytes: 10e9 }))
    track('exec on h3', e.exec({ on: h3, flops: 100e9 }))
    track('exec on h2', e.exec({ on: h2, flops: 100e9 }))
    track('comm h1 -> h2', e.comm({ from: h1, to: h2, bytes: 10e9 }))
    e.schedule(1, () => { vm.moveTo(h2) })
    e.schedule(2, () => { track('exec on h2, started after the move', e.exec({ on: h2, flops: 100e9 })) })
    e.faults.cutLink('h3', 3)
    e.faults.crashHost('h2', 4)
    await e.run()
    expect(failed).toEqual([
      'comm h2 -> h3', // the cut link of h3
      'comm h1 -> h2', // a crash cuts the host's link first
      'exec on h2', 'exec on the VM (on h1, moves to h2)', 'exec on h2, started after the move' // then fails what runs on it
    ])
  })

  it('destroying a VM fails its activities and releases its memory', async () => {
    const e = engine()
    const h = e.host('h1')
    const free = h.freeMemoryMiB()
    const vm = h.createVm({ name: 'g', vcpus: 1, memoryMiB: 384 })
    expect(h.freeMemoryMiB()).toBe(free - 384)
    const x = e.exec({ on: vm, flops: 5e9 }).start()
    e.schedule(1, () => vm.destroy())
    await e.run()
    expect(x.state).toBe('failed')
    expect(h.freeMemoryMiB()).toBe(free)
    expect(vm.usage.cpuTimeS).toBeCloseTo(1, 9)
  })

  it('moveTo re-reserves memory on the target and keeps computations running there', async () => {
    const e = engine()
    const [h1, h2] = [e.host('h1'), e.host('h2')]
    const vm = h1.createVm({ name: 'g', vcpus: 1, memoryMiB: 384 })
    const other = h2.createVm({ name: 'o', vcpus: 2, memoryMiB: 256 })
    e.exec({ on: other, flops: 100e9, maxCores: 2 }).start()
    const x = e.exec({ on: vm, flops: 2e9 }).start()
    e.schedule(1, () => vm.moveTo(h2))
    await e.runUntil(10)
    // 1 s alone on h1 (1 core), then on h2 with a 2-VCPU guest: weights 1:2 over 2 cores -> 2/3 core.
    expect(x.finishedAtS).toBeCloseTo(1 + 1e9 / (2e9 / 3), 9)
    expect(vm.host).toBe(h2)
    expect(h1.vms.has('g')).toBe(false)
    expect(h2.vms.get('g')).toBe(vm)
    expect(h1.freeMemoryMiB()).toBe(2048 - 512)
  })

  it('createVm refuses what does not fit', () => {
    const e = engine()
    const h = e.host('h1')
    h.createVm({ name: 'a', vcpus: 1, memoryMiB: 1500 })
    expect(() => h.createVm({ name: 'b', vcpus: 1, memoryMiB: 100 })).toThrow(InsufficientHostMemoryError)
    expect(() => h.createVm({ name: 'b', vcpus: 1, memoryMiB: 100 })).toThrow(/expected 100 MiB of free memory on host h1, found 36 MiB/)
    expect(() => h.createVm({ name: 'a', vcpus: 1, memoryMiB: 1 })).toThrow(VmExistsError)
    expect(() => h.createVm({ name: 'a b', vcpus: 1, memoryMiB: 1 })).toThrow(VmArgumentError)
  })

  it('disks account space', () => {
    const e = engine()
    const d = e.host('h1').disks[0]!
    d.allocate(4e11)
    expect(d.usedBytes).toBe(4e11)
    expect(() => d.allocate(7e11)).toThrow(InsufficientDiskSpaceError)
    d.release(4e11)
    expect(d.usedBytes).toBe(0)
  })

  it('validates activity arguments with typed errors naming the field', () => {
    const e = engine()
    const h = e.host('h1')
    const cases: Array<[() => unknown, RegExp]> = [
      [() => e.exec({ on: h, flops: -1 }), /exec\.flops: expected a finite number >= 0, found -1/],
      [() => e.exec({ on: h, flops: 1, maxCores: 0 }), /exec\.maxCores: expected an integer >= 1, found 0/],
      [() => e.exec({ on: 'h1' as never, flops: 1 }), /exec\.on: expected a host .* found "h1"/],
      [() => e.io({ on: h, op: 'append' as never, bytes: 1 }), /io\.op: expected "read" or "write", found "append"/],
      [() => e.io({ on: h, op: 'read', bytes: 1, disk: 3 }), /io\.disk: expected a disk index from 0 to 0 on h1, found 3/],
      [() => e.comm({ from: h, to: e.host('h2'), bytes: NaN }), /comm\.bytes: expected a finite number >= 0, found NaN/],
      [() => e.comm({ from: h, to: e.host('h2'), bytes: 1, rateBoundBps: 0 }), /comm\.rateBoundBps: expected a number > 0, found 0/],
      [() => e.sleep(-2), /sleep\.durationS: expected a finite number >= 0, found -2/]
    ]
    for (const [fn, message] of cases) {
      expect(fn).toThrow(ActivityArgumentError)
      expect(fn).toThrow(message)
    }
  })

  it('cancel and crash during the latency phase stop the transfer before any byte flows', async () => {
    const input = goldenPlatform()
    const p = { ...input, hosts: input.hosts.map(h => ({ ...h, nic: { bandwidthBps: 100e6, latencyS: 0.5 } })) }
    const e = new Engine({ seed: 1, platform: p })
    const a = e.comm({ from: e.host('h1'), to: e.host('h2'), bytes: 100e6 }).start()
    const b = e.comm({ from: e.host('h3'), to: e.host('h4'), bytes: 100e6 }).start()
    const other = e.comm({ from: e.host('h1'), to: e.host('h3'), bytes: 100e6 }).start()
    e.schedule(0.2, () => a.cancel())
    e.faults.crashHost('h4', 0.3)
    await e.run()
    expect(a.state).toBe('canceled')
    expect(a.remaining()).toBe(100e6)
    expect(b.state).toBe('failed')
    // `other` never shared h1's up link with a: 1 s latency (2 hops) + 1 s of transfer.
    expect(other.finishedAtS).toBeCloseTo(1 + 1, 9)
  })

  it('a guest suspended before its I/O starts resumes it from the beginning of the flow', async () => {
    const e = engine()
    const vm = e.host('h1').createVm({ name: 'g', vcpus: 1, memoryMiB: 256 })
    vm.suspend()
    const r = e.io({ on: vm, op: 'read', bytes: 100e6 }).start()
    e.schedule(2, () => vm.resume())
    await e.run()
    expect(r.finishedAtS).toBeCloseTo(2 + 100e6 / 100e6, 9)
    expect(vm.usage.diskReadBytes).toBe(100e6)
  })

  it('faults refuse times in the past', async () => {
    const e = engine()
    await e.runUntil(5)
    expect(() => e.faults.crashHost('h1', 1)).toThrow(/crashHost: expected a time >= now \(5\), found 1/)
    expect(() => e.faults.slowDisk('h1', 0)).toThrow(/slowDisk: expected a finite factor > 0, found 0/)
  })

  it('a transfer between two guests runs only while neither is suspended', async () => {
    const e = engine()
    const a = e.host('h1').createVm({ name: 'a', vcpus: 1, memoryMiB: 256 })
    const b = e.host('h2').createVm({ name: 'b', vcpus: 1, memoryMiB: 256 })
    const c = e.comm({ from: a, to: b, bytes: 100e6 }).start()
    e.schedule(0.5, () => { a.suspend(); b.suspend() })
    e.schedule(1, () => a.resume())
    e.schedule(2, () => b.resume())
    await e.run()
    // 0.5 s of transfer, paused from 0.5 to 2, then the other 0.5 s.
    expect(c.finishedAtS).toBeCloseTo(2.5, 9)
    expect(a.usage.netTxBytes).toBe(100e6)
    expect(b.usage.netRxBytes).toBe(100e6)
  })
})
