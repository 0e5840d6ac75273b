/**
 * An activity whose work is a flow in the max-min model (exec, io, comm),
 * optionally preceded by a latency phase. Its plan is computed when it
 * starts (so it sees the page cache and the hosts as they are then). What
 * happens when its flow begins and ends, and how its progress counts in its
 * guests' usage, are methods of its kind (`CommActivity`, `ExecActivity`,
 * `IoActivity`), so an activity carries no closures. It is listed in the
 * engine's `HostUsers` while it runs (a crash or a cut link finds it there)
 * and in the `users` of each guest it belongs to.
 */
import type { Constraint } from '../resources/lmm/index.js'
import type { Platform } from '../platform/platform.js'
import type { HostUsers, HostUser } from '../resources/host-users.js'
import type { Flow, FlowOwner, ResourceModel } from '../resources/resource-model.js'
import type { ResourceUser, SimHost, SimVm, SimVmUsage, UsageContributor } from '../resources/sim-host.js'
import { ActivityBase, type ActivityHost, type ActivityKind } from './activity.js'

export interface FlowPlan {
  /** Seconds before the flow starts (network hops, split-driver path). */
  latencyS: number
  /** Flops or bytes. */
  amount: number
  weight: number
  boundPerS: number
  /** What the flow uses, until it starts (then empty: the flow's variable has them). */
  elems: Array<[Constraint, number]>
  /** Hosts whose crash fails the activity. */
  hosts: readonly SimHost[]
  /** Hosts whose NIC the activity crosses (cutLink fails it). */
  nics: readonly SimHost[]
  /** VMs it belongs to (suspend pauses it, destroy fails it, usage counts it). */
  vms: readonly SimVm[]
  /** The failure to report at start instead of running (a crashed host, a cut link). */
  failure: string | undefined
}

/** Shared empty lists of a plan (never written). */
export const NO_HOSTS: readonly SimHost[] = []
export const NO_VMS: readonly SimVm[] = []

/** A plan's elements once its flow has them (shared, never written). */
const NO_PLAN_ELEMS: Array<[Constraint, number]> = []

/** Merge an element into a list (one element per constraint). */
export function addElem (elems: Array<[Constraint, number]>, c: Constraint, coeff: number): void {
  if (!(coeff > 0)) return
  for (let k = 0; k < elems.length; k++) {
    const e = elems[k]!
    if (e[0] === c) { e[1] += coeff; return }
  }
  elems.push([c, coeff])
}

export interface FlowEngine extends ActivityHost {
  readonly model: ResourceModel
  readonly platform: Platform
  readonly hostUsers: HostUsers
  /** Run the method `fn` of `self` after `delayS` simulated seconds. */
  scheduleCall<T>(delayS: number, fn: (this: T) => void, self: T): { cancel (): void }
}

export abstract class FlowActivity extends ActivityBase implements ResourceUser, UsageContributor, FlowOwner {
  // Fields assigned in the constructor, not declared as class fields (see `ActivityBase`).
  protected declare readonly engine: FlowEngine
  private declare readonly amount: number
  private declare plan: FlowPlan | undefined
  private declare flow: Flow | undefined
  private declare timer: { cancel (): void } | undefined
  private declare paused: boolean
  /** Execs survive a VM's move to another host. */
  declare readonly movable: boolean
  /** @internal links of the engine's `HostUsers`. */
  declare prevUser: HostUser | undefined
  /** @internal */
  declare nextUser: HostUser | undefined
  /** @internal */
  declare listed: boolean

  constructor (engine: FlowEngine, id: number, kind: ActivityKind, amount: number) {
    super(engine, id, kind)
    this.engine = engine
    this.amount = amount
    this.plan = undefined
    this.flow = undefined
    this.timer = undefined
    this.paused = false
    this.movable = kind === 'exec'
    this.prevUser = undefined
    this.nextUser = undefined
    this.listed = false
  }

