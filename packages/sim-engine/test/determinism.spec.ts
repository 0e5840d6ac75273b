import { describe, it, expect } from 'vitest'
import { Engine } from '../src/index.js'
import { goldenPlatform } from './golden-fixtures.js'

/** A random mixed scenario; returns its event log and results. */
function scenario (seed: number): { engine: Engine, results: () => string } {
  const e = new Engine({ seed, platform: goldenPlatform({ hosts: 6 }), eventLog: true })
  const r = e.random.fork('workload')
  const hosts = e.hosts()
  const vms = hosts.map((h, i) => h.createVm({ name: `vm${i}`, vcpus: 1, memoryMiB: 384 }))
  const acts = []
  for (let i = 0; i < 60; i++) {
    const at = r.exponential(0.2) * i
    const kind = r.int(3)
    e.schedule(at, () => {
      const vm = vms[r.int(vms.length)]!
      if (kind === 0) {
        acts.push(e.exec({ on: vm, flops: 1e8 + r.next() * 1e9 }).start())
      } else if (kind === 1) {
        acts.push(e.io({ on: vm, op: r.next() < 0.5 ? 'read' : 'write', bytes: Math.floor(r.next() * 50e6), cacheKey: `k${r.int(5)}` }).start())
      } else {
        acts.push(e.comm({ from: vm, to: hosts[r.int(hosts.length)]!, bytes: Math.floor(r.next() * 80e6) }).start())
      }
    }, `spawn-${i}`)
  }
  e.faults.crashHost('h3', 4.2)
  return {
    engine: e,
    results: () => JSON.stringify({ now: e.nowS(), usage: vms.map(v => v.usage), stats: e.stats })
  }
}

describe('determinism', () => {
  it('same seed => byte-identical event log and results, run twice in one process', async () => {
    const a = scenario(11)
    await a.engine.run()
    const b = scenario(11)
    await b.engine.run()
    expect(a.engine.eventLog.length).toBeGreaterThan(100)
    expect(b.engine.eventLog.join('\n')).toBe(a.engine.eventLog.join('\n'))
    expect(b.results()).toBe(a.results())
    const c = scenario(12)
    await c.engine.run()
    expect(c.engine.eventLog.join('\n')).not.toBe(a.engine.eventLog.join('\n'))
  })

  it('two engines interleaved in one process give the same bytes as each alone', async () => {
    const alone = scenario(21)
    await alone.engine.run()
    const x = scenario(21)
    const y = scenario(22)
    for (let t = 0.25; x.engine.nowS() < alone.engine.nowS(); t += 0.25) {
      await x.engine.runUntil(t)
      await y.engine.runUntil(t)
    }
    await x.engine.run()
    await y.engine.run()
    expect(x.engine.eventLog.join('\n')).toBe(alone.engine.eventLog.join('\n'))
    expect(x.results().replace(/"now":[^,]*,/, '')).toBe(alone.results().replace(/"now":[^,]*,/, ''))
  })
})
