/**
 * A binary min-heap of constraints on (level, id), positions kept in `activeIndex`.
 * The heap is the first `n` entries of a reused array (entries past `n` are stale): its
 * length is never set, since shrinking an array gives its storage back and the next
 * solve would allocate it again.
 */
import type { Constraint } from './elements.js'

function cBefore (a: Constraint, b: Constraint): boolean {
  return a.level < b.level || (a.level === b.level && a.id < b.id)
}

export function siftUp (h: Array<Constraint | undefined>, i: number): void {
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

/** Sift entry `i` of the heap `h[0..n)` down. */
export function siftDown (h: Array<Constraint | undefined>, n: number, i: number): void {
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

/** Remove entry `i` of the heap `h[0..n)`; the heap is then `h[0..n-1)`. */
export function removeAt (h: Array<Constraint | undefined>, n: number, i: number): void {
  const last = h[n - 1] as Constraint
  if (i >= n - 1) return
  h[i] = last
  last.activeIndex = i
  siftDown(h, n - 1, i)
  siftUp(h, last.activeIndex)
}
