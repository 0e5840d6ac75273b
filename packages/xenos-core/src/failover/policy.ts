/**
 * A service's restart policy: what the surviving hosts do with it when its
 * host is declared failed.
 *
 * - `never` (the default): nothing; the service is gone with its host.
 * - `restart`: a new domain from the service's template, on a survivor.
 * - `resume`: its latest checkpoint restored on a survivor; a checkpoint is
 *   taken every `checkpointIntervalS` and replicated to `replicas` hosts.
 *
 * `placement` is a host search query (`freeMemoryMiB>=512 tag=ssd`, the
 * syntax of `xenos.searchHosts`): only hosts that match it hold the
 * service's record and checkpoint, and so only they may take it over.
 */
import { InvalidArgumentError } from '../errors.js'
import { parseQuery } from '../search/query.js'

export const RESTART_MODES = ['never', 'restart', 'resume'] as const
export type RestartMode = typeof RESTART_MODES[number]

export interface RestartPolicy {
  mode: RestartMode
  /** Host search query a host must match to hold and take over the service; '' matches every host. */
  placement: string
  /** `resume`: seconds between two checkpoints. */
  checkpointIntervalS: number
  /** Hosts besides its own that hold the service's record (and, for `resume`, its latest checkpoint): k. */
  replicas: number
}

/** Longest placement query, as for searches. */
export const MAX_PLACEMENT_LENGTH = 4096
/** Largest `replicas`: more copies of a record and a checkpoint buy nothing a cluster of this kind can use. */
export const MAX_REPLICAS = 16
/** Shortest and longest checkpoint interval, in seconds. */
export const CHECKPOINT_INTERVAL_RANGE_S = { min: 1, max: 86_400 } as const

/** @default mode never, any host, a checkpoint every 60 s, 2 replicas */
export const DEFAULT_RESTART_POLICY: RestartPolicy = { mode: 'never', placement: '', checkpointIntervalS: 60, replicas: 2 }

/**
 * A complete policy from a partial one (a file, an API call, a record read
 * back), checked field by field; `field` prefixes the field names in errors
 * (`restart.replicas: expected an integer from 1 to 16, found 0`). The
 * placement must parse as a search query.
 */
export function restartPolicy (input: unknown, field = 'restart'): RestartPolicy {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidArgumentError(field, 'a restart policy {mode, placement, checkpointIntervalS, replicas}', input)
  }
  const known = new Set(Object.keys(DEFAULT_RESTART_POLICY))
  for (const k of Object.keys(input)) {
    if (!known.has(k)) throw new InvalidArgumentError(`${field}.${k}`, 'no such field (mode, placement, checkpointIntervalS, replicas)', k)
  }
  const p = { ...DEFAULT_RESTART_POLICY, ...input as Partial<RestartPolicy> }
  if (!(RESTART_MODES as readonly unknown[]).includes(p.mode)) throw new InvalidArgumentError(`${field}.mode`, '"never", "restart" or "resume"', p.mode)
  if (typeof p.placement !== 'string' || p.placement.length > MAX_PLACEMENT_LENGTH) {
    throw new InvalidArgumentError(`${field}.placement`, `a host search query of at most ${MAX_PLACEMENT_LENGTH} characters`, p.placement)
  }
  try {
    parseQuery(p.placement)
  } catch (err) {
    throw new InvalidArgumentError(`${field}.placement`, 'a host search query', `${p.placement} (${(err as Error).message.split('\n')[0]})`, { cause: err })
  }
  const { min, max } = CHECKPOINT_INTERVAL_RANGE_S
  const interval = p.checkpointIntervalS
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < min || interval > max) {
    throw new InvalidArgumentError(`${field}.checkpointIntervalS`, `a number of seconds from ${min} to ${max}`, p.checkpointIntervalS)
  }
  if (!Number.isInteger(p.replicas) || p.replicas < 1 || p.replicas > MAX_REPLICAS) {
    throw new InvalidArgumentError(`${field}.replicas`, `an integer from 1 to ${MAX_REPLICAS}`, p.replicas)
  }
  return { mode: p.mode, placement: p.placement.trim(), checkpointIntervalS: p.checkpointIntervalS, replicas: p.replicas }
}

/** True when survivors act on the service's behalf (`restart` or `resume`). */
export function isProtected (policy: RestartPolicy | undefined): policy is RestartPolicy {
  return policy !== undefined && policy.mode !== 'never'
}
