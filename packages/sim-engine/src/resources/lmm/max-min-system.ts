/**
 * A max-min fair sharing system, after SimGrid's LMM ("linear max-min")
 * solver with selective update.
 *
 * - A *constraint* is a resource with a capacity (a link in bytes/s, a CPU in
 *   flops/s, a disk in "fraction of its time").
 * - A *variable* is the rate of one activity. It has a weight (its share:
 *   rate = weight x fair level, weight 0 = paused), an optional bound (a
 *   maximum rate) and elements: (constraint, coefficient) pairs meaning the
 *   variable consumes `coefficient x rate` of that constraint.
 *
 * `solve()` computes the max-min fair allocation by progressive filling (the
 * "saturated constraint" algorithm): repeatedly find the constraint (or the
 * bound) with the lowest fair level remaining/Σ(coefficient x weight), fix
 * every unfixed variable on it at weight x level, subtract their use from
 * their other constraints, and drop the saturated constraint.
 *
 * Incremental: only the connected components (constraints linked through
 * shared variables) that contain a constraint or variable modified since the
 * last solve are solved again; `solve()` reports the variables whose rate
 * changed, so the caller reschedules only their completions.
 */

import { Constraint, Variable, InvalidLmmArgumentError, type Element } from './elements.js'
import { siftDown, removeAt } from './constraint-heap.js'
import { newSaturationLevel, saturationScratch } from './saturation-level.js'

export class MaxMinSystem {
  private nextId = 0
  private epoch = 0
  /** Constraints and variables touched since the last solve. */
  private readonly modifiedC: Constraint[] = []
  private readonly modifiedV: Variable[] = []
  /** Constraints of the last solve that have an `onSolved` hook. */
  readonly watchedSolved: Constraint[] = []
  /** Resume progressive filling from the lowest affected level (see `solve`). Off = whole components. */
  levelCutoff = true
  /** Statistics, for benchmarks. */
  readonly stats = { solves: 0, componentConstraints: 0, componentVariables: 0, changedVariables: 0 }

  constraint (name: string, capacity: number): Constraint {
    if (!(capacity >= 0)) throw new InvalidLmmArgumentError(`constraint ${name}`, 'capacity >= 0', capacity)
    return new Constraint(this.nextId++, name, capacity)
  }

  variable (weight: number, bound: number, owner: unknown): Variable {
    if (!(weight >= 0)) throw new InvalidLmmArgumentError('variable', 'weight >= 0', weight)
    if (!(bound > 0)) throw new InvalidLmmArgumentError('variable', 'bound > 0 (Infinity for none)', bound)
    const v = new Variable(this.nextId++, weight, bound, owner)
    this.touchV(v)
    return v
  }

  /** Variable `v` uses `coeff` x rate of constraint `c`. */
  expand (c: Constraint, v: Variable, coeff: number): void {
    if (!(coeff > 0) || !Number.isFinite(coeff)) throw new InvalidLmmArgumentError(`expand ${c.name}`, 'a finite coefficient > 0', coeff)
    const e: Element = { c, v, coeff, ci: c.elems.length }
    c.elems.push(e)
    v.elems.push(e)
    this.touchV(v)
  }

  remove (v: Variable): void {
    if (v.removed) return
    v.removed = true
    for (const e of v.elems) {
      const c = e.c
      const last = c.elems.pop() as Element
      if (last !== e) { c.elems[e.ci] = last; last.ci = e.ci }
      this.touchC(c)
    }
    v.elems.length = 0
    v.rate = 0
  }

  setCapacity (c: Constraint, capacity: number): void {
    if (!(capacity >= 0)) throw new InvalidLmmArgumentError(`capacity of ${c.name}`, '>= 0', capacity)
    if (c.capacity === capacity) return
    c.capacity = capacity
    this.touchC(c)
  }

  setWeight (v: Variable, weight: number): void {
    if (!(weight >= 0)) throw new InvalidLmmArgumentError('weight', '>= 0', weight)
    if (v.weight === weight) return
    v.weight = weight
    this.touchV(v)
  }

  setBound (v: Variable, bound: number): void {
    if (!(bound > 0)) throw new InvalidLmmArgumentError('bound', '> 0', bound)
    if (v.bound === bound) return
    v.bound = bound
    this.touchV(v)
  }

