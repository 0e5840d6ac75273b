/**
 * Flows over the max-min system, with lazy progress accounting (as SimGrid's
 * "lazy" update mode): a flow stores its remaining amount at the time of its
 * last rate change; its progress in between is `rate x elapsed`. Completion
 * times live in one indexed min-heap (ordered by finish time, then flow id),
 * updated only for the flows whose rate changed in the last solve. The engine
 * asks `nextCompletionS()` to know when the next flow ends: there is no
 * per-flow event to cancel and reschedule.
 */
import { MaxMinSystem, type Constraint, type Variable } from './lmm/index.js'

/** Something whose rate the solver sets. */
export interface RateOwner {
  /** Called after a solve at `nowS` changed `v.rate` (old rate in `v.prevRate`). */
  rateChanged (v: Variable, nowS: number): void
}

/** What is told when a flow completes (`ResourceModel.completeNext`). */
export interface FlowOwner {
  flowDone (flow: Flow): void
}

/** An amount of work (flops or bytes) progressing at the rate of its variable. */
export class Flow implements RateOwner {
  // Fields assigned in the constructor, not declared as class fields (see `ActivityBase` in activities).
  declare readonly model: ResourceModel
  declare readonly id: number
  declare remainingAtLast: number
  declare readonly owner: FlowOwner
  declare heapIndex: number
  declare finishS: number
  declare lastS: number
  /** Paused flows keep their weight here while their variable's weight is 0. */
  declare savedWeight: number
  /** Called when the flow is stopped before completing (`stopFlow`). */
  declare onStop: (() => void) | undefined
  declare readonly v: Variable

  constructor (model: ResourceModel, id: number, remainingAtLast: number, weight: number, bound: number, nowS: number, owner: FlowOwner) {
    this.model = model
    this.id = id
    this.remainingAtLast = remainingAtLast
    this.owner = owner
    this.heapIndex = -1
    this.finishS = Infinity
    this.lastS = nowS
    this.savedWeight = 0
    this.onStop = undefined
    this.v = model.lmm.variable(weight, bound, this)
  }

  /** Remaining amount at `nowS`. */
  remaining (nowS: number): number {
    const r = this.remainingAtLast - this.v.rate * (nowS - this.lastS)
    return r > 0 ? r : 0
  }

  rateChanged (v: Variable, nowS: number): void {
    this.remainingAtLast -= v.prevRate * (nowS - this.lastS)
    if (this.remainingAtLast < 0) this.remainingAtLast = 0
    this.lastS = nowS
    this.model.reschedule(this, nowS)
  }
}

/** Relative amount under which a flow counts as done (float noise). */
const DONE_EPSILON = 1e-9

export class ResourceModel {
  readonly lmm = new MaxMinSystem()
  private readonly heap: Flow[] = []
  private nextFlowId = 1
  /** Number of flow completions so far (bench statistic). */
  completions = 0

  startFlow (amount: number, weight: number, bound: number, elems: ReadonlyArray<readonly [Constraint, number]>, nowS: number, owner: FlowOwner): Flow {
    const f = new Flow(this, this.nextFlowId++, amount, weight, bound, nowS, owner)
    this.lmm.expandAll(f.v, elems)
    if (amount <= 0) { f.finishS = nowS; this.heapInsert(f) }
    return f
  }

  /** Stop a flow without completing it. Its remaining amount is frozen at `nowS`. */
  stopFlow (f: Flow, nowS: number): void {
    if (f.v.removed) return
    f.remainingAtLast = f.remaining(nowS)
    f.lastS = nowS
    this.lmm.remove(f.v)
    if (f.heapIndex >= 0) this.heapRemove(f)
    const onStop = f.onStop
    f.onStop = undefined
    onStop?.()
  }

  /** Add `amount` to a running flow (for example more dirty pages to write back). */
  addWork (f: Flow, amount: number, nowS: number): void {
    f.remainingAtLast = f.remaining(nowS) + amount
    f.lastS = nowS
    this.reschedule(f, nowS)
  }