  /** What the flow crosses, computed when the activity starts. */
  protected abstract makePlan (): FlowPlan
  /** The flow begins (after the latency phase). */
  protected flowBegins (_flow: Flow): void {}
  /** The flow stopped, `done` of its amount done (all of it when `completed`). */
  protected flowEnds (_done: number, _completed: boolean): void {}
  /** Add progress `done` to the usage `usage` of `vm` (one of the plan's VMs). */
  protected addUsage (_vm: SimVm, _usage: SimVmUsage, _done: number): void {}

  remaining (): number {
    if (this.state === 'finished') return 0
    if (this.flow !== undefined) return this.flow.remaining(this.engine.nowS())
    return this.amount
  }

  usesHost (host: object): boolean { return this.plan !== undefined && (this.plan.hosts as readonly object[]).includes(host) }
  crossesNic (host: object): boolean { return this.plan !== undefined && (this.plan.nics as readonly object[]).includes(host) }

  protected onStart (): void {
    const plan = this.makePlan()
    this.plan = plan
    if (plan.failure !== undefined) {
      this.fail(plan.failure)
      return
    }
    this.engine.hostUsers.add(this)
    const vms = plan.vms
    for (let k = 0; k < vms.length; k++) vms[k]!.addUser(this)
    if (plan.latencyS > 0) this.timer = this.engine.scheduleCall(plan.latencyS, this.latencyOver, this)
    else this.beginFlow()
  }

  private latencyOver (): void {
    this.timer = undefined
    this.beginFlow()
  }

  private beginFlow (): void {
    const plan = this.plan as FlowPlan
    this.flow = this.engine.model.startFlow(plan.amount, plan.weight, plan.boundPerS, plan.elems, this.engine.nowS(), this)
    // The flow has its elements now: the plan's list is not read again, and a boot of hundreds of
    // thousands of domains at once would keep one per activity in flight.
    plan.elems = NO_PLAN_ELEMS
    this.flowBegins(this.flow)
    let paused = this.paused
    const vms = plan.vms
    for (let k = 0; k < vms.length; k++) if (vms[k]!.suspended) paused = true
    if (paused) { this.paused = true; this.engine.model.pauseFlow(this.flow) }
  }

  /** @internal its flow completed (called by the resource model). */
  flowDone (): void {
    const plan = this.plan as FlowPlan
    this.detach()
    this.flowEnds(plan.amount, true)
    const vms = plan.vms
    for (let k = 0; k < vms.length; k++) { const vm = vms[k]!; this.addUsage(vm, vm.finishedUsage, plan.amount) }
    this.complete()
  }

  protected onStop (): void {
    const plan = this.plan
    if (this.timer !== undefined) { this.timer.cancel(); this.timer = undefined }
    if (plan === undefined) return
    if (this.flow !== undefined) {
      const now = this.engine.nowS()
      const done = plan.amount - this.flow.remaining(now)
      this.engine.model.stopFlow(this.flow, now)
      this.flowEnds(done, false)
      for (const vm of plan.vms) this.addUsage(vm, vm.finishedUsage, done)
    }
    this.detach()
  }

  private detach (): void {
    const plan = this.plan as FlowPlan
    this.engine.hostUsers.remove(this)
    const vms = plan.vms
    for (let k = 0; k < vms.length; k++) vms[k]!.removeUser(this)
  }

  resourceFailed (reason: string): void { this.fail(reason) }

  pause (): void {
    this.paused = true
    if (this.flow !== undefined) this.engine.model.pauseFlow(this.flow)
  }

  resume (): void {
    // A transfer between two guests runs only when neither is suspended.
    if (this.plan?.vms.some(vm => vm.suspended) === true) return
    this.paused = false
    if (this.flow !== undefined) this.engine.model.resumeFlow(this.flow)
  }

  /** The VM moved: crashes of the new host fail it now (it counts as that host's newest user). */
  moved (target: SimHost): void {
    const plan = this.plan
    if (plan === undefined) return
    plan.hosts = [target]
    this.engine.hostUsers.moveToEnd(this)
  }

  usageSoFar (usage: SimVmUsage): void {
    const plan = this.plan
    if (plan === undefined || this.flow === undefined) return
    const done = plan.amount - this.flow.remaining(this.engine.nowS())
    for (const vm of plan.vms) this.addUsage(vm, usage, done)
  }
}
