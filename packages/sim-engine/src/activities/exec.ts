import { SimHost, SimVm } from '../resources/sim-host.js'
import { ActivityArgumentError } from './errors.js'
import { FlowActivity, type FlowEngine, type FlowPlan } from './flow-activity.js'

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
  if (!(value instanceof SimHost) && !(value instanceof SimVm)) throw new ActivityArgumentError(field, 'a host (engine.host(name)) or a guest (host.createVm(...))', value)
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
  const target = init.on
  const detail = (): string => `exec on=${target instanceof SimVm ? `${target.host.name}/${target.name}` : target.name} flops=${init.flops} maxCores=${maxCores}`
  return new FlowActivity(engine, id, 'exec', detail, init.flops, (): FlowPlan => {
    if (target instanceof SimVm) {
      const vm = target
      const host = vm.host
      const threads = Math.min(maxCores, vm.vcpus)
      return {
        latencyS: 0,
        amount: init.flops,
        weight: threads,
        boundPerS: threads * host.coreSpeedFlops,
        elems: [[vm.vcpuConstraint, 1]],
        hosts: [host],
        nics: [],
        vms: [vm],
        failure: vm.gone ? `domain ${vm.name} is gone` : host.failed ? `host ${host.name} crashed` : undefined,
        onBegin: () => vm.addThreads(threads),
        onEnd: () => vm.addThreads(-threads),
        account: (_vm, usage, done) => { usage.cpuTimeS += done / vm.host.coreSpeedFlops }
      }
    }
    const host = target
    const threads = Math.min(maxCores, host.cores, host.virtualized ? host.dom0Vcpus : host.cores)
    const elems: FlowPlan['elems'] = [[host.cpu, 1]]
    return {
      latencyS: 0,
      amount: init.flops,
      weight: threads,
      boundPerS: threads * host.coreSpeedFlops,
      elems,
      hosts: [host],
      nics: [],
      vms: [],
      failure: host.failed ? `host ${host.name} crashed` : undefined
    }
  })
}
