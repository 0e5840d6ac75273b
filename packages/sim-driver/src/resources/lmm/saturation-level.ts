import type { Constraint, Element } from './elements.js'

/** A breakpoint of a constraint's usage curve: above `level`, `a` stops growing. */
export interface SaturationPoint { level: number, a: number }

function byLevel (a: SaturationPoint, b: SaturationPoint): number {
  return a.level - b.level
}

/**
 * The level at which `c` saturates if its unmodified variables keep their
 * last rates (growing as weight x level until then) and its modified ones
 * grow from 0 up to their bound. Infinity if it never does.
 */
export function newSaturationLevel (c: Constraint, epoch: number, points: SaturationPoint[]): number {
  points.length = 0
  let slope = 0
  const elems = c.elems
  for (let k = 0; k < elems.length; k++) {
    const e = elems[k] as Element
    const v = e.v
    if (v.weight <= 0) continue
    const a = e.coeff * v.weight
    slope += a
    const stop = v.modified === epoch ? v.bound / v.weight : v.rate / v.weight
    if (stop !== Infinity) points.push({ level: stop, a })
  }
  if (slope <= 0) return Infinity
  points.sort(byLevel)
  let base = 0
  for (let k = 0; k < points.length; k++) {
    const p = points[k] as SaturationPoint
    if (base + slope * p.level >= c.capacity) return (c.capacity - base) / slope
    base += p.a * p.level
    slope -= p.a
  }
  return slope > 1e-300 ? Math.max(0, (c.capacity - base) / slope) : Infinity
}
