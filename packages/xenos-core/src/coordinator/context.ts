/**
 * What the parts of a coordinator (life cycle, instances, replication,
 * migration, reattach, reconcile, failover) are given: each part declares
 * the narrow context it uses, built from the pieces here, and the
 * coordinator passes its own state, which has them all. Internal to the
 * coordinator folder.
 */
import type { HypervisorDriver } from '@xenos/hypervisor-interface'
import type { EventLog } from './event-log.js'
import type { PeerNetwork } from './ports.js'
import type { Registry } from './registry.js'

/** A per-key serializing lock: `fn` runs once every earlier call for `key` has settled. */
export type KeyedLock = <T>(key: string, fn: () => Promise<T>) => Promise<T>

/**
 * What every part that acts on services uses: the host's name and driver,
 * the registry, the event log (to emit), and the per-service lock.
 */
export interface ServiceContext {
  readonly hostname: string
  readonly driver: HypervisorDriver
  readonly registry: Registry
  readonly events: Pick<EventLog, 'emit'>
  /** Run `fn` with the lock of `key` held (a service id), so operations on one service never interleave. */
  readonly withLock: KeyedLock
}

/** The overlay's groups, for parts that add or remove members (nothing to do without an overlay). */
export interface GroupContext {
  readonly network: Pick<PeerNetwork, 'joinGroup' | 'leaveGroup'> | undefined
}

/** A per-key serializing lock. */
export function keyedLock (): KeyedLock {
  const tails = new Map<string, Promise<unknown>>()
  return async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const prev = tails.get(key) ?? Promise.resolve()
    // the previous holder's failure is its own caller's: the next one runs after it either way
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