  get dirty (): boolean { return this.modifiedC.length > 0 || this.modifiedV.length > 0 }

  /** Called when the system goes from solved to needing a solve (wakes a live engine). */
  onDirty: (() => void) | undefined

  private touchC (c: Constraint): void {
    if (this.onDirty !== undefined && this.modifiedC.length === 0 && this.modifiedV.length === 0) this.onDirty()
    this.modifiedC.push(c)
  }

  private touchV (v: Variable): void {
    if (v.dirty) return
    if (this.onDirty !== undefined && this.modifiedC.length === 0 && this.modifiedV.length === 0) this.onDirty()
    v.dirty = true
    this.modifiedV.push(v)
  }

  // Scratch arrays reused by every solve (no garbage per solve).
  private readonly cons: Constraint[] = []
  private readonly vars: Variable[] = []
  private readonly heap: Constraint[] = []
  private readonly bounded: Variable[] = []
  private readonly changed: Variable[] = []

  /**
   * Re-solve what the changes since the last call can affect. Returns the
   * variables whose rate changed (their `prevRate` holds the old rate). The
   * returned array is reused by the next call.
   *
   * Two levels of incrementality:
   * 1. Only the connected components holding a change are looked at.
   * 2. Within them (unless `levelCutoff` is off), progressive filling is
   *    resumed from level L0 instead of 0: below L0 the filling is provably
   *    the same as last time, so variables fixed below L0 keep their rates
   *    ("frozen"). A constraint only influences others when it saturates, so
   *    L0 = min over the touched constraints c of min(level at which c
   *    saturated last time, level at which it saturates now), the latter
   *    found by a one-dimensional scan of c's variables (frozen ones stay at
   *    their old rates, changed ones grow from 0). Only the variables not
   *    frozen that are reachable from a change through variables not frozen
   *    are solved again.
   */
  solve (): Variable[] {
    const changed = this.changed
    changed.length = 0
    if (!this.dirty) return changed
    this.stats.solves++
    const epoch = ++this.epoch
    const cons = this.cons
    const vars = this.vars
    cons.length = 0
    vars.length = 0
    // Modified variables and touched constraints.
    for (const v of this.modifiedV) {
      v.dirty = false
      if (v.removed || v.modified === epoch) continue
      v.modified = epoch
      const elems = v.elems
      for (let k = 0; k < elems.length; k++) {
        const c = (elems[k] as Element).c
        if (c.visit !== epoch) { c.visit = epoch; cons.push(c) }
      }
      if (v.visit !== epoch) { v.visit = epoch; vars.push(v) }
    }
    for (const c of this.modifiedC) {
      if (c.visit !== epoch) { c.visit = epoch; cons.push(c) }
    }
    this.modifiedV.length = 0
    this.modifiedC.length = 0
    // L0: the lowest level at which a touched constraint behaves differently.
    let cutoff = 0
    if (this.levelCutoff) {
      let l0 = Infinity
      for (let k = 0; k < cons.length; k++) {
        const c = cons[k] as Constraint
        const lc = Math.min(c.satLevel, newSaturationLevel(c, epoch, this.points))
        if (lc < l0) l0 = lc
      }
      cutoff = l0 * (1 - 1e-9)
    }
    // BFS from the touched constraints through variables that are not frozen; each constraint
    // reached is initialised on the way: capacity left by frozen variables, Σ coefficient x
    // weight and count of the others.
    const heap = this.heap
    heap.length = 0
    this.watchedSolved.length = 0
    let vi = 0
    let ci = 0
    while (vi < vars.length || ci < cons.length) {
      while (vi < vars.length) {
        const elems = (vars[vi++] as Variable).elems
        for (let k = 0; k < elems.length; k++) {
          const c = (elems[k] as Element).c
          if (c.visit !== epoch) { c.visit = epoch; cons.push(c) }
        }
      }
      while (ci < cons.length) {
        const c = cons[ci++] as Constraint
        if (c.onSolved !== undefined) this.watchedSolved.push(c)
        let wsum = 0
        let unfixed = 0
        let remaining = c.capacity
        const elems = c.elems
        for (let k = 0; k < elems.length; k++) {
          const e = elems[k] as Element
          const v = e.v
          if (v.visit !== epoch) {
            if (v.modified !== epoch && (v.weight === 0 || v.rate < cutoff * v.weight)) {
              remaining -= e.coeff * v.rate // frozen (or staying at 0)
              continue
            }
            v.visit = epoch
            vars.push(v)
          }
          if (v.weight > 0) { wsum += e.coeff * v.weight; unfixed++ }
        }
        c.remaining = remaining > 0 ? remaining : 0
        c.wsum = wsum
        c.unfixed = unfixed
        c.activeIndex = -1
        c.satLevel = Infinity
        if (unfixed > 0) {
          c.level = wsum > 0 ? c.remaining / wsum : 0
          c.activeIndex = heap.length
          heap.push(c)
        }
      }
    }
    this.stats.componentConstraints += cons.length
    this.stats.componentVariables += vars.length

    for (let k = (heap.length >> 1) - 1; k >= 0; k--) siftDown(heap, k)
    const bounded = this.bounded
    bounded.length = 0
    let unfixedVars = 0
    for (let k = 0; k < vars.length; k++) {
      const v = vars[k] as Variable
      v.prevRate = v.rate
      if (v.weight > 0) {
        v.fixed = false
        unfixedVars++
        if (v.bound !== Infinity) bounded.push(v)
      } else {
        v.fixed = true
        v.rate = 0
      }
    }
    if (bounded.length > 1) bounded.sort(byBoundLevel)
    let bi = 0

    while (unfixedVars > 0) {
      // The heap is lazy: fixing a variable only raises other constraints' levels (see `fix`),
      // so a key can be stale but never too high; refresh the top until it is current.
      let minC = heap[0]
      while (minC !== undefined) {
        if (minC.unfixed === 0) { removeAt(heap, 0); minC.activeIndex = -1; minC = heap[0]; continue }
        const level = minC.wsum > 0 ? minC.remaining / minC.wsum : 0
        if (level > minC.level) { minC.level = level; siftDown(heap, 0); minC = heap[0]; continue }
        minC.level = level
        break
      }
      const minLevel = minC === undefined ? Infinity : minC.level
      while (bi < bounded.length && (bounded[bi] as Variable).fixed) bi++
      const bv = bounded[bi]
      if (bv !== undefined && bv.bound / bv.weight <= minLevel) {
        unfixedVars -= this.fix(bv, bv.bound, bv.bound / bv.weight)
        continue
      }
      if (minC === undefined) {
        // Unbounded variables without constraints: give them rate 0 rather than Infinity.
        for (const v of vars) if (!v.fixed) { v.fixed = true; v.rate = 0; unfixedVars-- }
        break
      }
      // Saturate minC: fix its unfixed variables at weight x level.
      removeAt(heap, 0)
      minC.activeIndex = -1
      minC.satLevel = minLevel
      const elems = minC.elems
      for (let k = 0; k < elems.length; k++) {
        const v = (elems[k] as Element).v
        if (v.visit === epoch && !v.fixed && v.weight > 0) unfixedVars -= this.fix(v, v.weight * minLevel, minLevel)
      }
    }

    for (let k = 0; k < vars.length; k++) {
      const v = vars[k] as Variable
      if (v.rate !== v.prevRate) changed.push(v)
    }
    this.stats.changedVariables += changed.length
    return changed
  }

  private readonly points = saturationScratch()

  /**
   * Fix `v` at `rate` (fair level `level`) and take its use off its
   * constraints. Their levels remaining / wsum can only rise (they were >=
   * `level`, and removing a share taken at `level` from remaining and wsum
   * keeps the ratio >= level), so their heap keys are left stale and
   * refreshed lazily when they reach the top. Returns 1.
   */
  private fix (v: Variable, rate: number, level: number): number {
    v.fixed = true
    v.rate = rate
    const elems = v.elems
    for (let k = 0; k < elems.length; k++) {
      const e = elems[k] as Element
      const c = e.c
      c.remaining -= e.coeff * rate
      if (c.remaining < 0) c.remaining = 0
      c.wsum -= e.coeff * v.weight
      // Saturated by variables fixed elsewhere at the same level (a tie)?
      if (--c.unfixed === 0 && c.remaining <= c.capacity * 1e-12) c.satLevel = level
    }
    return 1
  }
}

function byBoundLevel (a: Variable, b: Variable): number {
  return a.bound / a.weight - b.bound / b.weight || a.id - b.id
}
