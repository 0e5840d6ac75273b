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
  DomainNotFoundError, InvalidSpecError, MigrationFailedError, transition,
  type MigrationOptions, type MigrationReport, type MigrationTarget, type StorageMigrationMode
} from '@xenos/hypervisor-interface'
import type { Activity, SimVm } from '../engine/index.js'
import type { HostState } from '../driver/host-state.js'
import { runActivities } from '../driver/run-activities.js'
import type { SimHypervisorDriver } from '../driver/sim-hypervisor-driver.js'
import type { Reservation, StoredFile } from '../images/image-store.js'
import { XEN_PRE_COPY_LIMITS, assertPreCopyLimits, nextPreCopyStep, type PreCopyLimits, type PreCopyProgress } from './pre-copy.js'

/** Xen sends each 4 KiB page with an 8-byte pfn record. */
export const PAGE_BYTES = 4096
export const PAGE_HEADER_BYTES = 8
/** The last round also carries the VCPU contexts, shared-info page and device state (an estimate). */
export const FINAL_RECORD_BYTES = 16 * 1024

const MiB = 1024 * 1024

/** Protocol bytes sent along with `bytes` of memory. */
export function pageOverheadBytes (bytes: number): number {
  return Math.ceil(bytes / PAGE_BYTES) * PAGE_HEADER_BYTES
}

interface ImageMove {
  path: string
  /** Bytes to send (a clone whose backing image is missing on the target is sent flattened). */
  bytes: number
  file: Omit<StoredFile, 'path' | 'allocatedBytes'>
  reservation?: Reservation
}

/** Validated options with defaults. */
function readOptions (o: MigrationOptions): { live: boolean, storage: StorageMigrationMode, limits: PreCopyLimits, timeoutS?: number } {
  if (typeof o !== 'object' || o === null) throw new InvalidSpecError('options', 'an object', o)
  if (o.live !== undefined && typeof o.live !== 'boolean') throw new InvalidSpecError('live', 'a boolean', o.live)
  const storage = o.storage ?? 'stop-and-copy'
  if (storage !== 'none' && storage !== 'stop-and-copy' && storage !== 'pre-copy') throw new InvalidSpecError('storage', '"none", "stop-and-copy" or "pre-copy"', storage)
  const limits: PreCopyLimits = {
    downtimeTargetS: o.downtimeTargetS ?? XEN_PRE_COPY_LIMITS.downtimeTargetS,
    maxRounds: o.maxRounds ?? XEN_PRE_COPY_LIMITS.maxRounds,
    maxSentFactor: o.maxSentFactor ?? XEN_PRE_COPY_LIMITS.maxSentFactor
  }
  try { assertPreCopyLimits(limits) } catch (err) {
    const field = (err as Error).message.split(':')[0] ?? 'options'
    throw new InvalidSpecError(field, 'a valid pre-copy limit', (limits as unknown as Record<string, unknown>)[field])
  }
  if (o.timeoutS !== undefined && !(typeof o.timeoutS === 'number' && o.timeoutS > 0 && Number.isFinite(o.timeoutS))) throw new InvalidSpecError('timeoutS', 'a finite number of seconds > 0', o.timeoutS)
  const r: { live: boolean, storage: StorageMigrationMode, limits: PreCopyLimits, timeoutS?: number } = { live: o.live ?? true, storage, limits }
  if (o.timeoutS !== undefined) r.timeoutS = o.timeoutS
  return r
}

