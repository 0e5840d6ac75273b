import { SimHost, SimVm, type SimVmUsage } from '../resources/sim-host.js'
import { ActivityArgumentError } from './errors.js'
import { FlowActivity, NO_HOSTS, NO_VMS, type FlowEngine, type FlowPlan } from './flow-activity.js'

export interface ExecInit {
  /** A host (native or Domain 0 work) or a guest. */
  on: SimHost | SimVm
  /** Work, in flops (units of `coreSpeedFlops`). */
  flops: number
  /** Threads: most cores it can use at once. @default 1 */
  maxCores?: number
}

export function assertAmount (field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new ActivityArgumentError(field, 'a finite number >= 0', value)
}

export function assertTarget (field: string, value: unknown): asserts value is SimHost | SimVm {
  if (!(value instanceof SimHost) && !(value instanceof SimVm)) {
    throw new ActivityArgumentError(field, 'a host (engine.host(name)) or a guest (host.createVm(...))', value)
  }
}

/**
 * A computation. On a host it runs as Domain 0 (or native) work on the host
 * CPU, with at most min(maxCores, Domain 0's VCPUs) threads on a Xen host. On a guest it uses the
 * guest's VCPUs (see `SimVm`): at most min(maxCores, vcpus) cores.
 */
export function execActivity (engine: FlowEngine, id: number, init: ExecInit): FlowActivity {
  assertAmount('exec.flops', init.flops)
  assertTarget('exec.on', init.on)
  const maxCores = init.maxCores ?? 1
  if (!Number.isInteger(maxCores) || maxCores < 1) throw new ActivityArgumentError('exec.maxCores', 'an integer >= 1', maxCores)
  return new ExecActivity(engine, id, init.on, init.flops, maxCores)
}

class ExecActivity extends FlowActivity {
  /** Threads it runs on its guest (0 on a host). */
  private vmThreads = 0

  constructor (engine: FlowEngine, id: number, private readonly target: SimHost | SimVm, private readonly flops: number, private readonly maxCores: number) {
    super(engine, id, 'exec', flops)
  }

  protected describe (): string {
    const t = this.target
    return `exec on=${t instanceof SimVm ? `${t.host.name}/${t.name}` : t.name} flops=${this.flops} maxCores=${this.maxCores}`
  }

  protected makePlan (): FlowPlan {
    const target = this.target
    if (target instanceof SimVm) {
      const vm = target
      const host = vm.host
      const threads = Math.min(this.maxCores, vm.vcpus)
      this.vmThreads = threads
      return {
        latencyS: 0,
        amount: this.flops,
        weight: threads,
        boundPerS: threads * host.coreSpeedFlops,
        elems: [[vm.vcpuConstraint, 1]],
        hosts: [host],
        nics: NO_HOSTS,
        vms: [vm],
        failure: vm.gone ? `domain ${vm.name} is gone` : host.failed ? `host ${host.name} crashed` : undefined
      }
    }
    const host = target
    const threads = Math.min(this.maxCores, host.cores, host.virtualized ? host.dom0Vcpus : host.cores)
    return {
      latencyS: 0,
      amount: this.flops,
      weight: threads,
      boundPerS: threads * host.coreSpeedFlops,
      elems: [[host.cpu, 1]],
      hosts: [host],
      nics: NO_HOSTS,
      vms: NO_VMS,
      failure: host.failed ? `host ${host.name} crashed` : undefined
    }
  }

  protected override flowBegins (): void {
    if (this.vmThreads > 0) (this.target as SimVm).addThreads(this.vmThreads)
  }

  protected override flowEnds (): void {
    if (this.vmThreads > 0) (this.target as SimVm).addThreads(-this.vmThreads)
  }

  protected override addUsage (_vm: SimVm, usage: SimVmUsage, done: number): void {
    usage.cpuTimeS += done / (this.target as SimVm).host.coreSpeedFlops
  }
}
