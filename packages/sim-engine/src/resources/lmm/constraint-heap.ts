/** A binary min-heap of constraints on (level, id), positions kept in `activeIndex`. */
import type { Constraint } from './elements.js'

function cBefore (a: Constraint, b: Constraint): boolean {
  return a.level < b.level || (a.level === b.level && a.id < b.id)
}

export function siftUp (h: Constraint[], i: number): void {
  const c = h[i] as Constraint
  while (i > 0) {
    const p = (i - 1) >> 1
    const pc = h[p] as Constraint
    if (!cBefore(c, pc)) break
    h[i] = pc; pc.activeIndex = i
    i = p
  }
  h[i] = c; c.activeIndex = i
}

export function siftDown (h: Constraint[], i: number): void {
  const n = h.length
  const c = h[i] as Constraint
  for (;;) {
    const l = 2 * i + 1
    if (l >= n) break
    const r = l + 1
    let m = l
    if (r < n && cBefore(h[r] as Constraint, h[l] as Constraint)) m = r
    const mc = h[m] as Constraint
    if (!cBefore(mc, c)) break
    h[i] = mc; mc.activeIndex = i
    i = m
  }
  h[i] = c; c.activeIndex = i
}

export function removeAt (h: Constraint[], i: number): void {
  const last = h.pop() as Constraint
  if (i >= h.length) return
  h[i] = last
  last.activeIndex = i
  siftDown(h, i)
  siftUp(h, last.activeIndex)
}
