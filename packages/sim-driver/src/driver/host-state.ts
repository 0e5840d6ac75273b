/**
 * What a simulated host remembers between driver calls: its domains and its
 * image store. Owned by the cluster, not by a driver, so that a closed
 * driver's domains keep running and a new driver reattaches to them.
 */
import type { DomainInfo, DomainSpec, DomainState, DomainUsage } from '@xenos/hypervisor-interface'
import type { SimHost, SimVm } from '@xenos/sim-engine'
import { ImageStore } from '../images/image-store.js'
import type { GuestBehaviour } from './guest-model.js'
import { KeyedLock } from './control-plane.js'

/** One domain defined on a host. */
export interface DomainRecord {
  spec: DomainSpec
  uuid: string
  state: DomainState
  behaviour: GuestBehaviour
  /** The engine VM while the domain holds memory (running or paused). */
  vm?: SimVm
  domid?: number
  startedAtS?: number
  /** Usage frozen when the domain last stopped (its VM is gone). */
  lastUsage?: Omit<DomainUsage, 'memoryMiB'>
}

/**
 * A stopped domain's record, every field present from the start: fields added later (the VM, the
 * domain id, the start time) would each make the record grow out of its object, for every domain
 * of a cluster.
 */
export function domainRecord (spec: DomainSpec, uuid: string, behaviour: GuestBehaviour): DomainRecord {
  return { spec, uuid, state: 'stopped', behaviour, vm: undefined, domid: undefined, startedAtS: undefined, lastUsage: undefined }
}

const ZERO_USAGE: Omit<DomainUsage, 'memoryMiB'> = Object.freeze({ cpuTimeS: 0, diskReadBytes: 0, diskWriteBytes: 0, netRxBytes: 0, netTxBytes: 0 })

export class HostState {
  readonly domains = new Map<string, DomainRecord>()
  readonly store: ImageStore
  readonly locks = new KeyedLock()
  /** Names of domains migrating in (reserved until the switch-over or the failure). */
  readonly incoming = new Set<string>()
  private nextDomid = 1

  constructor (readonly host: SimHost, readonly addresses: string[]) {
    const disk = host.disks[0]
    if (disk === undefined) throw new RangeError(`host ${host.name}: expected at least one disk (the image store), found none`)
    this.store = new ImageStore(host.name, disk)
  }

  get name (): string { return this.host.name }

  /** True when `name` is defined here or migrating in. */
  nameTaken (name: string): boolean { return this.domains.has(name) || this.incoming.has(name) }

  /** A fresh Xen-style domain id (never reused on this host). */
  allocateDomid (): number { return this.nextDomid++ }

  /** Names of domains that are not stopped and use `path` as a disk. */
  usersOf (path: string): string[] {
    const users: string[] = []
    for (const d of this.domains.values()) {
      if (d.state !== 'stopped' && d.spec.disks.some(k => k.image === path)) users.push(d.spec.name)
    }
    return users
  }
}

export function usageOf (d: DomainRecord): DomainUsage {
  const u = d.vm?.usage ?? d.lastUsage ?? ZERO_USAGE
  return {
    cpuTimeS: u.cpuTimeS,
    memoryMiB: d.vm === undefined ? 0 : d.spec.memoryMiB,
    diskReadBytes: u.diskReadBytes,
    diskWriteBytes: u.diskWriteBytes,
    netRxBytes: u.netRxBytes,
    netTxBytes: u.netTxBytes
  }
}

/**
 * A deep copy of a domain spec, field by field (every leaf of a spec is a
 * string or a number): what `structuredClone` gives, at a fraction of its
 * cost, which counts when a cluster boots hundreds of thousands of domains.
 */
export function copySpec (spec: DomainSpec): DomainSpec {
  const copy: DomainSpec = {
    ...spec,
    disks: spec.disks.map(d => ({ ...d })),
    boot: { ...spec.boot },
    nics: spec.nics.map(n => ({ ...n }))
  }
  if (spec.annotations !== undefined) copy.annotations = { ...spec.annotations }
  return copy
}

/** The contract's view of a domain (copies, never live references). */
export function domainInfo (d: DomainRecord): DomainInfo {
  const info: DomainInfo = { name: d.spec.name, uuid: d.uuid, state: d.state, spec: copySpec(d.spec), usage: usageOf(d) }
  if (d.domid !== undefined) info.domid = d.domid
  if (d.startedAtS !== undefined) info.startedAtS = d.startedAtS
  return info
}

/** Release a domain's VM (memory) and freeze its usage. */
export function dropVm (d: DomainRecord): void {
  const vm = d.vm
  if (vm === undefined) return
  const u = vm.usage
  d.lastUsage = { cpuTimeS: u.cpuTimeS, diskReadBytes: u.diskReadBytes, diskWriteBytes: u.diskWriteBytes, netRxBytes: u.netRxBytes, netTxBytes: u.netTxBytes }
  d.vm = undefined
  if (!vm.host.failed) vm.destroy()
  d.domid = undefined
}

/** The domain no longer runs: memory released, state stopped. */
export function stopDomain (d: DomainRecord): DomainInfo {
  dropVm(d)
  d.state = 'stopped'
  d.startedAtS = undefined
  return domainInfo(d)
}