export async function migrateDomain (driver: SimHypervisorDriver, name: string, target: MigrationTarget, options: MigrationOptions): Promise<MigrationReport> {
  const opts = readOptions(options)
  if (typeof target !== 'object' || target === null || typeof target.host !== 'string' || target.host.length === 0) throw new InvalidSpecError('target', 'a migration target { host }', target)
  return await driver.onDomain('migrate', name, async (op, d) => {
    transition(name, 'migrate', d.state)
    const src = driver.state
    const fail = (reason: string, cause?: unknown): MigrationFailedError =>
      new MigrationFailedError(name, target.host, reason, cause === undefined ? undefined : { cause })
    const dst = driver.cluster.resolve(target)
    if (dst === undefined) throw fail(`no simulated host answers at ${target.host}`)
    if (dst === src) throw fail(`the target is the source host ${src.name}`)
    if (dst.host.failed) throw fail(`target host ${dst.name} has crashed`)
    if (options.signal?.aborted === true) throw fail('aborted before it started', options.signal.reason)
    const vm = d.vm as SimVm
    const engine = driver.engine
    const t0S = engine.nowS()
    const inflight = new Set<Activity>()
    let abortReason: string | undefined
    const abort = (reason: string): void => {
      if (abortReason !== undefined) return
      abortReason = reason
      for (const a of [...inflight]) a.cancel()
    }
    const onAbort = (): void => { abort('aborted') }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    const timer = opts.timeoutS === undefined ? undefined : engine.schedule(opts.timeoutS, () => { abort(`timed out after ${opts.timeoutS ?? 0} s`) }, `migrate ${name} timeout`)
    const wasRunning = d.state === 'running'
    let placeholder: SimVm | undefined
    let reservedName = false
    const moves: ImageMove[] = []
    let suspendedAtS: number | undefined
    const suspend = (): void => {
      if (suspendedAtS !== undefined) return
      suspendedAtS = engine.nowS()
      vm.suspend()
    }
    const checkAbort = (): void => { if (abortReason !== undefined) throw fail(abortReason) }
    const send = async (bytes: number, images: number): Promise<void> => {
      const acts: Activity[] = [engine.comm({ from: src.host, to: dst.host, bytes })]
      if (images > 0) {
        acts.push(engine.io({ on: src.host, op: 'read', bytes: images }), engine.io({ on: dst.host, op: 'write', bytes: images }))
      }
      checkAbort()
      await runActivities(op, acts, { inflight })
      checkAbort()
    }
    try {
      if (dst.nameTaken(name)) throw fail(`a domain named ${name} already exists on ${dst.name}`)
      dst.incoming.add(name)
      reservedName = true
      const freeMiB = dst.host.freeMemoryMiB()
      if (d.spec.memoryMiB > freeMiB) throw fail(`expected ${d.spec.memoryMiB} MiB of free memory on ${dst.name}, found ${freeMiB} MiB`)
      placeholder = dst.host.createVm({ name: `incoming-${driver.cluster.ids.serial()}`, vcpus: d.spec.vcpus, memoryMiB: d.spec.memoryMiB })
      planImages(src, dst, d.spec.disks.map(k => k.image), opts.storage, moves, fail)
      const diskBytes = moves.reduce((n, m) => n + m.bytes, 0)
      let diskSent = 0
      let diskPending = 0
      if (!opts.live || opts.storage === 'stop-and-copy') suspend()
      if (diskBytes > 0) {
        await send(diskBytes, diskBytes)
        diskSent += diskBytes
        if (opts.storage === 'pre-copy') {
          // Dirty blocks, resent in rounds like memory (Bradford et al.).
          let last = { bytes: diskBytes, s: engine.nowS() - t0S }
          const progress: PreCopyProgress = { memoryBytes: diskBytes, roundsDone: 1, sentBytes: diskBytes, lastRoundBytes: last.bytes, lastRoundS: last.s, dirtiedBytes: 0 }
          for (;;) {
            progress.dirtiedBytes = dirtied(d.behaviour.diskDirtyRateBps, last.s, suspendedAtS === undefined && d.state === 'running', diskBytes)
            const step = nextPreCopyStep(progress, opts.limits)
            if (step.kind === 'stop-and-copy') { diskPending = step.bytes; break }
            const startS = engine.nowS()
            await send(step.bytes, step.bytes)
            diskSent += step.bytes
            last = { bytes: step.bytes, s: engine.nowS() - startS }
            Object.assign(progress, { roundsDone: step.round, sentBytes: progress.sentBytes + step.bytes, lastRoundBytes: step.bytes, lastRoundS: last.s })
          }
        }
      }
      // Memory pre-copy.
      const memoryBytes = d.spec.memoryMiB * MiB
      // A domain already suspended (cold, or storage stop-and-copy) dirties nothing: one round.
      const cold = suspendedAtS !== undefined
      const limits = cold ? { ...opts.limits, maxRounds: 1 } : opts.limits
      const progress: PreCopyProgress = { memoryBytes, roundsDone: 0, sentBytes: 0, lastRoundBytes: 0, lastRoundS: 0, dirtiedBytes: 0 }
      const memStartS = engine.nowS()
      let overhead = 0
      let converged = true
      let rounds = 0
      for (;;) {
        const step = nextPreCopyStep(progress, limits)
        const final = step.kind === 'stop-and-copy'
        if (final) {
          suspend()
          if (opts.storage === 'pre-copy') {
            // Blocks rewritten while memory was being copied join the final round.
            diskPending = Math.min(diskBytes, diskPending + dirtied(d.behaviour.diskDirtyRateBps, engine.nowS() - memStartS, wasRunning, diskBytes))
          }
        }
        const extra = final ? diskPending : 0
        const protocol = pageOverheadBytes(step.bytes) + (final ? FINAL_RECORD_BYTES : 0)
        const startS = engine.nowS()
        overhead += protocol
        await send(step.bytes + protocol + extra, extra)
        diskSent += extra
        rounds = step.round
        progress.sentBytes += step.bytes
        if (final) { converged = cold || step.converged; break }
        const roundS = engine.nowS() - startS
        Object.assign(progress, { roundsDone: step.round, lastRoundBytes: step.bytes, lastRoundS: roundS, dirtiedBytes: dirtied(d.behaviour.dirtyRateBps, roundS, d.state === 'running' && suspendedAtS === undefined, memoryBytes) })
      }
      // Switch-over.
      const planned = driver.cluster.faults.plan.take('migrate', src.name, () => fail('injected fault: the next migrate was planned to fail'))
      if (planned !== undefined) throw planned
      checkAbort()
      if (dst.host.failed) throw fail(`target host ${dst.name} crashed`)
      if (src.host.failed) throw fail(`source host ${src.name} crashed`)
      placeholder.destroy()
      placeholder = undefined
      vm.moveTo(dst.host)
      if (wasRunning) vm.resume()
      const endS = engine.nowS()
      for (const m of moves) m.reservation?.commit(m.file)
      if (opts.storage !== 'none') {
        for (const m of moves) {
          if (src.usersOf(m.path).filter(u => u !== name).length === 0 && src.store.clonesOf(m.path).length === 0) src.store.delete(m.path)
        }
      }
      src.domains.delete(name)
      d.domid = dst.allocateDomid()
      dst.domains.set(name, d)
      return {
        domain: name,
        fromHost: src.name,
        toHost: dst.name,
        live: opts.live,
        storage: opts.storage,
        totalS: endS - t0S,
        downtimeS: endS - (suspendedAtS ?? endS),
        memoryBytes: progress.sentBytes,
        diskBytes: diskSent,
        bytesMoved: progress.sentBytes + diskSent + overhead,
        rounds,
        converged
      }
    } catch (err) {
      for (const a of [...inflight]) a.cancel()
      for (const m of moves) m.reservation?.abort()
      placeholder?.destroy()
      if (suspendedAtS !== undefined && wasRunning && !vm.gone && vm.host === src.host) vm.resume()
      if (err instanceof MigrationFailedError) throw err
      if (err instanceof DomainNotFoundError) throw err
      throw fail(abortReason ?? (err as Error).message, err)
    } finally {
      if (reservedName) dst.incoming.delete(name)
      timer?.cancel()
      options.signal?.removeEventListener('abort', onAbort)
    }
  })
}