  pauseFlow (f: Flow): void {
    if (f.v.weight === 0) return
    f.savedWeight = f.v.weight
    this.lmm.setWeight(f.v, 0)
  }

  resumeFlow (f: Flow): void {
    if (f.v.weight !== 0 || f.savedWeight === 0) return
    this.lmm.setWeight(f.v, f.savedWeight)
    f.savedWeight = 0
  }

  get dirty (): boolean { return this.lmm.dirty }

  /** Solve the touched components and reschedule the flows whose rate changed. */
  solve (nowS: number): void {
    // Owners may change capacities while reacting (two-level VM CPU sharing, Domain 0
    // priority on the host CPU): loop until stable (two passes in practice).
    for (let pass = 0; pass < 8 && this.lmm.dirty; pass++) {
      const lmm = this.lmm
      const n = lmm.solve()
      const changed = lmm.changed
      for (let k = 0; k < n; k++) {
        const v = changed[k] as Variable
        ;(v.owner as RateOwner).rateChanged(v, nowS)
      }
      const watched = lmm.watchedSolved
      for (let k = 0; k < lmm.watchedCount; k++) (watched[k] as Constraint).onSolved?.()
      lmm.releaseResults()
    }
  }

  reschedule (f: Flow, nowS: number): void {
    if (f.v.removed) return
    const rem = f.remainingAtLast
    let finish: number
    if (rem <= 0) finish = nowS
    else if (f.v.rate > 0) {
      finish = nowS + rem / f.v.rate
      if (finish === nowS) finish = nowS
    } else finish = Infinity
    f.finishS = finish
    if (finish === Infinity) { if (f.heapIndex >= 0) this.heapRemove(f); return }
    if (f.heapIndex >= 0) this.heapUpdate(f)
    else this.heapInsert(f)
  }

  nextCompletionS (): number {
    // The length first: reading past the end of an empty heap would throw the event loop's
    // optimized code away (V8 compiles `heap[0]` for an index in bounds).
    const heap = this.heap
    return heap.length === 0 ? Infinity : (heap[0] as Flow).finishS
  }

  /** Complete the earliest flow (its finish time must be <= nowS). */
  completeNext (nowS: number): void {
    if (this.heap.length === 0) return
    const f = this.heap[0] as Flow
    this.heapRemove(f)
    f.remainingAtLast = 0
    f.lastS = nowS
    this.lmm.remove(f.v)
    this.completions++
    f.owner.flowDone(f)
  }

  /** True when a flow's remaining amount is float noise relative to `total`. */
  static isDone (remaining: number, total: number): boolean {
    return remaining <= total * DONE_EPSILON
  }

  // ── indexed binary heap on (finishS, id) ──────────────────────────
  private less (a: Flow, b: Flow): boolean {
    return a.finishS < b.finishS || (a.finishS === b.finishS && a.id < b.id)
  }

  private heapInsert (f: Flow): void {
    f.heapIndex = this.heap.length
    this.heap.push(f)
    this.up(f.heapIndex)
  }

  private heapUpdate (f: Flow): void {
    this.up(f.heapIndex)
    this.down(f.heapIndex)
  }

  private heapRemove (f: Flow): void {
    const i = f.heapIndex
    const last = this.heap.pop() as Flow
    f.heapIndex = -1
    if (last === f) return
    this.heap[i] = last
    last.heapIndex = i
    this.up(i)
    this.down(last.heapIndex)
  }

  private up (i: number): void {
    const h = this.heap
    const f = h[i] as Flow
    while (i > 0) {
      const p = (i - 1) >> 1
      const pf = h[p] as Flow
      if (!this.less(f, pf)) break
      h[i] = pf; pf.heapIndex = i
      i = p
    }
    h[i] = f; f.heapIndex = i
  }

  private down (i: number): void {
    const h = this.heap
    const n = h.length
    const f = h[i] as Flow
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      let c = l
      if (r < n && this.less(h[r] as Flow, h[l] as Flow)) c = r
      const cf = h[c] as Flow
      if (!this.less(cf, f)) break
      h[i] = cf; cf.heapIndex = i
      i = c
    }
    h[i] = f; f.heapIndex = i
  }
}
