import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from './errors.js'
import { idGenerator, isValidId, parseId, peerTagOf, toHostLabel, type RandomSource } from './ids.js'

/** A seeded xorshift random source, so tests are reproducible. */
function seeded (seed: number): RandomSource {
  let s = seed >>> 0 || 1
  return (n) => {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; out[i] = s & 0xff }
    return out
  }
}

describe('ids', () => {
  it('makes well-formed service ids carrying time and the peer tag', () => {
    const ids = idGenerator({ peerId: 'peer-a', nowMs: () => 1_700_000_000_123, random: seeded(1) })
    const id = ids.serviceId()
    expect(isValidId(id)).toBe(true)
    expect(parseId(id)).toEqual({ kind: 'svc', timeMs: 1_700_000_000_123, peerTag: peerTagOf('peer-a') })
    expect(ids.id('tpl')).toMatch(/^tpl-/)
    expect(() => ids.id('Bad!')).toThrow(InvalidArgumentError)
    expect(() => parseId('svc-nope')).toThrow(InvalidArgumentError)
  })

  it('never repeats within one generator, even with a frozen clock and a constant random source, and ids sort by creation', () => {
    const ids = idGenerator({ peerId: 'peer-a', nowMs: () => 5, random: n => new Uint8Array(n) })
    const made = Array.from({ length: 5000 }, () => ids.serviceId())
    expect(new Set(made).size).toBe(made.length)
    expect([...made].sort()).toEqual(made)
  })

  it('does not collide across hosts with the same clock and the same random seed', () => {
    const hosts = Array.from({ length: 13 }, (_, i) => idGenerator({ peerId: `12D3KooWpeer${i}`, nowMs: () => 1000, random: seeded(42) }))
    const all = hosts.flatMap(h => Array.from({ length: 200 }, () => h.serviceId()))
    expect(new Set(all).size).toBe(all.length)
    expect(new Set(hosts.map(h => h.peerTag)).size).toBe(13)
  })

  it('is reproducible for a given seed and clock', () => {
    const a = idGenerator({ peerId: 'p', nowMs: () => 77, random: seeded(9) })
    const b = idGenerator({ peerId: 'p', nowMs: () => 77, random: seeded(9) })
    expect([a.serviceId(), a.mac(), a.hostname('x')]).toEqual([b.serviceId(), b.mac(), b.hostname('x')])
  })

  it('makes MACs in the Xen OUI, never the same twice, skipping those in use', () => {
    const taken = new Set(['00:16:3e:00:00:01'])
    let calls = 0
    // A source that repeats itself: 00 00 01, 00 00 01, 00 00 02, ...
    const repeating: RandomSource = (n) => { calls++; return new Uint8Array([0, 0, Math.ceil(calls / 2)].slice(0, n)) }
    const ids = idGenerator({ peerId: 'p', random: repeating, inUse: m => taken.has(m) })
    const macs = [ids.mac(), ids.mac(), ids.mac()]
    expect(macs).toEqual(['00:16:3e:00:00:02', '00:16:3e:00:00:03', '00:16:3e:00:00:04'])
    const local = idGenerator({ peerId: 'p', random: seeded(3), macScheme: 'local' }).mac()
    expect(local).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/)
    expect(Number.parseInt(local.slice(0, 2), 16) & 0x03).toBe(0x02)
    const stuck = idGenerator({ peerId: 'p', random: n => new Uint8Array(n) })
    stuck.mac()
    expect(() => stuck.mac()).toThrow(/none in 1000 draws/)
  })

  it('makes RFC 1123 host names from service names', () => {
    const ids = idGenerator({ peerId: 'p', random: seeded(5) })
    expect(ids.hostname('Hadoop Slave #3')).toMatch(/^hadoop-slave-3-[0-9a-z]{6}$/)
    expect(ids.hostname('x'.repeat(100)).length).toBeLessThanOrEqual(63)
    expect(toHostLabel('--__--')).toBe('host')
    expect(toHostLabel('-a-')).toBe('a')
  })
})
