/**
 * Property tests of the max-min solver on random systems: the allocation is
 * feasible and max-min fair (every variable has a bottleneck), and solving
 * incrementally after random changes gives the same rates as solving the
 * final system from scratch.
 */
import { describe, it, expect } from 'vitest'
import { MaxMinSystem, Random, type Constraint, type Variable } from '../src/index.js'

interface Spec { weight: number, bound: number, elems: Array<[number, number]> }

function build (caps: number[], specs: Spec[], levelCutoff = false): { sys: MaxMinSystem, cons: Constraint[], vars: Variable[] } {
  const sys = new MaxMinSystem()
  sys.levelCutoff = levelCutoff
  const cons = caps.map((c, i) => sys.constraint(`c${i}`, c))
  const vars = specs.map((s) => {
    const v = sys.variable(s.weight, s.bound, undefined)
    for (const [ci, coeff] of s.elems) sys.expand(cons[ci]!, v, coeff)
    return v
  })
  sys.solve()
  return { sys, cons, vars }
}

let ties = false

/** A random variable; with `ties`, round numbers so that many levels coincide. */
function randomSpec (r: Random, nCons: number): Spec {
  const k = 1 + r.int(3)
  const elems = new Map<number, number>()
  for (let j = 0; j < k; j++) elems.set(r.int(nCons), ties ? 1 : 0.5 + r.next() * 2)
  return { weight: r.next() < 0.1 ? 0 : 1 + r.int(3), bound: r.next() < 0.3 ? (ties ? 5 * (1 + r.int(4)) : 1 + r.next() * 50) : Infinity, elems: [...elems] }
}

function randomCap (r: Random): number {
  return ties ? 10 * (1 + r.int(5)) : 1 + r.next() * 100
}

/** Feasible, and each variable with weight > 0 is at its bound or on a saturated constraint where no variable has a higher level. */
function checkMaxMin (cons: Constraint[], vars: Variable[]): void {
  const tol = 1e-9
  for (const c of cons) expect(c.usage()).toBeLessThanOrEqual(c.capacity * (1 + tol) + tol)
  for (const v of vars) {
    if (v.removed) continue
    if (v.weight === 0) { expect(v.rate).toBe(0); continue }
    expect(v.rate).toBeLessThanOrEqual(v.bound * (1 + tol))
    if (v.rate >= v.bound * (1 - tol)) continue
    const level = v.rate / v.weight
    const bottleneck = v.elems.some((e) => {
      const saturated = e.c.usage() >= e.c.capacity * (1 - 1e-7)
      const maxLevel = Math.max(...e.c.elems.filter(x => x.v.weight > 0).map(x => x.v.rate / x.v.weight))
      return saturated && level >= maxLevel * (1 - 1e-7)
    })
    expect(bottleneck, `variable ${v.id} at level ${level} has no bottleneck`).toBe(true)
  }
}

describe('MaxMinSystem', () => {
  it('textbook case: a 10-unit and a 4-unit link, three flows', () => {
    // f0 uses both links, f1 only the 10-link, f2 only the 4-link.
    // 4-link saturates first at level 2 (f0, f2 = 2); then f1 gets 10 - 2 = 8.
    const { vars } = build([10, 4], [
      { weight: 1, bound: Infinity, elems: [[0, 1], [1, 1]] },
      { weight: 1, bound: Infinity, elems: [[0, 1]] },
      { weight: 1, bound: Infinity, elems: [[1, 1]] }
    ])
    expect(vars.map(v => v.rate)).toEqual([2, 8, 2])
  })

  it('weights and bounds', () => {
    const { vars } = build([12], [
      { weight: 2, bound: Infinity, elems: [[0, 1]] },
      { weight: 1, bound: Infinity, elems: [[0, 1]] },
      { weight: 1, bound: 1, elems: [[0, 1]] }
    ])
    // The bounded one takes 1; 11 left shared 2:1.
    expect(vars[2]!.rate).toBe(1)
    expect(vars[0]!.rate).toBeCloseTo(22 / 3, 12)
    expect(vars[1]!.rate).toBeCloseTo(11 / 3, 12)
  })

  it('random systems are feasible and max-min fair', () => {
    const r = new Random(5)
    for (let trial = 0; trial < 40; trial++) {
      const nCons = 2 + r.int(12)
      const caps = Array.from({ length: nCons }, () => 1 + r.next() * 100)
      const specs = Array.from({ length: 1 + r.int(40) }, () => randomSpec(r, nCons))
      const { cons, vars } = build(caps, specs)
      checkMaxMin(cons, vars)
    }
  })

  it.each([false, true])('incremental solves after random changes equal a solve from scratch (ties: %s)', (withTies) => {
    ties = withTies
    const r = new Random(9)
    for (let trial = 0; trial < 150; trial++) {
      const nCons = 3 + r.int(10)
      const caps = Array.from({ length: nCons }, () => randomCap(r))
      const specs = Array.from({ length: 5 + r.int(30) }, () => randomSpec(r, nCons))
      // The incremental system resumes filling at the cutoff level; the reference solves whole systems.
      const { sys, cons, vars } = build(caps, specs, true)
      const live = specs.map((s, i) => ({ spec: s, v: vars[i]! }))
      for (let step = 0; step < 20; step++) {
        const what = r.int(5)
        if (what === 0 && live.length > 0) {
          const [gone] = live.splice(r.int(live.length), 1)
          sys.remove(gone!.v)
        } else if (what === 1) {
          const spec = randomSpec(r, nCons)
          const v = sys.variable(spec.weight, spec.bound, undefined)
          for (const [ci, coeff] of spec.elems) sys.expand(cons[ci]!, v, coeff)
          live.push({ spec, v })
        } else if (what === 2) {
          const ci = r.int(nCons)
          caps[ci] = randomCap(r)
          sys.setCapacity(cons[ci]!, caps[ci]!)
        } else if (what === 3 && live.length > 0) {
          const x = live[r.int(live.length)]!
          x.spec = { ...x.spec, weight: r.int(3) }
          sys.setWeight(x.v, x.spec.weight)
        } else if (live.length > 0) {
          const x = live[r.int(live.length)]!
          x.spec = { ...x.spec, bound: ties ? 5 * (1 + r.int(4)) : 1 + r.next() * 50 }
          sys.setBound(x.v, x.spec.bound)
        }
        if (r.next() < 0.5) {
          sys.solve()
          const fresh = build(caps, live.map(x => x.spec))
          live.forEach((x, i) => expect(x.v.rate).toBeCloseTo(fresh.vars[i]!.rate, 9))
        }
      }
      sys.solve()
      checkMaxMin(cons, live.map(x => x.v))
      const fresh = build(caps, live.map(x => x.spec))
      live.forEach((x, i) => expect(x.v.rate).toBeCloseTo(fresh.vars[i]!.rate, 9))
    }
    ties = false
  })
})
