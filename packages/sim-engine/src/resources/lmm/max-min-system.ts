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

import { Constraint, Variable, InvalidLmmArgumentError, NO_ELEMENTS, type Element } from './elements.js'
import { siftDown, removeAt } from './constraint-heap.js'
import { newSaturationLevel, saturationScratch } from './saturation-level.js'

export class MaxMinSystem {
  private nextId = 0
  private epoch = 0
  /**
   * Constraints and variables touched since the last solve: the first `nModifiedC` and
   * `nModifiedV` entries. Scratch arrays here are never shortened (`length = 0` gives their
   * storage back, and the next solve would allocate it again): they are used up to a count,
   * and their entries are cleared once used, so that they keep nothing alive.
   */
  private readonly modifiedC: Array<Constraint | undefined> = []
  private nModifiedC = 0
  private readonly modifiedV: Array<Variable | undefined> = []
  private nModifiedV = 0
  /** Constraints of the last solve that have an `onSolved` hook: the first `watchedCount`. */
  readonly watchedSolved: Array<Constraint | undefined> = []
  watchedCount = 0
  /** Variables whose rate the last solve changed: the first `changedCount` (old rate in `prevRate`). */
  readonly changed: Array<Variable | undefined> = []
  changedCount = 0
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
    checkCoefficient(c, coeff)
    const e = this.link(c, coeff, v)
    // A variable has a few elements, all added when it is made: copies of the exact length take
    // less than an array grown by push (room for 16 more), for each of the flows in flight.
    const ve = v.elems
    v.elems = ve.length === 0 ? [e] : [...ve, e]
    this.touchV(v)
  }

  /**
   * Variable `v` uses each (constraint, coefficient) of `elems`, in order: as `expand` for each, but
   * its element list is made once, at its length (no shorter copies on the way), and nothing is
   * linked unless every coefficient is valid.
   */
  expandAll (v: Variable, elems: ReadonlyArray<readonly [Constraint, number]>): void {
    if (elems.length === 0) return
    // Indexed, without destructuring: a run's first thousands of activities go through this in
    // V8's interpreter and baseline code, where `for...of` and `[a, b] =` walk an iterator.
    const n = elems.length
    for (let k = 0; k < n; k++) { const e = elems[k]!; checkCoefficient(e[0], e[1]) }
    // Filled by a loop rather than `map`, which would make a closure and its context for each call.
    const made = new Array<Element>(n)
    for (let k = 0; k < n; k++) { const e = elems[k]!; made[k] = this.link(e[0], e[1], v) }
    v.elems = v.elems.length === 0 ? made : [...v.elems, ...made]
    this.touchV(v)
  }

  /** A new element of `v` on `c`, at the end of the constraint's list. */
  private link (c: Constraint, coeff: number, v: Variable): Element {
    const ce = c.elems
    const e: Element = { c, v, coeff, ci: ce.length }
    // A constraint without elements has the shared empty list: its first element gets a list of
    // one (pushed onto an empty list, it would get room for 17). A link's constraint goes from
    // none to one and back with nearly every transfer that crosses it.
    if (ce.length === 0) c.elems = [e]
    else ce.push(e)
    return e
  }

  remove (v: Variable): void {
    if (v.removed) return
    v.removed = true
    const elems = v.elems
    for (let k = 0; k < elems.length; k++) {
      const e = elems[k]!
      const c = e.c
      const last = c.elems.pop() as Element
      if (last !== e) { c.elems[e.ci] = last; last.ci = e.ci }
      if (c.elems.length === 0) c.elems = NO_ELEMENTS
      this.touchC(c)
    }
    v.rate = 0
  }

  /** Change the coefficient of an element (a variable's use of one constraint). */
  setCoeff (e: Element, coeff: number): void {
    if (!(coeff > 0) || !Number.isFinite(coeff)) throw new InvalidLmmArgumentError(`coefficient on ${e.c.name}`, 'a finite coefficient > 0', coeff)
    if (e.coeff === coeff || e.v.removed) return
    e.coeff = coeff
    this.touchC(e.c)
    this.touchV(e.v)
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

  get dirty (): boolean { return this.nModifiedC > 0 || this.nModifiedV > 0 }

  /** Called when the system goes from solved to needing a solve (wakes a live engine). */
  onDirty: (() => void) | undefined

  private touchC (c: Constraint): void {
    if (this.onDirty !== undefined && this.nModifiedC === 0 && this.nModifiedV === 0) this.onDirty()
    this.modifiedC[this.nModifiedC++] = c
  }

  private touchV (v: Variable): void {
    if (v.dirty) return
    if (this.onDirty !== undefined && this.nModifiedC === 0 && this.nModifiedV === 0) this.onDirty()
    v.dirty = true
    this.modifiedV[this.nModifiedV++] = v
  }

  // Scratch arrays reused by every solve (no garbage per solve), used up to a count.
  private readonly cons: Array<Constraint | undefined> = []
  private readonly vars: Array<Variable | undefined> = []
  private readonly heap: Array<Constraint | undefined> = []
  private readonly bounded: Array<Variable | undefined> = []

  /** Forget the results of the last solve (`changed`, `watchedSolved`), so that they keep nothing alive. */
  releaseResults (): void {
    clear(this.changed, this.changedCount)
    clear(this.watchedSolved, this.watchedCount)
    this.changedCount = 0
    this.watchedCount = 0
  }

  /**
   * Re-solve what the changes since the last call can affect. Returns the
   * number of variables whose rate changed: the first `changedCount`
   * entries of `changed` (their `prevRate` holds the old rate), until
   * `releaseResults()` or the next call.
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
  solve (): number {
    const changed = this.changed
    this.releaseResults()
    if (!this.dirty) return 0
    this.stats.solves++
    const epoch = ++this.epoch
    const cons = this.cons
    const vars = this.vars
    let nc = 0
    let nv = 0
    // Modified variables and touched constraints.
    const modifiedV = this.modifiedV
    for (let m = 0; m < this.nModifiedV; m++) {
      const v = modifiedV[m] as Variable
      v.dirty = false
      if (v.removed || v.modified === epoch) continue
      v.modified = epoch
      const elems = v.elems
      for (let k = 0; k < elems.length; k++) {
        const c = (elems[k] as Element).c
        if (c.visit !== epoch) { c.visit = epoch; cons[nc++] = c }
      }
      if (v.visit !== epoch) { v.visit = epoch; vars[nv++] = v }
    }
    const modifiedC = this.modifiedC
    for (let m = 0; m < this.nModifiedC; m++) {
      const c = modifiedC[m] as Constraint
      if (c.visit !== epoch) { c.visit = epoch; cons[nc++] = c }
    }
    clear(modifiedV, this.nModifiedV)
    clear(modifiedC, this.nModifiedC)
    this.nModifiedV = 0
    this.nModifiedC = 0
    // L0: the lowest level at which a touched constraint behaves differently.
    let cutoff = 0
    if (this.levelCutoff) {
      let l0 = Infinity
      for (let k = 0; k < nc; k++) {
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
    let nh = 0
    const watched = this.watchedSolved
    let nw = 0
    let vi = 0
    let ci = 0
    while (vi < nv || ci < nc) {
      while (vi < nv) {
        const elems = (vars[vi++] as Variable).elems
        for (let k = 0; k < elems.length; k++) {
          const c = (elems[k] as Element).c
          if (c.visit !== epoch) { c.visit = epoch; cons[nc++] = c }
        }
      }
      while (ci < nc) {
        const c = cons[ci++] as Constraint
        if (c.onSolved !== undefined) watched[nw++] = c
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
            vars[nv++] = v
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
          c.activeIndex = nh
          heap[nh++] = c
        }
      }
    }
    this.watchedCount = nw
    this.stats.componentConstraints += nc
    this.stats.componentVariables += nv

    const heapSize = nh
    for (let k = (nh >> 1) - 1; k >= 0; k--) siftDown(heap, nh, k)
    const bounded = this.bounded
    let nb = 0
    let unfixedVars = 0
    for (let k = 0; k < nv; k++) {
      const v = vars[k] as Variable
      v.prevRate = v.rate
      if (v.weight > 0) {
        v.fixed = false
        unfixedVars++
        if (v.bound !== Infinity) bounded[nb++] = v
      } else {
        v.fixed = true
        v.rate = 0
      }
    }
    if (nb > 1) sortBounded(bounded, nb)
    let bi = 0

    while (unfixedVars > 0) {
      // The heap is lazy: fixing a variable only raises other constraints' levels (see `fix`),
      // so a key can be stale but never too high; refresh the top until it is current.
      let minC = nh > 0 ? heap[0] : undefined
      while (minC !== undefined) {
        if (minC.unfixed === 0) { removeAt(heap, nh--, 0); minC.activeIndex = -1; minC = nh > 0 ? heap[0] : undefined; continue }
        const level = minC.wsum > 0 ? minC.remaining / minC.wsum : 0
        if (level > minC.level) { minC.level = level; siftDown(heap, nh, 0); minC = heap[0]; continue }
        minC.level = level
        break
      }
      const minLevel = minC === undefined ? Infinity : minC.level
      while (bi < nb && (bounded[bi] as Variable).fixed) bi++
      const bv = bi < nb ? bounded[bi] : undefined
      if (bv !== undefined && bv.bound / bv.weight <= minLevel) {
        unfixedVars -= this.fix(bv, bv.bound, bv.bound / bv.weight)
        continue
      }
      if (minC === undefined) {
        // Unbounded variables without constraints: give them rate 0 rather than Infinity.
        for (let k = 0; k < nv; k++) {
          const v = vars[k] as Variable
          if (!v.fixed) { v.fixed = true; v.rate = 0; unfixedVars-- }
        }
        break
      }
      // Saturate minC: fix its unfixed variables at weight x level.
      removeAt(heap, nh--, 0)
      minC.activeIndex = -1
      minC.satLevel = minLevel
      const elems = minC.elems
      for (let k = 0; k < elems.length; k++) {
        const v = (elems[k] as Element).v
        if (v.visit === epoch && !v.fixed && v.weight > 0) unfixedVars -= this.fix(v, v.weight * minLevel, minLevel)
      }
    }

    let nch = 0
    for (let k = 0; k < nv; k++) {
      const v = vars[k] as Variable
      if (v.rate !== v.prevRate) changed[nch++] = v
    }
    this.changedCount = nch
    this.stats.changedVariables += nch
    clear(cons, nc)
    clear(vars, nv)
    clear(heap, heapSize)
    clear(bounded, nb)
    return nch
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

/** Clear the first `n` entries of a scratch array (its storage is kept). */
function clear (a: unknown[], n: number): void {
  for (let k = 0; k < n; k++) a[k] = undefined
}

/**
 * Sort the first `n` entries of `bounded` by `byBoundLevel` (a total order: ties go by id, so any
 * sort gives this order), leaving the array's length alone: setting it gave the scratch array's
 * storage back on every solve, and the next solve allocated it again.
 */
function sortBounded (bounded: Array<Variable | undefined>, n: number): void {
  if (n > 32) {
    const sorted = (bounded.slice(0, n) as Variable[]).sort(byBoundLevel)
    for (let k = 0; k < n; k++) bounded[k] = sorted[k]
    return
  }
  for (let k = 1; k < n; k++) {
    const x = bounded[k] as Variable
    let j = k - 1
    while (j >= 0 && byBoundLevel(bounded[j] as Variable, x) > 0) { bounded[j + 1] = bounded[j]; j-- }
    bounded[j + 1] = x
  }
}

function checkCoefficient (c: Constraint, coeff: number): void {
  if (!(coeff > 0) || !Number.isFinite(coeff)) throw new InvalidLmmArgumentError(`expand ${c.name}`, 'a finite coefficient > 0', coeff)
}

function byBoundLevel (a: Variable, b: Variable): number {
  return a.bound / a.weight - b.bound / b.weight || a.id - b.id
}
