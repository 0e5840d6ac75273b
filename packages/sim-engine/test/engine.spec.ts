import { describe, it, expect } from 'vitest'
import { Engine, EventQueue, Random, HostNotFoundError, EngineArgumentError, EngineBusyError } from '../src/index.js'
import { goldenPlatform } from './golden-fixtures.js'

describe('EventQueue', () => {
  it('orders by time, then by insertion (FIFO among equal times), and skips canceled events', () => {
    const q = new EventQueue()
    const out: string[] = []
    q.push(2, () => out.push('c'), undefined)
    q.push(1, () => out.push('a'), undefined)
    const x = q.push(1, () => out.push('x'), undefined)
    q.push(1, () => out.push('b'), undefined)
    q.cancel(x)
    expect(q.size).toBe(3)
    for (let ev = q.pop(); ev !== undefined; ev = q.pop()) ev.fn()
    expect(out).toEqual(['a', 'b', 'c'])
  })

  it('keeps heap order over many random insertions', () => {
    const q = new EventQueue()
    const r = new Random(3)
    for (let i = 0; i < 2000; i++) q.push(r.int(100), () => undefined, undefined)
    let last = -1
    let lastSeq = -1
    for (let ev = q.pop(); ev !== undefined; ev = q.pop()) {
      expect(ev.timeS > last || (ev.timeS === last && ev.seq > lastSeq)).toBe(true)
      last = ev.timeS
      lastSeq = ev.seq
    }
  })
})

describe('Random', () => {
  it('is reproducible from its seed and forks independent, stable streams', () => {
    const a = new Random(42)
    const b = new Random(42)
    const xs = Array.from({ length: 5 }, () => a.next())
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs)
    expect(new Random(43).next()).not.toBe(xs[0])
    const f1 = new Random(42).fork('disk')
    const f2 = new Random(42).fork('disk')
    expect(f1.nextUint32()).toBe(f2.nextUint32())
    expect(new Random(42).fork('net').nextUint32()).not.toBe(new Random(42).fork('disk').nextUint32())
    // Forking does not consume the parent's stream.
    const p = new Random(42)
    p.fork('x')
    expect(p.next()).toBe(xs[0])
  })

  it('has the right moments', () => {
    const r = new Random(1)
    const n = 20000
    let s = 0
    let s2 = 0
    let e = 0
    for (let i = 0; i < n; i++) {
      const u = r.next()
      expect(u >= 0 && u < 1).toBe(true)
      s += u; s2 += u * u
      e += r.exponential(2)
    }
    expect(s / n).toBeCloseTo(0.5, 1)
    expect(s2 / n - (s / n) ** 2).toBeCloseTo(1 / 12, 2)
    expect(e / n).toBeCloseTo(2, 1)
    const ints = new Set(Array.from({ length: 200 }, () => r.int(3)))
    expect([...ints].sort()).toEqual([0, 1, 2])
    expect(() => r.int(0)).toThrow(/expected a positive safe integer, found 0/)
  })
})

describe('Engine', () => {
  it('runs scheduled callbacks in time order and advances the clock', async () => {
    const e = new Engine({ seed: 1, platform: goldenPlatform() })
    const seen: Array<[string, number]> = []
    e.schedule(2, () => seen.push(['b', e.nowS()]))
    e.schedule(1, () => { seen.push(['a', e.nowS()]); e.schedule(0, () => seen.push(['a0', e.nowS()])) })
    const h = e.schedule(1.5, () => seen.push(['never', e.nowS()]))
    h.cancel()
    await e.run()
    expect(seen).toEqual([['a', 1], ['a0', 1], ['b', 2]])
    expect(e.nowS()).toBe(2)
  })

  it('runUntil stops at the time given, leaving later events pending', async () => {
    const e = new Engine({ seed: 1, platform: goldenPlatform() })
    let ran = 0
    e.schedule(1, () => ran++)
    e.schedule(5, () => ran++)
    await e.runUntil(3)
    expect(ran).toBe(1)
    expect(e.nowS()).toBe(3)
    await e.run()
    expect(ran).toBe(2)
    await expect(e.runUntil(1)).rejects.toThrow(EngineArgumentError)
  })

  it('the clock sleeps in simulated time, and aborts', async () => {
    const e = new Engine({ seed: 1, platform: goldenPlatform() })
    const times: number[] = []
    const actor = (async () => {
      await e.clock.sleep(10)
      times.push(e.clock.nowS())
      await e.clock.sleep(0.5)
      times.push(e.clock.nowS())
      const ac = new AbortController()
      e.schedule(1, () => ac.abort(new Error('stop')))
      await expect(e.clock.sleep(100, ac.signal)).rejects.toThrow('stop')
      times.push(e.clock.nowS())
    })()
    await e.run()
    await actor
    expect(times).toEqual([10, 10.5, 11.5])
  })

  it('names unknown hosts and refuses to run twice at once', async () => {
    const e = new Engine({ seed: 1, platform: goldenPlatform() })
    expect(() => e.host('nope')).toThrow(HostNotFoundError)
    expect(() => e.host('nope')).toThrow(/expected a host named "nope".*found only h1, h2, h3, h4/)
    expect(e.hosts().map(h => h.name)).toEqual(['h1', 'h2', 'h3', 'h4'])
    e.startLive()
    await expect(e.run()).rejects.toThrow(EngineBusyError)
    await e.stopLive()
  })

  it('two engines in one process do not share anything', async () => {
    const a = new Engine({ seed: 1, platform: goldenPlatform() })
    const b = new Engine({ seed: 1, platform: goldenPlatform() })
    a.schedule(5, () => undefined)
    await a.run()
    expect(a.nowS()).toBe(5)
    expect(b.nowS()).toBe(0)
  })
})

