/**
 * Migration of a domain between two simulated hosts: memory by pre-copy
 * (`pre-copy.ts` decides the rounds), disk images by stop-and-copy or
 * pre-copy with dirty-block resending, every byte moved as engine activities
 * so bandwidth comes from the network and disk models and their contention.
 *
 * Phases, all timed on the engine clock:
 * 1. Checks and reservations (zero time): the target answers, has the
 *    name free, the memory (reserved at once by an incoming placeholder VM,
 *    as Xen's receiver does) and the disk space (images reserved in its
 *    store, invisible until committed).
 * 2. Storage, by `options.storage`:
 *    - `stop-and-copy` (the paper's method, Section V.B: "the master is
 *      paused while its files are moved and its state migrated"): the
 *      domain is suspended, then each image is read on the source disk,
 *      sent over the network and written on the target disk (three
 *      concurrent activities: a pipelined stream);
 *    - `pre-copy` (Bradford et al., VEE 2007): the images are copied while
 *      the domain runs; blocks it rewrites meanwhile (`sim.diskDirtyRateBps`)
 *      are resent in rounds decided by the same rule as memory; what is
 *      still dirty at the end goes with the final memory round;
 *    - `none`: the images must already be on the target (same paths).
 * 3. Memory: live, rounds of `nextPreCopyStep` while the domain runs
 *    (dirtying `sim.dirtyRateBps` when not suspended), then the final round
 *    suspended; cold (`live: false`): suspended from the start, one round.
 *    Each page carries `PAGE_HEADER_BYTES` of protocol (Xen's pfn record).
 *    Every transfer costs Domain 0 CPU on both hosts
 *    (`SimClusterInit.migrationDom0FlopsPerByte`), so a busy host migrates slower.
 * 4. Switch-over (zero time): the VM moves to the target, resumes there
 *    unless it was paused before, the images are committed on the target
 *    and deleted on the source, and the domain record moves.
 * Downtime is from the suspension to the switch-over.
 *
 * Any failure (target crash, link cut, no memory or disk, abort, timeout,
 * a planned `failNext('migrate')`) undoes everything: activities canceled,
 * target reservations released, placeholder destroyed, the domain resumed
 * on the source if it was running. It throws `MigrationFailedError`.
 */
import {
  InvalidSpecError, MigrationFailedError, transition,
  type MigrationOptions, type MigrationReport, type MigrationTarget, type StorageMigrationMode
} from '@xenos/hypervisor-interface'
import type { HostCalls } from '../driver/host-calls.js'
import type { HostState } from '../driver/host-state.js'
import { MigrationRun, type MigrationSettings } from './migration-run.js'
import { XEN_PRE_COPY_LIMITS, assertPreCopyLimits, type PreCopyLimits } from './pre-copy.js'

export { PAGE_BYTES, PAGE_HEADER_BYTES, FINAL_RECORD_BYTES, pageOverheadBytes } from './migration-run.js'

/** What a migration needs from the cluster of its source host (a `SimCluster` is one). */
export interface MigrationCluster {
  /** Domain 0 CPU per byte of a migration's transfers, on both hosts. */
  readonly migrationDom0FlopsPerByte: number
  /** The host a target names (host name or address), if any. */
  resolve (target: MigrationTarget): HostState | undefined
  /** Fresh serial numbers (names of incoming placeholders). */
  readonly ids: { serial (): number }
}

/** A migration's view of its source host and cluster. */
export interface MigrationContext {
  /** The source host's driver calls. */
  calls: HostCalls
  cluster: MigrationCluster
}

