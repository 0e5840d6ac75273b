import { SimVm, type SimHost } from '../resources/sim-host.js'
import { addElem, FlowActivity, type FlowEngine, type FlowPlan } from './flow-activity.js'
import { assertAmount, assertTarget } from './exec.js'
import { ActivityArgumentError } from './errors.js'

export interface CommInit {
  from: SimHost | SimVm
  to: SimHost | SimVm
  bytes: number
  /** Most this transfer may reach, bytes/s (an application limit). @default unbounded */
  rateBoundBps?: number
  /**
   * CPU work per byte on each endpoint that is a host (Domain 0's own transfers, for example a
   * migration stream or an image copy), charged like a guest endpoint's back-end cost (Domain 0
   * priority, see `SimHost`). Guest endpoints pay the platform's `dom0NetFlopsPerByte` anyway.
   * @default 0
   */
  dom0FlopsPerByte?: number
}

/**
 * A transfer. Between hosts it crosses the sender's up link and the
 * receiver's down link (full-duplex NICs into one non-blocking switch), after
 * a latency of one hop per NIC plus the switch; payload uses
 * 1/tcpEfficiency of the links. Within one host it is a memory copy. Each
 * guest endpoint costs its host's Domain 0 CPU (`dom0NetFlopsPerByte`) and
 * adds `netLatencyS`.
 */
export function commActivity (engine: FlowEngine, id: number, init: CommInit): FlowActivity {
  assertAmount('comm.bytes', init.bytes)
  assertTarget('comm.from', init.from)
  assertTarget('comm.to', init.to)
  const hostFpb = init.dom0FlopsPerByte ?? 0
  if (!(hostFpb >= 0) || !Number.isFinite(hostFpb)) throw new ActivityArgumentError('comm.dom0FlopsPerByte', 'a finite number >= 0', init.dom0FlopsPerByte)
  if (init.rateBoundBps !== undefined && !(init.rateBoundBps > 0)) throw new ActivityArgumentError('comm.rateBoundBps', 'a number > 0', init.rateBoundBps)
  const detail = (): string => `comm from=${endName(init.from)} to=${endName(init.to)} bytes=${init.bytes}`
  return new FlowActivity(engine, id, 'comm', detail, init.bytes, (): FlowPlan => {
    // Built once per transfer, so it makes no temporary arrays: elements in the order
    // up link, down link (or memory bus), Domain 0 of each guest end, Domain 0 of each host end.
    const srcVm = init.from instanceof SimVm ? init.from : undefined
    const dstVm = init.to instanceof SimVm ? init.to : undefined
    const src = srcVm?.host ?? (init.from as SimHost)
    const dst = dstVm?.host ?? (init.to as SimHost)
    const p = engine.platform
    const elems: FlowPlan['elems'] = []
    let latencyS = 0
    let nics: SimHost[] = NO_HOSTS
    if (src === dst) {
      addElem(elems, src.memBus, 1)
    } else {
      const perByte = 1 / p.network.tcpEfficiency
      addElem(elems, src.up, perByte)
      addElem(elems, dst.down, perByte)
      latencyS += src.nic.latencyS + p.network.switchLatencyS + dst.nic.latencyS
      nics = [src, dst]
    }
    const fpb = p.virtualization.dom0NetFlopsPerByte
    if (srcVm !== undefined) { addElem(elems, srcVm.host.dom0Cpu, fpb); latencyS += p.virtualization.netLatencyS }
    if (dstVm !== undefined) { addElem(elems, dstVm.host.dom0Cpu, fpb); latencyS += p.virtualization.netLatencyS }
    if (hostFpb > 0) {
      if (srcVm === undefined) addElem(elems, src.dom0Cpu, hostFpb)
      if (dstVm === undefined) addElem(elems, dst.dom0Cpu, hostFpb)
    }
    const vms: SimVm[] = srcVm === undefined ? (dstVm === undefined ? NO_VMS : [dstVm]) : (dstVm === undefined ? [srcVm] : [srcVm, dstVm])
    // The last failure found wins, in this order: a guest gone, a host crashed, a link down.
    let failure: string | undefined
    for (const vm of vms) if (vm.gone) failure = `domain ${vm.name} is gone`
    if (src.failed) failure = `host ${src.name} crashed`
    if (dst.failed) failure = `host ${dst.name} crashed`
    for (const h of nics) if (h.nicDown) failure = `link of host ${h.name} is down`
    const plan: FlowPlan = {
      latencyS,
      amount: init.bytes,
      weight: 1,
      boundPerS: init.rateBoundBps ?? Infinity,
      elems,
      hosts: src === dst ? [src] : [src, dst],
      nics,
      vms,
      failure
    }
    if (vms.length > 0) {
      plan.account = (vm, usage, done) => {
        if (vm === srcVm) usage.netTxBytes += done
        if (vm === dstVm) usage.netRxBytes += done
      }
    }
    return plan
  })
}

function endName (x: SimHost | SimVm): string { return x instanceof SimVm ? `${x.host.name}/${x.name}` : x.name }

const NO_HOSTS: SimHost[] = []
const NO_VMS: SimVm[] = []
