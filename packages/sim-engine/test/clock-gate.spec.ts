/**
 * The clock gate: real-time work holds simulated time except while it awaits
 * simulated work, counted once per work however many waits it has; waits on
 * behalf of work that cannot be reached (`gate.sim`, `releasing`) stand in
 * for one call that held the clock when they began, and never for a call
 * that began after them; call times are each call's wall time with the
 * clock held.
 */
import { describe, expect, it } from 'vitest'
import { CallTimer, ClockGate, Engine } from '../src/index.js'
import { goldenPlatform } from './golden-fixtures.js'

/** Real time passing (the gate is about real work; the assertions are on simulated time). */
const realDelay = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

function liveEngine (): Engine {
  const e = new Engine({ seed: 1, platform: goldenPlatform() })
  e.startLive()
  return e
}

/**
 * Simulated sleeps of `durationsS` awaited at once through `sim`: the clock runs to the longest, and then stands still
 * while the work does `realMs` of real-time work.
 */
async function longestThenHeld (engine: Engine, sim: (sleep: Promise<void>) => Promise<void>, durationsS: number[], realMs: number): Promise<void> {
  const t0 = engine.nowS()
  await Promise.all(durationsS.map(async (d) => { await sim(engine.sleep(d).wait()) }))
  expect(engine.nowS()).toBeCloseTo(t0 + Math.max(...durationsS), 6)
  const t1 = engine.nowS()
  await realDelay(realMs)
  expect(engine.nowS()).toBe(t1)
}

describe('ClockGate', () => {
  it('holds simulated time while a call does real-time work, and lets it go inside work.sim()', async () => {
    const engine = liveEngine()
    const gate = new ClockGate(engine, { wallClockMs: () => performance.now() })
    const busy = engine.sleep(10).start()
    await gate.run('api:test', async (work) => {
      const t0 = engine.nowS()
      await realDelay(30)
      expect(engine.nowS()).toBe(t0)
      await work.sim(engine.sleep(5).wait())
      expect(engine.nowS()).toBeCloseTo(t0 + 5, 6)
      await realDelay(30)
      expect(engine.nowS()).toBeCloseTo(t0 + 5, 6)
    })
    await busy.wait()
    expect(engine.nowS()).toBeCloseTo(10, 6)
    const t = gate.stats('api:')
    expect(t).toMatchObject({ kind: 'api:', calls: 1, slowest: 'api:test' })
    // about 60 ms of real-time work; the wait inside sim() is not counted
    expect(t.maxS).toBeGreaterThanOrEqual(0.05)
    expect(t.maxS).toBe(t.totalS)
    expect(gate.heldS()).toBeGreaterThanOrEqual(0.05)
    expect(gate.stats('other:').calls).toBe(0)
    await engine.stopLive()
  })

  it('counts concurrent waits of one work once: the clock runs while any of them runs, and not before they all end', async () => {
    const engine = liveEngine()
    const gate = new ClockGate(engine)
    const other = gate.run('other', async () => { await realDelay(1) }) // ends at once: only `many` holds then
    await other
    await gate.run('many', async (work) => { await longestThenHeld(engine, async (s) => { await work.sim(s) }, [2, 3, 1], 20) })
    expect(gate.held).toBe(false)
    await engine.stopLive()
  })

  it('keeps the clock while a second call does real work, even when the first waits for simulated work', async () => {
    const engine = liveEngine()
    const gate = new ClockGate(engine)
    let release!: () => void
    const blocker = gate.run('blocker', async () => { await new Promise<void>((resolve) => { release = resolve }) })
    const waiter = gate.run('waiter', async work => await work.sim(engine.sleep(1).wait()))
    await realDelay(30)
    expect(engine.nowS()).toBe(0)
    release()
    await Promise.all([blocker, waiter])
    expect(engine.nowS()).toBeCloseTo(1, 6)
    await engine.stopLive()
  })

  it('releasing(): an object whose async methods await simulated work for a call that cannot reach its work (no deadlock)', async () => {
    const engine = liveEngine()
    const gate = new ClockGate(engine)
    const disk = { name: 'disk', copy: async (s: number): Promise<number> => { await engine.sleep(s).wait(); return s } }
    const d = gate.releasing(disk)
    expect(d.name).toBe('disk')
    const t0 = engine.nowS()
    await gate.run('api:copy', async () => { expect(await d.copy(40)).toBe(40) })
    expect(engine.nowS() - t0).toBeCloseTo(40, 6)
    // gate.sim on its own (outside any call) leaves the gate as it found it
    await gate.sim(engine.sleep(1).wait())
    expect(gate.held).toBe(false)
    await engine.stopLive()
  })
})

