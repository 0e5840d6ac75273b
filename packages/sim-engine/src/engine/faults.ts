import type { SimHost } from '../resources/sim-host.js'
import { EngineArgumentError } from './errors.js'

interface FaultEngine {
  nowS (): number
  host (name: string): SimHost
  schedule (delayS: number, fn: () => void, label?: string): { cancel (): void }
  log (kind: string, detail: string): void
}

/**
 * Engine-level faults, each now or at an absolute simulated time `atS`.
 * Activities using the failed resource fail with `ActivityFailedError`;
 * nothing else is disturbed.
 */
export class EngineFaults {
  constructor (private readonly engine: FaultEngine) {}

  private at (atS: number | undefined, what: string, fn: () => void): void {
    const now = this.engine.nowS()
    if (atS === undefined || atS === now) { fn(); return }
    if (!(atS > now) || !Number.isFinite(atS)) throw new EngineArgumentError(what, `a time >= now (${now})`, atS)
    this.engine.schedule(atS - now, fn)
  }

  /** The host stops: its activities fail, its guests are lost, its NIC goes silent. */
  crashHost (name: string, atS?: number): void {
    const h = this.engine.host(name)
    this.at(atS, 'crashHost', () => { this.engine.log('fault', `crashHost ${name}`); h.cutLink(); h.crash() })
  }

  /** A crashed host runs again (rebooted): no guests (they were lost), cold page cache, link up. */
  recoverHost (name: string, atS?: number): void {
    const h = this.engine.host(name)
    this.at(atS, 'recoverHost', () => { this.engine.log('fault', `recoverHost ${name}`); h.recover() })
  }

  /** The host's NIC goes down: transfers through it fail, new ones fail at start. */
  cutLink (hostName: string, atS?: number): void {
    const h = this.engine.host(hostName)
    this.at(atS, 'cutLink', () => { this.engine.log('fault', `cutLink ${hostName}`); h.cutLink() })
  }

  /** Restore a cut link. */
  restoreLink (hostName: string, atS?: number): void {
    const h = this.engine.host(hostName)
    this.at(atS, 'restoreLink', () => { this.engine.log('fault', `restoreLink ${hostName}`); h.restoreLink() })
  }

  /** Divide the bandwidth of a host's disk by `factor` (>= 1 slows; 1 restores). */
  slowDisk (hostName: string, factor: number, atS?: number, disk = 0): void {
    const h = this.engine.host(hostName)
    const d = h.disks[disk]
    if (d === undefined) throw new EngineArgumentError('slowDisk', `a disk index from 0 to ${h.disks.length - 1}`, disk)
    if (!(factor > 0) || !Number.isFinite(factor)) throw new EngineArgumentError('slowDisk', 'a finite factor > 0', factor)
    this.at(atS, 'slowDisk', () => { this.engine.log('fault', `slowDisk ${hostName}/${d.name} x${factor}`); d.slow(factor) })
  }
}
