/**
 * The fault knobs of a simulated cluster, for tests and experiments:
 * - `failNext(operation, options)`: the next driver operation of a kind
 *   fails with a typed error (see `fail-next.ts`);
 * - `crashHost(name, atS?)`, `recoverHost(name, atS?)`, `cutLink(name,
 *   atS?)`, `restoreLink(name, atS?)`, `slowDisk(name, factor, atS?)`
 *   (factor 1 restores): delegated to the engine's faults, so activities on the
 *   failed resource fail (`ActivityFailedError`, turned into the contract's
 *   errors by the driver) and nothing else is disturbed; a crashed host's
 *   driver then answers `BackendUnavailableError`;
 * - `crashDomain(host, name, atS?)`: the guest dies (state `crashed`, its
 *   memory released), as when a kernel panics.
 * `atS` is an absolute time on the engine clock; now when absent.
 */
import type { Engine } from '@xenos/sim-engine'
import { dropVm, type HostState } from './host-state.js'
import { FailurePlan, type FailNextOptions, type FaultableOperation } from './fail-next.js'

export class ClusterFaults {
  readonly plan = new FailurePlan()

  constructor (private readonly engine: Engine, private readonly hostState: (name: string) => HostState) {}

  failNext (operation: FaultableOperation, options?: FailNextOptions): void {
    this.plan.failNext(operation, options)
  }

  /**
   * The host stops: its guests are lost, so its running and paused domains
   * become `crashed` (their records stay, as a rebooted Xen host's
   * configuration files do); stopped domains and images survive.
   */
  crashHost (name: string, atS?: number): void {
    const state = this.hostState(name)
    this.engine.faults.crashHost(name, atS)
    // Scheduled after the engine's own crash at the same instant (FIFO among equal times).
    this.at(atS, `crash-domains ${name}`, () => {
      for (const d of state.domains.values()) {
        if (d.state === 'running' || d.state === 'paused') {
          dropVm(d)
          d.state = 'crashed'
          d.startedAtS = undefined
        }
      }
    })
  }

  /** A crashed host runs again (empty, cold caches): its driver answers again. */
  recoverHost (name: string, atS?: number): void {
    this.hostState(name)
    this.engine.faults.recoverHost(name, atS)
  }

  private at (atS: number | undefined, label: string, fn: () => void): void {
    if (atS === undefined || atS <= this.engine.nowS()) { fn(); return }
    this.engine.schedule(atS - this.engine.nowS(), fn, label)
  }

  cutLink (name: string, atS?: number): void {
    this.hostState(name)
    this.engine.faults.cutLink(name, atS)
  }

  restoreLink (name: string, atS?: number): void {
    this.hostState(name)
    this.engine.faults.restoreLink(name, atS)
  }

  slowDisk (name: string, factor: number, atS?: number): void {
    this.hostState(name)
    this.engine.faults.slowDisk(name, factor, atS)
  }

  crashDomain (hostname: string, domain: string, atS?: number): void {
    const state = this.hostState(hostname)
    const crash = (): void => {
      const d = state.domains.get(domain)
      if (d === undefined || d.state === 'stopped' || d.state === 'crashed') return
      dropVm(d)
      d.state = 'crashed'
      d.startedAtS = undefined
    }
    this.at(atS, `crash-domain ${hostname}/${domain}`, crash)
  }
}
