/**
 * Migration of a domain to another host of the same backend.
 */

/** Where a migration goes: another host of the same backend. */
export interface MigrationTarget {
  /** Host name or address of the receiving host, as that backend resolves it. */
  host: string
  /** Port of the receiving side, where the backend needs one. */
  port?: number
}

/**
 * How disk images travel with the domain.
 * - `none`: the images are already on shared storage or on the target.
 * - `stop-and-copy`: the images are copied before the switch-over (the paper's method).
 * - `pre-copy`: the images are copied while the domain runs, dirty blocks resent (Bradford et al., VEE 2007).
 */
export type StorageMigrationMode = 'none' | 'stop-and-copy' | 'pre-copy'

export interface MigrationOptions {
  /** Live (memory pre-copy while running) or cold (pause, copy, resume). @default true */
  live?: boolean
  /** How the domain's disk images move. @default 'stop-and-copy' */
  storage?: StorageMigrationMode
  /** Stop iterating when the remaining dirty memory can be sent within this time, in seconds. @default 0.3 (Xen) */
  downtimeTargetS?: number
  /** Most pre-copy rounds before stop-and-copy. @default 30 (Xen's limit) */
  maxRounds?: number
  /** Stop iterating once this many times the domain's memory has been sent. @default 3 (Xen's limit) */
  maxSentFactor?: number
  /** Give up after this many seconds of the driver's clock. */
  timeoutS?: number
  /** Aborts the migration; the domain stays on the source. */
  signal?: AbortSignal
}

/** What a finished migration measured, on the driver's clock. */
export interface MigrationReport {
  domain: string
  fromHost: string
  toHost: string
  live: boolean
  storage: StorageMigrationMode
  /** From the call to the domain running on the target, in seconds. */
  totalS: number
  /** Time the domain did not run (paused for the final copy), in seconds. */
  downtimeS: number
  /** Memory bytes sent, all rounds included. */
  memoryBytes: number
  /** Disk image bytes sent. */
  diskBytes: number
  /** memoryBytes + diskBytes + protocol overhead. */
  bytesMoved: number
  /** Pre-copy rounds, the final stop-and-copy included; 1 for a cold migration. */
  rounds: number
  /** True when iteration ended because the remainder fit the downtime target, false when a limit stopped it. */
  converged: boolean
}
