/**
 * Student's t distribution: CDF through the regularized incomplete beta
 * function (continued fraction, modified Lentz, as in Numerical Recipes
 * 6.4), and the quantile by bisection on the CDF. simple-statistics has no
 * t quantile, and a table would stop at some df; this works for any df > 0.
 */
import { StatisticsDomainError } from '../errors.js'

/** ln Γ(x) for x > 0, Lanczos approximation (g = 7, n = 9), relative error < 1e-13. */
export function logGamma (x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7
  ]
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x)
  const z = x - 1
  let sum = c[0] ?? 0
  for (let i = 1; i < 9; i++) sum += (c[i] ?? 0) / (z + i)
  const t = z + 7.5
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum)
}

/** Continued fraction of the incomplete beta function (NR betacf). */
function betaContinuedFraction (x: number, a: number, b: number): number {
  const tiny = 1e-300
  const qab = a + b
  const qap = a + 1
  const qam = a - 1
  let c = 1
  let d = 1 - (qab * x) / qap
  if (Math.abs(d) < tiny) d = tiny
  d = 1 / d
  let h = d
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2))
    d = 1 + aa * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + aa / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    h *= d * c
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2))
    d = 1 + aa * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + aa / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const delta = d * c
    h *= delta
    if (Math.abs(delta - 1) < 1e-15) return h
  }
  return h
}

/** Regularized incomplete beta I_x(a, b) for 0 <= x <= 1, a, b > 0. */
export function regularizedIncompleteBeta (x: number, a: number, b: number): number {
  if (!(x >= 0 && x <= 1)) throw new StatisticsDomainError('regularizedIncompleteBeta x', 'a number in [0, 1]', x)
  if (!(a > 0) || !(b > 0)) throw new StatisticsDomainError('regularizedIncompleteBeta a, b', 'positive numbers', `${a}, ${b}`)
  if (x === 0 || x === 1) return x
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x))
  // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b
}

function assertDf (df: number): void {
  if (!(Number.isFinite(df) && df > 0)) throw new StatisticsDomainError('Student t degrees of freedom', 'a finite number > 0', df)
}

/** P(T <= t) for T ~ Student t with `df` degrees of freedom. */
export function studentTCdf (t: number, df: number): number {
  assertDf(df)
  if (Number.isNaN(t)) throw new StatisticsDomainError('studentTCdf t', 'a number', t)
  if (t === Infinity) return 1
  if (t === -Infinity) return 0
  const tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5)
  return t >= 0 ? 1 - tail : tail
}

/**
 * The p-quantile of Student's t with `df` degrees of freedom: the t with
 * P(T <= t) = p. For a two-sided 95% interval use p = 0.975.
 *
 * @example studentTQuantile(0.975, 2) // 4.3027
 */
export function studentTQuantile (p: number, df: number): number {
  assertDf(df)
  if (!(p > 0 && p < 1)) throw new StatisticsDomainError('studentTQuantile p', 'a probability in (0, 1)', p)
  if (p === 0.5) return 0
  if (p < 0.5) return -studentTQuantile(1 - p, df)
  let lo = 0
  let hi = 1
  while (studentTCdf(hi, df) < p) {
    lo = hi
    hi *= 2
    if (hi > 1e12) return hi
  }
  // Bisection: 200 halvings of [lo, hi] is far past double precision; stop when the interval stops shrinking.
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2
    if (mid === lo || mid === hi) break
    if (studentTCdf(mid, df) < p) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}
