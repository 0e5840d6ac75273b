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

export class Constraint {
  /** Elements (variables using this constraint). Order = insertion; removal swaps the last in. */
  readonly elems: Element[] = []
  /** Scratch state of a solve. */
  remaining = 0
  wsum = 0
  unfixed = 0
  visit = 0
  activeIndex = -1
  /** Called after a solve that included this constraint (for capacities that depend on other rates). */
  onSolved: (() => void) | undefined
  constructor (readonly id: number, public name: string, public capacity: number) {}
  /** Σ coefficient x rate over the current allocation (for tests and reports). */
  usage (): number {
    let u = 0
    for (const e of this.elems) u += e.coeff * e.v.rate
    return u
  }
}

export interface Element {
  readonly c: Constraint
  readonly v: Variable
  coeff: number
  /** Index in c.elems. */
  ci: number
}

export class Variable {
  readonly elems: Element[] = []
  /** Current rate (units/s). */
  rate = 0
  /** Rate before the last solve, for lazy progress accounting. */
  prevRate = 0
  visit = 0
  fixed = false
  /** Set when the variable changed and must be included in the next solve. */
  dirty = false
  removed = false
  constructor (readonly id: number, public weight: number, public bound: number, public owner: unknown) {}
}

export class InvalidLmmArgumentError extends Error {
  constructor (what: string, expected: string, found: unknown) {
    super(`${what}: expected ${expected}, found ${String(found)}`)
    this.name = 'InvalidLmmArgumentError'
  }
}

export class MaxMinSystem {
  private nextId = 0
  private epoch = 0
  /** Constraints and variables touched since the last solve. */
  private readonly modifiedC: Constraint[] = []
  private readonly modifiedV: Variable[] = []
  /** Constraints of the last solve that have an `onSolved` hook. */
  readonly watchedSolved: Constraint[] = []
  /** Statistics, for benchmarks. */
  readonly stats = { solves: 0, componentConstraints: 0, componentVariables: 0 }

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

  private touchC (c: Constraint): void { this.modifiedC.push(c) }
  private touchV (v: Variable): void {
    if (v.dirty) return
    v.dirty = true
    this.modifiedV.push(v)
  }

  /**
   * Re-solve the components touched since the last call. Returns the
   * variables whose rate changed (their `prevRate` holds the old rate).
   */
  solve (): Variable[] {
    const changed: Variable[] = []
    if (!this.dirty) return changed
    this.stats.solves++
    const epoch = ++this.epoch
    const cons: Constraint[] = []
    const vars: Variable[] = []
    // Collect the components: BFS over constraint <-> variable links.
    const visitC = (c: Constraint): void => {
      if (c.visit === epoch) return
      c.visit = epoch
      cons.push(c)
    }
    const visitV = (v: Variable): void => {
      if (v.visit === epoch || v.removed) return
      v.visit = epoch
      vars.push(v)
      for (const e of v.elems) visitC(e.c)
    }
    for (const v of this.modifiedV) { v.dirty = false; visitV(v) }
    for (const c of this.modifiedC) visitC(c)
    this.modifiedV.length = 0
    this.modifiedC.length = 0
    for (let i = 0; i < cons.length; i++) {
      for (const e of (cons[i] as Constraint).elems) visitV(e.v)
    }
    this.stats.componentConstraints += cons.length
    this.watchedSolved.length = 0
    for (const c of cons) if (c.onSolved !== undefined) this.watchedSolved.push(c)
    this.stats.componentVariables += vars.length

    // Initialise.
    const active: Constraint[] = []
    for (const c of cons) {
      let wsum = 0
      let unfixed = 0
      for (const e of c.elems) {
        if (e.v.weight > 0) { wsum += e.coeff * e.v.weight; unfixed++ }
      }
      c.remaining = c.capacity
      c.wsum = wsum
      c.unfixed = unfixed
      c.activeIndex = -1
      if (unfixed > 0) { c.activeIndex = active.length; active.push(c) }
    }
    const bounded: Variable[] = []
    let unfixedVars = 0
    for (const v of vars) {
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
    bounded.sort((a, b) => a.bound / a.weight - b.bound / b.weight || a.id - b.id)
    let bi = 0

    const fix = (v: Variable, rate: number): void => {
      v.fixed = true
      v.rate = rate
      unfixedVars--
      for (const e of v.elems) {
        const c = e.c
        c.remaining -= e.coeff * rate
        if (c.remaining < 0) c.remaining = 0
        c.wsum -= e.coeff * v.weight
        if (--c.unfixed === 0) deactivate(c)
      }
    }
    const deactivate = (c: Constraint): void => {
      const i = c.activeIndex
      if (i < 0) return
      const last = active.pop() as Constraint
      if (last !== c) { active[i] = last; last.activeIndex = i }
      c.activeIndex = -1
    }

    while (unfixedVars > 0) {
      let minLevel = Infinity
      let minC: Constraint | undefined
      for (let i = 0; i < active.length; i++) {
        const c = active[i] as Constraint
        const level = c.wsum > 0 ? c.remaining / c.wsum : 0
        if (level < minLevel || (level === minLevel && minC !== undefined && c.id < minC.id)) { minLevel = level; minC = c }
      }
      while (bi < bounded.length && (bounded[bi] as Variable).fixed) bi++
      const bv = bounded[bi]
      if (bv !== undefined && bv.bound / bv.weight <= minLevel) {
        fix(bv, bv.bound)
        continue
      }
      if (minC === undefined) {
        // Unbounded variables with no constraint: should not exist; give them rate 0 rather than Infinity.
        for (const v of vars) if (!v.fixed) fix(v, 0)
        break
      }
      const elems = minC.elems
      for (let i = 0; i < elems.length; i++) {
        const v = (elems[i] as Element).v
        if (!v.fixed && v.weight > 0) fix(v, v.weight * minLevel)
      }
      deactivate(minC)
    }

    for (const v of vars) if (v.rate !== v.prevRate) changed.push(v)
    return changed
  }
}
