/**
 * The engine's seeded random source: xoshiro128** (Blackman and Vigna, 2018),
 * seeded through splitmix32. Never `Math.random()`: the same seed gives the
 * same sequence on every machine (only 32-bit integer arithmetic is used).
 */

import { EngineArgumentError } from './errors.js'

function splitmix32 (state: number): () => number {
  let s = state >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
}

/** FNV-1a hash of a label, 32 bits. */
function hashLabel (label: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

/** An `EngineArgumentError` of a `Random` stream method (`field` is `Random.method`). */
export class InvalidRandomArgumentError extends EngineArgumentError {
  constructor (method: string, expected: string, found: unknown) {
    super(`Random.${method}`, expected, found)
  }
}

/** A deterministic stream of random numbers. */
export class Random {
  private s0: number
  private s1: number
  private s2: number
  private s3: number
  private readonly seed: number
  private readonly path: readonly number[]

  /** `seed` is any finite number; its low 32 bits and its label path select the stream. */
  constructor (seed: number, path: readonly number[] = []) {
    if (!Number.isFinite(seed)) throw new InvalidRandomArgumentError('constructor', 'a finite seed', seed)
    this.seed = seed
    this.path = path
    let mix = 0
    for (const w of [seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0, ...path]) mix = splitmix32((mix ^ w) >>> 0)()
    const sm = splitmix32(mix)
    this.s0 = sm(); this.s1 = sm(); this.s2 = sm(); this.s3 = sm()
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextUint32 (): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0
    const t = this.s1 << 9
    this.s2 ^= this.s0
    this.s3 ^= this.s1
    this.s1 ^= this.s2
    this.s0 ^= this.s3
    this.s2 ^= t
    this.s3 = rotl(this.s3, 11)
    return result
  }

  /** A uniform number in [0, 1) with 53 random bits. */
  next (): number {
    const hi = this.nextUint32() >>> 5 // 27 bits
    const lo = this.nextUint32() >>> 6 // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992
  }

  /** A uniform integer in [0, n). */
  int (n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidRandomArgumentError('int', 'a positive safe integer', n)
    return Math.floor(this.next() * n)
  }

  /** A normal deviate (Box-Muller; two uniforms per call, no cached state). */
  normal (mu: number, sigma: number): number {
    if (!(sigma >= 0)) throw new InvalidRandomArgumentError('normal', 'sigma >= 0', sigma)
    const u1 = 1 - this.next()
    const u2 = this.next()
    return mu + sigma * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
  }

  /** An exponential deviate with the given mean. */
  exponential (mean: number): number {
    if (!(mean > 0)) throw new InvalidRandomArgumentError('exponential', 'mean > 0', mean)
    return -mean * Math.log(1 - this.next())
  }

  /**
   * An independent stream named `label`. It is a pure function of this
   * stream's seed and the label (it does not consume numbers from this
   * stream), so adding a fork never perturbs other streams, and the same
   * label always gives the same stream.
   */
  fork (label: string): Random {
    return new Random(this.seed, [...this.path, hashLabel(label), label.length])
  }
}

function rotl (x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0
}
