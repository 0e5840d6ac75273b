import { SimVm, type SimHost, type SimVmUsage } from '../resources/sim-host.js'
import { addElem, FlowActivity, NO_HOSTS, NO_VMS, type FlowEngine, type FlowPlan } from './flow-activity.js'
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
  return new CommActivity(engine, id, init, hostFpb)
}

class CommActivity extends FlowActivity {
  // Fields assigned in the constructor, not declared as class fields (see `ActivityBase`).
  private declare readonly init: CommInit
  private declare readonly hostFpb: number

  constructor (engine: FlowEngine, id: number, init: CommInit, hostFpb: number) {
    super(engine, id, 'comm', init.bytes)
    this.init = init
    this.hostFpb = hostFpb
  }

  protected describe (): string {
    return `comm from=${endName(this.init.from)} to=${endName(this.init.to)} bytes=${this.init.bytes}`
  }

  protected makePlan (): FlowPlan {
    // Built once per transfer, so it makes no temporary arrays: elements in the order
    // up link, down link (or memory bus), Domain 0 of each guest end, Domain 0 of each host end.
    const init = this.init
    const hostFpb = this.hostFpb
    const srcVm = init.from instanceof SimVm ? init.from : undefined
    const dstVm = init.to instanceof SimVm ? init.to : undefined
    const src = srcVm?.host ?? (init.from as SimHost)
    const dst = dstVm?.host ?? (init.to as SimHost)
    const p = this.engine.platform
    // The first elements as a list of their length (a list grown by push has room for 17): the
    // memory bus, or two distinct links at 1/tcpEfficiency > 0 (what addElem would have made).
    let elems: FlowPlan['elems']
    let latencyS = 0
    let nics: readonly SimHost[] = NO_HOSTS
    if (src === dst) {
      elems = [[src.memBus, 1]]
    } else {
      const perByte = 1 / p.network.tcpEfficiency
      elems = [[src.up, perByte], [dst.down, perByte]]
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
    const vms: readonly SimVm[] = srcVm === undefined ? (dstVm === undefined ? NO_VMS : [dstVm]) : (dstVm === undefined ? [srcVm] : [srcVm, dstVm])
    // The last failure found wins, in this order: a guest gone, a host crashed, a link down.
    let failure: string | undefined
    for (let k = 0; k < vms.length; k++) if (vms[k]!.gone) failure = `domain ${vms[k]!.name} is gone`
    if (src.failed) failure = `host ${src.name} crashed`
    if (dst.failed) failure = `host ${dst.name} crashed`
    for (let k = 0; k < nics.length; k++) if (nics[k]!.nicDown) failure = `link of host ${nics[k]!.name} is down`
    return {
      latencyS,
      amount: init.bytes,
      weight: 1,
      boundPerS: init.rateBoundBps ?? Infinity,
      elems,
      // Between two hosts, the hosts it uses are the two ends whose NICs it crosses: one list.
      hosts: src === dst ? [src] : nics,
      nics,
      vms,
      failure
    }
  }

  protected override addUsage (vm: SimVm, usage: SimVmUsage, done: number): void {
    if (vm === this.init.from) usage.netTxBytes += done
    if (vm === this.init.to) usage.netRxBytes += done
  }
}

function endName (x: SimHost | SimVm): string { return x instanceof SimVm ? `${x.host.name}/${x.name}` : x.name }
