import type { RunRecord } from '@xenos/experiment-interface'
import { describe, expect, it } from 'vitest'
import { MixedUnitsError } from './errors.js'
import { paramsKey, summarize } from './summarize.js'

function run (setup: string, value: number, repetition: number, params: RunRecord['params'] = { dataSizeGB: 1 }, unit: RunRecord['unit'] = 's'): RunRecord {
  return { experiment: 'wordcount', setup, params, metric: 'durationS', unit, value, seed: 100 + repetition, repetition }
}

describe('summarize', () => {
  it('computes n, mean, sample sd, 95% CI, min and max (checked by hand)', () => {
    // values 10, 12, 14: mean 12; deviations -2, 0, 2; sum of squares 8; sample variance 8/2 = 4; sd 2.
    // t(0.975, 2) = 4.302653; half width = 4.302653 * 2 / sqrt(3) = 4.968275.
    const [s] = summarize([run('VM1', 10, 0), run('VM1', 14, 2), run('VM1', 12, 1)])
    expect(s?.n).toBe(3)
    expect(s?.mean).toBe(12)
    expect(s?.sd).toBeCloseTo(2, 12)
    expect(s?.ciHalfWidth).toBeCloseTo(4.968275, 5)
    expect(s?.ciLow).toBeCloseTo(12 - 4.968275, 5)
    expect(s?.ciHigh).toBeCloseTo(12 + 4.968275, 5)
    expect(s?.min).toBe(10)
    expect(s?.max).toBe(14)
    expect(s?.seeds).toEqual([100, 102, 101])
  })

  it('uses t with n - 1 df: two values 1 and 3 give sd sqrt(2) and half width 12.706 * sqrt(2) / sqrt(2)', () => {
    const [s] = summarize([run('PHY', 1, 0), run('PHY', 3, 1)])
    expect(s?.sd).toBeCloseTo(Math.SQRT2, 12)
    expect(s?.ciHalfWidth).toBeCloseTo(12.7062, 3)
  })

  it('gives no sd or CI for a single run', () => {
    const [s] = summarize([run('PHY', 42, 0)])
    expect(s).toMatchObject({ n: 1, mean: 42, sd: null, ciHalfWidth: null, ciLow: null, ciHigh: null, min: 42, max: 42 })
  })

  it('groups by setup and params and sorts the output independent of input order', () => {
    const runs = [
      run('VM2', 5, 0, { dataSizeGB: 8 }), run('PHY', 1, 0), run('VM2', 7, 1, { dataSizeGB: 8 }), run('PHY', 3, 1),
      run('PHY', 9, 0, { dataSizeGB: 8 })
    ]
    const a = summarize(runs)
    const b = summarize([...runs].reverse())
    expect(a.map(s => `${s.setup} ${paramsKey(s.params)} n=${s.n} mean=${s.mean}`)).toEqual([
      'PHY dataSizeGB=1 n=2 mean=2',
      'PHY dataSizeGB=8 n=1 mean=9',
      'VM2 dataSizeGB=8 n=2 mean=6'
    ])
    expect(b.map(s => s.mean)).toEqual(a.map(s => s.mean))
  })

  it('treats params with keys in another order as the same point, and 1 and "1" as different', () => {
    const s = summarize([
      run('PHY', 1, 0, { a: 1, b: 'x' }), run('PHY', 3, 1, { b: 'x', a: 1 }), run('PHY', 5, 2, { a: '1', b: 'x' })
    ])
    expect(s.map(x => x.n)).toEqual([1, 2])
  })

  it('refuses to average runs with different units', () => {
    expect(() => summarize([run('PHY', 1, 0, { dataSizeGB: 1 }, 's'), run('PHY', 1000, 1, { dataSizeGB: 1 }, 'B')])).toThrow(MixedUnitsError)
  })
})