describe('live mode and holds', () => {
  it('does not advance simulated time while a hold is active, and advances when released', async () => {
    const e = new Engine({ seed: 1, platform: goldenPlatform() })
    const release = e.hold('api request')
    let fired = false
    e.schedule(5, () => { fired = true })
    e.startLive()
    // Let real time pass: the engine must not move.
    for (let i = 0; i < 20; i++) await new Promise(resolve => setImmediate(resolve))
    expect(e.nowS()).toBe(0)
    expect(fired).toBe(false)
    expect(e.activeHolds()).toEqual(['api request'])
    release()
    release() // idempotent
    const t0 = await new Promise<number>((resolve) => {
      const poll = (): void => { if (fired) resolve(e.nowS()); else setImmediate(poll) }
      poll()
    })
    expect(t0).toBe(5)
    // With nothing to do, live mode waits for new work.
    const done = e.sleep(2).wait()
    await done
    expect(e.nowS()).toBe(7)
    await e.stopLive()
  })

  it('wakes up when outside code changes the sharing (a guest resumed while nothing was scheduled)', async () => {
    const e = new Engine({ seed: 1, platform: goldenPlatform() })
    const vm = e.host('h1').createVm({ name: 'g', vcpus: 1, memoryMiB: 256 })
    vm.suspend()
    const x = e.exec({ on: vm, flops: 1e9 })
    const done = x.wait()
    e.startLive()
    for (let i = 0; i < 10; i++) await new Promise(resolve => setImmediate(resolve))
    expect(x.state).toBe('started')
    expect(e.nowS()).toBe(0)
    vm.resume() // from outside the engine, e.g. a driver call
    await done
    expect(x.finishedAtS).toBeCloseTo(1, 9)
    await e.stopLive()
  })

  it('runs instant-end callbacks once the instant\'s work is done and no hold is active, before time moves on', async () => {
    const e = new Engine({ seed: 1, platform: goldenPlatform() })
    const seen: string[] = []
    e.schedule(1, () => {
      seen.push(`event at ${e.nowS()}`)
      e.atInstantEnd(() => {
        seen.push(`end of ${e.nowS()}`)
        // more work at this instant from a callback runs before time moves on
        e.schedule(0, () => { seen.push(`more at ${e.nowS()}`) })
      })
      e.schedule(0, () => { seen.push(`same instant at ${e.nowS()}`) })
    })
    e.schedule(2, () => { seen.push(`event at ${e.nowS()}`) })
    const release = e.hold('real work')
    e.startLive()
    for (let i = 0; i < 20; i++) await new Promise(resolve => setImmediate(resolve))
    // held at 0: nothing ran; events at the current instant would, but there are none
    expect(seen).toEqual([])
    release()
    await e.sleep(3).wait()
    expect(seen).toEqual(['event at 1', 'same instant at 1', 'end of 1', 'more at 1', 'event at 2'])
    // while a hold is active the callback waits, even with the instant's work done
    const held = e.hold('real work')
    let ran = false
    e.atInstantEnd(() => { ran = true })
    for (let i = 0; i < 20; i++) await new Promise(resolve => setImmediate(resolve))
    expect(ran).toBe(false)
    held()
    await e.sleep(0.5).wait()
    expect(ran).toBe(true)
    await e.stopLive()
  })
})
