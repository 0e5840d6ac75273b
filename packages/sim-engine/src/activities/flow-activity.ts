/**
 * An activity whose work is a flow in the max-min model (exec, io, comm),
 * optionally preceded by a latency phase. Its plan is computed when it
 * starts (so it sees the page cache and the hosts as they are then).
 */
import type { Constraint } from '../resources/lmm/index.js'
import type { Platform } from '../platform/platform.js'
import type { Flow, ResourceModel } from '../resources/resource-model.js'
import type { ResourceUser, SimHost, SimVm, SimVmUsage, UsageContributor } from '../resources/sim-host.js'
import { ActivityBase, type ActivityHost, type ActivityKind } from './activity.js'

export interface FlowPlan {
  /** Seconds before the flow starts (network hops, split-driver path). */
  latencyS: number
  /** Flops or bytes. */
  amount: number
  weight: number
  boundPerS: number
  elems: Array<[Constraint, number]>
  /** Hosts whose crash fails the activity. */
  hosts: SimHost[]
  /** Hosts whose NIC the activity crosses (cutLink fails it). */
  nics: SimHost[]
  /** VMs it belongs to (suspend pauses it, destroy fails it, usage counts it). */
  vms: SimVm[]
  /** Called when the flow starts and when it stops (`done` = amount completed). */
  onBegin?: () => void
  onEnd?: (done: number, completed: boolean) => void
  /** Adds progress `done` to a VM's usage. */
  account?: (vm: SimVm, usage: SimVmUsage, done: number) => void
  /** The failure to report at start instead of running (a crashed host, a cut link). */
  failure?: string
}

/** Merge an element into a list (one element per constraint). */
export function addElem (elems: Array<[Constraint, number]>, c: Constraint, coeff: number): void {
  if (!(coeff > 0)) return
  for (const e of elems) if (e[0] === c) { e[1] += coeff; return }
  elems.push([c, coeff])
}

export interface FlowEngine extends ActivityHost {
  readonly model: ResourceModel
  readonly platform: Platform
  schedule (delayS: number, fn: () => void, label?: string): { cancel (): void }
}

export class FlowActivity extends ActivityBase implements ResourceUser, UsageContributor {
  private plan: FlowPlan | undefined
  private flow: Flow | undefined
  private timer: { cancel (): void } | undefined
  private paused = false
  /** Execs survive a VM's move to another host. */
  readonly movable: boolean

  constructor (private readonly engine: FlowEngine, id: number, kind: ActivityKind, detail: () => string, private readonly amount: number, private readonly makePlan: () => FlowPlan) {
    super(engine, id, kind, detail)
    this.movable = kind === 'exec'
  }

  remaining (): number {
    if (this.state === 'finished') return 0
    if (this.flow !== undefined) return this.flow.remaining(this.engine.nowS())
    return this.amount
  }

  protected onStart (): void {
    const plan = this.makePlan()
    this.plan = plan
    if (plan.failure !== undefined) {
      const reason = plan.failure
      this.fail(reason)
      return
    }
    for (const h of plan.hosts) h.users.add(this)
    for (const h of plan.nics) h.nicUsers.add(this)
    for (const vm of plan.vms) vm.users.add(this)
    if (plan.latencyS > 0) this.timer = this.engine.schedule(plan.latencyS, () => { this.timer = undefined; this.beginFlow() })
    else this.beginFlow()
  }

  private beginFlow (): void {
    const plan = this.plan as FlowPlan
    plan.onBegin?.()
    this.flow = this.engine.model.startFlow(plan.amount, plan.weight, plan.boundPerS, plan.elems, this.engine.nowS(), () => this.flowDone())
    let paused = this.paused
    for (const vm of plan.vms) if (vm.suspended) paused = true
    if (paused) { this.paused = true; this.engine.model.pauseFlow(this.flow) }
  }

  private flowDone (): void {
    const plan = this.plan as FlowPlan
    this.detach()
    plan.onEnd?.(plan.amount, true)
    for (const vm of plan.vms) plan.account?.(vm, vm.finishedUsage, plan.amount)
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
      plan.onEnd?.(done, false)
      for (const vm of plan.vms) plan.account?.(vm, vm.finishedUsage, done)
    }
    this.detach()
  }

  private detach (): void {
    const plan = this.plan as FlowPlan
    for (const h of plan.hosts) h.users.delete(this)
    for (const h of plan.nics) h.nicUsers.delete(this)
    for (const vm of plan.vms) vm.users.delete(this)
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

  /** The VM moved: re-register for crashes of the new host. */
  moved (target: SimHost): void {
    const plan = this.plan
    if (plan === undefined) return
    for (const h of plan.hosts) h.users.delete(this)
    plan.hosts = [target]
    target.users.add(this)
  }

  usageSoFar (usage: SimVmUsage): void {
    const plan = this.plan
    if (plan?.account === undefined || this.flow === undefined) return
    const done = plan.amount - this.flow.remaining(this.engine.nowS())
    for (const vm of plan.vms) plan.account(vm, usage, done)
  }
}
