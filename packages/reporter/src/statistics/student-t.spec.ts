import { describe, expect, it } from 'vitest'
import { StatisticsDomainError } from '../errors.js'
import { logGamma, regularizedIncompleteBeta, studentTCdf, studentTQuantile } from './student-t.js'

describe('studentTQuantile', () => {
  // Two-sided 95% critical values from the standard t table (e.g. NIST/SEMATECH e-Handbook, Table 1.3.6.7.2).
  const table: Array<[number, number]> = [
    [1, 12.706], [2, 4.303], [3, 3.182], [4, 2.776], [5, 2.571], [9, 2.262],
    [10, 2.228], [20, 2.086], [30, 2.042], [100, 1.984]
  ]
  for (const [df, expected] of table) {
    it(`t(0.975, df=${df}) = ${expected}`, () => {
      expect(studentTQuantile(0.975, df)).toBeCloseTo(expected, 3)
    })
  }

  it('has closed forms at df = 1 (Cauchy) and df = 2', () => {
    // df = 1: t = tan(pi (p - 1/2)); df = 2: t = (2p - 1) / sqrt(2 p (1 - p)).
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(Math.tan(Math.PI * 0.475), 9)
    const p = 0.9
    expect(studentTQuantile(p, 2)).toBeCloseTo((2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 9)
  })

  it('tends to the normal quantile 1.95996 for large df', () => {
    expect(studentTQuantile(0.975, 1e6)).toBeCloseTo(1.959966, 4)
  })

  it('is symmetric and 0 at the median', () => {
    expect(studentTQuantile(0.5, 7)).toBe(0)
    expect(studentTQuantile(0.025, 7)).toBeCloseTo(-studentTQuantile(0.975, 7), 12)
  })

  it('inverts the CDF', () => {
    for (const df of [1, 2.5, 6, 40]) {
      for (const p of [0.6, 0.9, 0.975, 0.999]) {
        expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 10)
      }
    }
  })

  it('rejects p outside (0, 1) and df <= 0 with a typed error', () => {
    expect(() => studentTQuantile(1, 3)).toThrow(StatisticsDomainError)
    expect(() => studentTQuantile(0.975, 0)).toThrow(/degrees of freedom: expected a finite number > 0, found 0/)
    expect(() => studentTQuantile(Number.NaN, 3)).toThrow(StatisticsDomainError)
  })
})

describe('helpers', () => {
  it('logGamma matches factorials and Γ(1/2) = sqrt(pi)', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12)
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12)
  })

  it('I_x(1, 1) = x and I_x(a, b) = 1 - I_(1-x)(b, a)', () => {
    expect(regularizedIncompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 12)
    expect(regularizedIncompleteBeta(0.2, 2, 5)).toBeCloseTo(1 - regularizedIncompleteBeta(0.8, 5, 2), 12)
  })

  it('t CDF at 0 is 1/2 and at df = 1 is the Cauchy CDF', () => {
    expect(studentTCdf(0, 4)).toBeCloseTo(0.5, 12)
    expect(studentTCdf(1, 1)).toBeCloseTo(0.75, 12)
  })
})