describe('ClockGate: far-side waits stand in for one call each, owned', () => {
  it('a far-side wait outside every call (a coordinator\'s own driver call) does not free the clock for a call that begins meanwhile', async () => {
    const engine = liveEngine()
    const gate = new ClockGate(engine)
    const background = gate.sim(engine.sleep(5).wait())
    await gate.run('api:real', async () => {
      const t0 = engine.nowS()
      await realDelay(50)
      expect(engine.nowS()).toBe(t0)
    })
    await background
    expect(engine.nowS()).toBeCloseTo(5, 6)
    expect(gate.held).toBe(false)
    await engine.stopLive()
  })

  it('a far-side wait that outlives its call does not free the clock for the next call', async () => {
    const engine = liveEngine()
    const gate = new ClockGate(engine)
    let left!: Promise<void>
    await gate.run('api:short', async () => { left = gate.sim(engine.sleep(5).wait()) })
    await gate.run('api:next', async () => {
      const t0 = engine.nowS()
      await realDelay(50)
      expect(engine.nowS()).toBe(t0)
    })
    await left
    expect(gate.held).toBe(false)
    await engine.stopLive()
  })

  it('one call whose far side waits on two hosts at once: the clock runs until both end, then is held again (no deadlock)', async () => {
    const engine = liveEngine()
    const gate = new ClockGate(engine)
    await gate.run('api:two-hosts', async () => { await longestThenHeld(engine, async (s) => { await gate.sim(s) }, [2, 3], 30) })
    expect(gate.held).toBe(false)
    await engine.stopLive()
  })

  it('a call that begins while another call\'s far side waits on two hosts holds the clock through its real work', async () => {
    const engine = liveEngine()
    const gate = new ClockGate(engine)
    let started!: () => void
    const waiting = new Promise<void>((resolve) => { started = resolve })
    const first = gate.run('api:two-hosts', async () => {
      const both = Promise.all([gate.sim(engine.sleep(2).wait()), gate.sim(engine.sleep(3).wait())])
      started()
      await both
    })
    await waiting
    const t0 = engine.nowS()
    await gate.run('api:real', async () => {
      expect(engine.nowS()).toBe(t0)
      await realDelay(50)
      expect(engine.nowS()).toBe(t0)
    })
    await first
    expect(gate.held).toBe(false)
    await engine.stopLive()
  })
})

describe('CallTimer', () => {
  it('summarises calls by label prefix and by kind', async () => {
    const times = new CallTimer()
    times.record('api:search', 0.2, 'search')
    times.record('api:create', 1.5, 'create')
    times.record('probe:search', 0.1, 'search')
    expect(times.stats('api:')).toEqual({ kind: 'api:', calls: 2, totalS: 1.7, meanS: 0.85, maxS: 1.5, slowest: 'api:create' })
    expect(times.stats('none:')).toEqual({ kind: 'none:', calls: 0, totalS: 0, meanS: 0, maxS: 0, slowest: '' })
    expect(times.byKind().map(s => [s.kind, s.calls])).toEqual([['create', 1], ['search', 2]])
    let now = 10
    expect(await times.time('wall:x', () => now, async () => { now += 2.5; return 'done' })).toBe('done')
    expect(times.stats('wall:')).toMatchObject({ calls: 1, maxS: 2.5 })
  })
})
