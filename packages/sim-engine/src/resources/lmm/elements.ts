/**
 * The elements of a max-min system: constraints (resources), variables (activity rates)
 * and the links between them. See `max-min-system.ts`.
 */

import { EngineArgumentError } from '../../engine/errors.js'

/** The elements of a constraint or a variable that has none (shared, never written). */
export const NO_ELEMENTS: Element[] = []

export class Constraint {
  /**
   * Elements (variables using this constraint). Order = insertion; removal swaps the last in.
   * Without elements it is the shared empty list `NO_ELEMENTS` (only `MaxMinSystem` writes it:
   * `link` gives it a list of one for its first element, `remove` puts the shared list back
   * for its last), so that a guest's constraint idle between activities keeps no storage sized
   * for the ones it had.
   */
  elems: Element[] = NO_ELEMENTS
  /** Scratch state of a solve. */
  remaining = 0
  wsum = 0
  unfixed = 0
  level = 0
  /** Level at which it saturated in the last solve that included it (Infinity: it did not). */
  satLevel = Infinity
  visit = 0
  /** Position in the solve's heap, -1 when not in it. */
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
  // Fields assigned in the constructor, not declared as class fields: V8 runs a class's field
  // definitions as a separate initializer function, one define per field, which a fresh process
  // interprets for each variable until the constructor is optimized.
  declare readonly id: number
  declare weight: number
  declare bound: number
  declare owner: unknown
  /** Its elements, in the order they were added; exactly as long as that (see `MaxMinSystem.expand`). */
  declare elems: Element[]
  /** Current rate (units/s). */
  declare rate: number
  /** Rate before the last solve, for lazy progress accounting. */
  declare prevRate: number
  declare visit: number
  /** Epoch of the solve in which it counts as modified. */
  declare modified: number
  declare fixed: boolean
  /** Set when the variable changed and must be included in the next solve. */
  declare dirty: boolean
  declare removed: boolean

  constructor (id: number, weight: number, bound: number, owner: unknown) {
    this.id = id
    this.weight = weight
    this.bound = bound
    this.owner = owner
    this.elems = NO_ELEMENTS
    this.rate = 0
    this.prevRate = 0
    this.visit = 0
    this.modified = 0
    this.fixed = false
    this.dirty = false
    this.removed = false
  }
}

/** An `EngineArgumentError` of the max-min solver (a capacity, weight, bound or coefficient out of range). */
export class InvalidLmmArgumentError extends EngineArgumentError {}
