import type { DomainSpec } from './domain-spec.js'

/**
 * The states of a domain. The life cycle is an explicit state machine:
 *
 * ```
 *   create ──▶ stopped ──start──▶ running ◀──unpause── paused
 *                 ▲                 │  └────pause──────▲
 *                 │                 │
 *                 └──shutdown/destroy/save (from running or paused)
 *   crashed: the guest died; destroy or start it again.
 * ```
 *
 * `stopped` means defined on this host but not running (no memory reserved).
 */
export type DomainState = 'stopped' | 'running' | 'paused' | 'crashed'

/** Resource use of a domain, as measured on the backend's clock. */
export interface DomainUsage {
  /** CPU time consumed by all the domain's VCPUs, in seconds. */
  cpuTimeS: number
  /** Memory currently reserved for the domain, in MiB (0 when stopped). */
  memoryMiB: number
  /** Bytes read from the domain's disks since it started. */
  diskReadBytes: number
  /** Bytes written to the domain's disks since it started. */
  diskWriteBytes: number
  /** Bytes received on its network interfaces since it started. */
  netRxBytes: number
  /** Bytes sent on its network interfaces since it started. */
  netTxBytes: number
}

/** A domain as the driver reports it. */
export interface DomainInfo {
  name: string
  /** Stable identity: survives pause, save/restore and migration. */
  uuid: string
  state: DomainState
  /** Backend's numeric id while running (Xen's domid), else undefined. */
  domid?: number
  /** The spec the domain was created from (MACs filled in). */
  spec: DomainSpec
  /** Clock time of the last start or restore, in seconds; undefined when stopped. */
  startedAtS?: number
  usage: DomainUsage
}

/**
 * A saveable handle to a domain, so a restarted coordinator can find it again
 * with `driver.reattach(handle)`. Plain JSON.
 */
export interface DomainHandle {
  /** Backend name, as in `driver.backend`. */
  backend: string
  /** Host the domain lives on. */
  hostname: string
  name: string
  uuid: string
}
