import { describe, expect, it } from 'vitest'
import type { InputSensitivity } from '@xenos/experiment-interface'
import { analyseFinding, sensitivitySentence, type InputMargins } from './analyse.js'

const input = (over: Partial<InputMargins>): InputMargins =>
  ({ input: 'costs.yaml#a.b', base: 10, low: 5, high: 20, why: 'a source', atLow: 0.1, atHigh: 0.1, ...over })

describe('analyseFinding', () => {
  it('a verdict that flips inside an input\'s range is fragile, and the flip is placed where the margin crosses 0', () => {
    // Margin 0.1 at the base value 10, -0.1 at the high end 20: linear, it crosses 0 at 15.
    const s = analyseFinding({ id: 'C6', reference: 0.1, onSeeds: 0.1, seedMargins: [], seeds: [1], inputs: [input({ atHigh: -0.1 })] })
    expect(s.fragile).toBe(true)
    expect(s.inputs[0]!.flipsAbove).toBeCloseTo(15, 12)
    expect(s.inputs[0]!.flipsBelow).toBeUndefined()
    expect(s.sentence).toBe('C6 holds on the base inputs and is fragile: it holds for a.b below about 15 and fails above (base 10, plausible 5 to 20).')
  })

  it('a failing verdict that some end would make hold is fragile too', () => {
    const s = analyseFinding({ id: 'C2', reference: -0.3, onSeeds: -0.3, seedMargins: [], seeds: [1], inputs: [input({ atLow: 0.3, atHigh: -0.5 })] })
    expect(s.fragile).toBe(true)
    expect(s.inputs[0]!.flipsBelow).toBeCloseTo(7.5, 12)
    expect(s.sentence).toBe('C2 fails on the base inputs and is fragile: it fails for a.b above about 7.5 and holds below (base 10, plausible 5 to 20).')
  })

  it('a verdict no end flips is robust, and its sentence says how far the margin moves and which inputs move it most', () => {
    const s = analyseFinding({
      id: 'C7', reference: 0.2, onSeeds: 0.2, seedMargins: [0.15, 0.2, 0.25], seeds: [1],
      inputs: [
        input({ input: 'p.yaml#small', atLow: 0.19, atHigh: 0.21 }), input({ input: 'p.yaml#large', atLow: 0.05, atHigh: 0.4 }),
        input({ input: 'p.yaml#none', atLow: 0.2, atHigh: 0.2 })
      ]
    })
    expect(s.fragile).toBe(false)
    expect(s.inputs.every(i => i.flipsBelow === undefined && i.flipsAbove === undefined)).toBe(true)
    expect(s.inputs.map(i => i.input)).toEqual(['p.yaml#large', 'p.yaml#small', 'p.yaml#none'])
    expect(s.sentence).toBe('C7 holds across the plausible range of every estimated input that reaches it (3, one at a time):'
      + ' its margin stays between 0.05 and 0.4 (0.2 on the base inputs); large and small move it most.'
      + ' On the report\'s 3 seeds alone its margin is 0.15 to 0.25.')
  })

  it('moves the report\'s margin by what each end changed on the analysis\' seeds', () => {
    // The report's margin over 3 repetitions is 0.05; on seed 1 alone it is 0.2. The high end takes seed 1's margin
    // from 0.2 to 0.1 (-0.1), which moves the report's to -0.05: a flip that seed 1 alone would not show.
    const s = analyseFinding({
      id: 'C9', reference: 0.05, onSeeds: 0.2, seedMargins: [0.2, -0.1, 0.05], seeds: [1], inputs: [input({ atLow: 0.3, atHigh: 0.1 })]
    })
    expect(s.baseMargin).toBe(0.05)
    expect(s.inputs[0]!.marginAtLow).toBeCloseTo(0.15, 12)
    expect(s.inputs[0]!.marginAtHigh).toBeCloseTo(-0.05, 12)
    expect(s.fragile).toBe(true)
    expect(s.sentence).toMatch(/On the report's 3 seeds alone its margin is -0.1 to 0.2: run-to-run variation alone flips it\.$/)
  })

  it('an end whose runs were missing has no margin and flips nothing', () => {
    const s = analyseFinding({ id: 'C1', reference: 0.1, onSeeds: 0.1, seedMargins: [], seeds: [1], inputs: [input({ atLow: null, atHigh: null })] })
    expect(s.inputs[0]!.marginAtLow).toBeNull()
    expect(s.fragile).toBe(false)
  })
})

describe('sensitivitySentence', () => {
  const row = (over: Partial<InputSensitivity>): InputSensitivity =>
    ({ input: 'f.yaml#a.b', base: 10, low: 5, high: 20, why: 'x', marginAtLow: 0.1, marginAtHigh: 0.2, ...over })

  it('names every input that flips the verdict, with the interval where it holds when both ends flip it', () => {
    const both = row({ marginAtLow: -0.1, marginAtHigh: -0.2, flipsBelow: 7.5, flipsAbove: 13.3 })
    const s = sensitivitySentence('C6', 0.1, [both, row({ input: 'g.yaml#c', flipsAbove: 1.5e-5 })])
    expect(s).toBe('C6 holds on the base inputs and is fragile: it holds for a.b between about 7.5 and 13.3 and fails outside (base 10, plausible 5 to 20);'
      + ' it holds for c below about 1.50e-5 and fails above (base 10, plausible 5 to 20).')
  })

  it('says when no estimated input reaches a finding', () => {
    expect(sensitivitySentence('X9', -1, [])).toBe('X9 fails across the plausible range of every estimated input that reaches it (none does).')
  })
})
