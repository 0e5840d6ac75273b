/**
 * One simulated host's driver calls: what every part of the driver (life
 * cycle, images, checkpoints, migration) runs its work through. A call holds
 * the clock by the rule of `control-plane.ts`, checks that the host answers,
 * pays the cluster's control-plane latency, consumes a planned failure when
 * one is due, and turns the engine's errors into the contract's
 * (`engine-errors.ts`) on the way out.
 */
import { BackendUnavailableError, DomainNotFoundError, assertDomainName, type DomainSpec } from '@xenos/hypervisor-interface'
import type { Engine } from '@xenos/sim-engine'
import type { ControlPlane, Operation } from './control-plane.js'
import { SIM_BACKEND, contractError } from './engine-errors.js'
import type { FailurePlan, FaultableOperation } from './fail-next.js'
import type { DomainRecord, HostState } from './host-state.js'
import { runActivity } from './run-activities.js'

/** What a host's calls need from their cluster (a `SimCluster` is one). */
export interface CallsCluster {
  readonly engine: Engine
  readonly control: ControlPlane
  readonly faults: { readonly plan: FailurePlan }
  readonly controlLatencyS: number
  readonly closed: boolean
}

export class HostCalls {
  private closed = false

  constructor (private readonly cluster: CallsCluster, readonly state: HostState) {}

  get hostname (): string { return this.state.name }
  get engine (): Engine { return this.cluster.engine }

  /** Later calls answer `BackendUnavailableError` (the driver was closed). */
  close (): void { this.closed = true }

  /** Throws `BackendUnavailableError` when the driver is closed or its host has crashed. */
  ensureUp (): void {
    if (this.closed) throw new BackendUnavailableError(SIM_BACKEND, `the driver for ${this.hostname} was closed`)
    if (this.cluster.closed) throw new BackendUnavailableError(SIM_BACKEND, `the simulated cluster of ${this.hostname} was closed`)
    if (this.state.host.failed) throw new BackendUnavailableError(SIM_BACKEND, `simulated host ${this.hostname} has crashed`)
  }

  /** Throws the planned failure of `operation`, if one is due. */
  fault (operation: FaultableOperation): void {
    const err = this.cluster.faults.plan.take(operation, this.hostname)
    if (err !== undefined) throw err
  }

  /** The planned failure of `operation` (built by `makeDefault` unless the plan names one), if one is due. */
  plannedFailure (operation: FaultableOperation, makeDefault: () => Error): Error | undefined {
    return this.cluster.faults.plan.take(operation, this.hostname, makeDefault)
  }

  /**
   * Runs `body` as one driver call (clock held, host checked, the engine's errors as the contract's).
   * In manual mode the call takes no async frame of its own (`checked`): a cluster boots hundreds
   * of thousands of domains at once, and every frame in flight is memory held until they boot.
   */
  call<T> (label: string, body: (op: Operation) => Promise<T>): Promise<T> {
    const control = this.cluster.control
    if (!control.live) return this.checked(control.manual, label, body)
    return control.run(`${this.hostname}:${label}`, async op => await this.checked(op, label, body), label.split(' ')[0] ?? label)
  }

  private checked<T> (op: Operation, label: string, body: (op: Operation) => Promise<T>): Promise<T> {
    if (this.cluster.controlLatencyS > 0) return this.checkedAfterLatency(op, label, body)
    let work: Promise<T>
    try {
      this.ensureUp()
      if (this.engine.logging) this.engine.log('driver', `${this.hostname} ${label}`)
      work = body(op)
    } catch (err) {
      return Promise.reject(contractError(err, this.hostname))
    }
    // No async frame: the call's promise is `body`'s, its errors turned into the contract's.
    return work.then(undefined, this.toContract)
  }

  /** `checked` when every call first pays the cluster's control-plane latency. */
  private async checkedAfterLatency<T> (op: Operation, label: string, body: (op: Operation) => Promise<T>): Promise<T> {
    try {
      this.ensureUp()
      if (this.engine.logging) this.engine.log('driver', `${this.hostname} ${label}`)
      await runActivity(op, this.engine.sleep(this.cluster.controlLatencyS))
      this.ensureUp()
      return await body(op)
    } catch (err) {
      throw contractError(err, this.hostname)
    }
  }

  private readonly toContract = (err: unknown): never => { throw contractError(err, this.hostname) }

  /** Runs `body` as one driver call on domain `name`, serialised with other calls on it. */
  onDomain<T> (label: string, name: unknown, body: (op: Operation, d: DomainRecord) => Promise<T>): Promise<T> {
    try {
      assertDomainName(name)
    } catch (err) {
      return Promise.reject(err as Error)
    }
    // Plain functions returning promises (no async frames): a synchronous throw of `body` is a rejection of
    // `KeyedLock.with`, which `checked` turns into the contract's error like any other.
    return this.call(`${label} ${name}`, op => this.state.locks.with(name, op, () => {
      this.ensureUp()
      return body(op, this.record(name))
    }))
  }

  /** The domain `name` of this host (`DomainNotFoundError` if none). */
  record (name: string): DomainRecord {
    const d = this.state.domains.get(name)
    if (d === undefined) throw new DomainNotFoundError(name, this.hostname)
    return d
  }

  /** Reserve the domain's memory (a VM on the engine) and mark it running. */
  bootVm (d: DomainRecord): void {
    const h = this.state.host
    d.vm = h.createVm({ name: d.spec.name, vcpus: d.spec.vcpus, memoryMiB: d.spec.memoryMiB })
    d.domid = this.state.allocateDomid()
    d.state = 'running'
    d.startedAtS = this.engine.nowS()
  }

  /** Page-cache identity of a file of this host (joined: one flat string, which the cache keeps, rather than a tree of pieces). */
  cacheKey (path: string): string { return [this.hostname, path].join(':') }

  /** An engine error as the contract's (see `engine-errors.ts`). */
  hostError (err: unknown): Error { return contractError(err, this.hostname) }

  /** `ImageNotFoundError` unless every disk of `spec` is an image in this host's store. */
  requireImages (spec: DomainSpec): void {
    for (const disk of spec.disks) this.state.store.image(disk.image)
  }
}
