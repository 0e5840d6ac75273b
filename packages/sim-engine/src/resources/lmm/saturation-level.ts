import type { Constraint, Element } from './elements.js'

/** Scratch arrays of `newSaturationLevel` (reused: no garbage per call). */
export interface SaturationScratch {
  /** Level at which a variable stops growing (its old level, or its bound level). */
  level: number[]
  /** coefficient x weight of that variable. */
  a: number[]
  /** Indices into level/a, sorted by level. */
  order: number[]
}

export function saturationScratch (): SaturationScratch {
  return { level: [], a: [], order: [] }
}

/**
 * The level at which `c` saturates if its unmodified variables keep their
 * last rates (growing as weight x level until then) and its modified ones
 * (`v.modified === epoch`) grow from 0 up to their bound. Infinity if it
 * never does. Its usage is piecewise linear in the level: walk the
 * breakpoints in increasing order until it reaches the capacity.
 */
export function newSaturationLevel (c: Constraint, epoch: number, s: SaturationScratch): number {
  // The scratch arrays are used up to `n` and never shortened (see `constraint-heap.ts`).
  const { level, a, order } = s
  let n = 0
  let slope = 0
  const elems = c.elems
  for (let k = 0; k < elems.length; k++) {
    const e = elems[k] as Element
    const v = e.v
    if (v.weight <= 0) continue
    const ak = e.coeff * v.weight
    slope += ak
    const stop = v.modified === epoch ? v.bound / v.weight : v.rate / v.weight
    if (stop !== Infinity) { order[n] = n; level[n] = stop; a[n] = ak; n++ }
  }
  if (slope <= 0) return Infinity
  if (n > 64) {
    // A stable sort of a copy (the scratch array keeps its length, see above): ties stay in their order.
    const sorted = order.slice(0, n).sort((i, j) => (level[i] as number) - (level[j] as number))
    for (let k = 0; k < n; k++) order[k] = sorted[k] as number
  } else {
    // Insertion sort: the usual handful of variables per constraint, no closure.
    for (let k = 1; k < n; k++) {
      const x = order[k] as number
      const lx = level[x] as number
      let j = k - 1
      while (j >= 0 && (level[order[j] as number] as number) > lx) { order[j + 1] = order[j] as number; j-- }
      order[j + 1] = x
    }
  }
  let base = 0
  for (let k = 0; k < n; k++) {
    const i = order[k] as number
    const li = level[i] as number
    if (base + slope * li >= c.capacity) return (c.capacity - base) / slope
    const ai = a[i] as number
    base += ai * li
    slope -= ai
  }
  return slope > 1e-300 ? Math.max(0, (c.capacity - base) / slope) : Infinity
}
