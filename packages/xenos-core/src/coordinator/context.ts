/**
 * What the parts of a coordinator (life cycle, instances, replication,
 * migration, reattach) share. Internal to the coordinator folder.
 */
import type { HypervisorDriver } from '@xenos/hypervisor-interface'
import type { EventLog } from './event-log.js'
import type { IdSource, ImageFetcher, PeerNetwork, ReplicationMethod } from './ports.js'
import type { Registry } from './registry.js'
import type { Reservation } from './records.js'

export interface CoordinatorContext {
  readonly hostname: string
  readonly driver: HypervisorDriver
  readonly registry: Registry
  readonly events: EventLog
  readonly network: PeerNetwork | undefined
  readonly ids: IdSource
  readonly fetcher: ImageFetcher | undefined
  readonly now: () => Date
  readonly options: {
    cloneMode: 'cow' | 'copy' | 'auto'
    replicationMethod: ReplicationMethod
    searchDeadlineMs: number
    /** Reservations of a prepared incoming migration expire after this many ms. */
    reservationTtlMs: number
    /** An incoming migration whose commit has not come this long after prepare is adopted by reconcile, in ms. */
    adoptAfterMs: number
    /** How often the source of a migration asks its target whether it still expects it, in ms. */
    migrationWatchMs: number
  }
  /** Run `fn` with the service's lock held, so operations on one service never interleave. */
  withLock: <T>(key: string, fn: () => Promise<T>) => Promise<T>
  /** Memory and disk promised to incoming migrations not yet committed (persisted with the registry). */
  reservations: Map<string, Reservation>
  /** Ids of the migrations this host is sending now (in memory: a restart ends them). */
  outgoing: Set<string>
  /** Write the coordinator's state now (after changing `reservations`). */
  persist: () => Promise<void>
}

/** A per-key serializing lock. */
export function keyedLock (): <T>(key: string, fn: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<unknown>>()
  return async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const prev = tails.get(key) ?? Promise.resolve()
    const run = prev.catch(() => undefined).then(fn)
    tails.set(key, run)
    try {
      return await run
    } finally {
      if (tails.get(key) === run) tails.delete(key)
    }
  }
}

/** Image-store paths used by the coordinator. */
export const paths = {
  templateImage: (template: string, target: string) => `templates/${template}/${target}.img`,
  serviceImage: (serviceId: string, target: string) => `services/${serviceId}/${target}.img`,
  checkpoint: (serviceId: string, n: number) => `checkpoints/${serviceId}/${n}.ckpt`,
  staging: (template: string, target: string) => `staging/${template}/${target}.img`
}

/**
 * Run cleanup steps after `cause`; a step that fails does not stop the
 * others, and its message is appended to `cause` (never swallowed).
 */
export async function undo (cause: unknown, steps: Array<() => Promise<void>>, label: string): Promise<void> {
  const problems: string[] = []
  for (const step of steps) {
    try { await step() } catch (err) { problems.push((err as Error).message) }
  }
  if (problems.length > 0 && cause instanceof Error) cause.message += ` (${label} while cleaning up also failed: ${problems.join('; ')})`
}