/** Validated options with defaults. */
function readOptions (o: MigrationOptions, dom0FlopsPerByte: number): MigrationSettings & { timeoutS?: number } {
  if (typeof o !== 'object' || o === null) throw new InvalidSpecError('options', 'an object', o)
  if (o.live !== undefined && typeof o.live !== 'boolean') throw new InvalidSpecError('live', 'a boolean', o.live)
  const storage: StorageMigrationMode = o.storage ?? 'stop-and-copy'
  if (storage !== 'none' && storage !== 'stop-and-copy' && storage !== 'pre-copy') {
    throw new InvalidSpecError('storage', '"none", "stop-and-copy" or "pre-copy"', storage)
  }
  const limits: PreCopyLimits = {
    downtimeTargetS: o.downtimeTargetS ?? XEN_PRE_COPY_LIMITS.downtimeTargetS,
    maxRounds: o.maxRounds ?? XEN_PRE_COPY_LIMITS.maxRounds,
    maxSentFactor: o.maxSentFactor ?? XEN_PRE_COPY_LIMITS.maxSentFactor
  }
  try { assertPreCopyLimits(limits) } catch (err) {
    const field = ((err as Error).message.split(':')[0] ?? 'options') as keyof PreCopyLimits
    throw new InvalidSpecError(field, 'a valid pre-copy limit', limits[field], { cause: err })
  }
  if (o.timeoutS !== undefined && !(typeof o.timeoutS === 'number' && o.timeoutS > 0 && Number.isFinite(o.timeoutS))) {
    throw new InvalidSpecError('timeoutS', 'a finite number of seconds > 0', o.timeoutS)
  }
  const r: MigrationSettings & { timeoutS?: number } = { live: o.live ?? true, storage, limits, dom0FlopsPerByte }
  if (o.timeoutS !== undefined) r.timeoutS = o.timeoutS
  return r
}

export async function migrateDomain (ctx: MigrationContext, name: string, target: MigrationTarget, options: MigrationOptions): Promise<MigrationReport> {
  const { calls, cluster } = ctx
  const settings = readOptions(options, cluster.migrationDom0FlopsPerByte)
  if (typeof target !== 'object' || target === null || typeof target.host !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9.:_-]{0,252}$/.test(target.host)) {
    throw new InvalidSpecError('target.host', 'a host name or address', (target as { host?: unknown } | null)?.host)
  }
  if (target.port !== undefined && (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535)) {
    throw new InvalidSpecError('target.port', 'a port from 1 to 65535', target.port)
  }
  return await calls.onDomain('migrate', name, async (op, d) => {
    transition(name, 'migrate', d.state)
    const fail = (reason: string, cause?: unknown): MigrationFailedError =>
      new MigrationFailedError(name, target.host, reason, cause === undefined ? undefined : { cause })
    const src = calls.state
    const dst = cluster.resolve(target)
    if (dst === undefined) throw fail(`no simulated host answers at ${target.host}`)
    if (dst === src) throw fail(`the target is the source host ${src.name}`)
    if (dst.host.failed) throw fail(`target host ${dst.name} has crashed`)
    if (options.signal?.aborted === true) throw fail('aborted before it started', options.signal.reason)
    const engine = calls.engine
    const run = new MigrationRun(engine, op, d, src, dst, settings, fail, `incoming-${cluster.ids.serial()}`)
    const onAbort = (): void => { run.abort('aborted') }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    const timeoutS = settings.timeoutS
    const timer = timeoutS === undefined
      ? undefined
      : engine.schedule(timeoutS, () => { run.abort(`timed out after ${timeoutS} s`) }, `migrate ${name} timeout`)
    try {
      run.reserve()
      await run.moveStorage()
      await run.copyMemory()
      const planned = calls.plannedFailure('migrate', () => fail('injected fault: the next migrate was planned to fail'))
      if (planned !== undefined) throw planned
      return run.switchOver()
    } catch (err) {
      run.undo(run.abortedBecause ?? (err as Error).message)
      if (err instanceof MigrationFailedError) throw err
      throw fail(run.abortedBecause ?? (err as Error).message, err)
    } finally {
      run.release()
      timer?.cancel()
      options.signal?.removeEventListener('abort', onAbort)
    }
  })
}