/** Bytes dirtied in `durationS` at `rateBps` by a domain that runs, bounded by `limitBytes`. */
function dirtied (rateBps: number, durationS: number, running: boolean, limitBytes: number): number {
  return running ? Math.min(limitBytes, rateBps * Math.max(0, durationS)) : 0
}

/** Decide what each image costs to move and reserve it on the target. */
function planImages (src: HostState, dst: HostState, paths: string[], storage: StorageMigrationMode, moves: ImageMove[], fail: (r: string) => Error): void {
  for (const path of [...new Set(paths)]) {
    const img = src.store.image(path)
    if (storage === 'none') {
      if (!dst.store.has(path)) throw fail(`storage "none" needs image ${path} on ${dst.name}, found none`)
      continue
    }
    if (dst.store.has(path)) throw fail(`expected no image at ${path} on ${dst.name}, found one`)
    const backing = img.backingImage
    const keepsBacking = backing !== undefined && dst.store.has(backing)
    const bytes = backing === undefined || keepsBacking ? img.allocatedBytes : img.allocatedBytes + src.store.image(backing).allocatedBytes
    const file: ImageMove['file'] = keepsBacking
      ? { kind: 'image', sizeBytes: img.sizeBytes, format: img.format, backingImage: backing }
      : { kind: 'image', sizeBytes: img.sizeBytes, format: backing === undefined ? img.format : 'raw' }
    const move: ImageMove = { path, bytes, file }
    moves.push(move)
    try {
      move.reservation = dst.store.reserve(path, bytes)
    } catch (err) {
      throw fail(`no room for image ${path} on ${dst.name}: ${(err as Error).message}`)
    }
  }
}
