/**
 * One migration in progress: the phases of `live-migration.ts` as methods,
 * with everything it reserved on the target kept so `undo()` can give it
 * back. Times are read on the engine clock; bytes move as engine activities.
 */
import { MigrationFailedError, type MigrationReport, type StorageMigrationMode } from '@xenos/hypervisor-interface'
import type { Activity, Engine, SimVm } from '@xenos/sim-engine'
import type { Operation } from '../driver/control-plane.js'
import type { DomainRecord, HostState } from '../driver/host-state.js'
import { runActivities } from '../driver/run-activities.js'
import type { Reservation, StoredFile } from '../images/image-store.js'
import { nextPreCopyStep, type PreCopyLimits, type PreCopyProgress } from './pre-copy.js'

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

/** Bytes dirtied in `durationS` at `rateBps` by a domain that runs, at most `limitBytes`. */
function dirtied (rateBps: number, durationS: number, running: boolean, limitBytes: number): number {
  return running ? Math.min(limitBytes, rateBps * Math.max(0, durationS)) : 0
}

export interface MigrationSettings {
  live: boolean
  storage: StorageMigrationMode
  limits: PreCopyLimits
  /** Domain 0 CPU per byte sent, on both hosts. */
  dom0FlopsPerByte: number
}

interface ImageMove {
  path: string
  /** Bytes to send (a clone whose backing image is missing on the target is sent flattened). */
  bytes: number
  file: Omit<StoredFile, 'path' | 'allocatedBytes' | 'contentId'> & { contentId?: string }
  reservation: Reservation
}

export class MigrationRun {
  private readonly vm: SimVm
  private readonly wasRunning: boolean
  private readonly t0S: number
  private readonly inflight = new Set<Activity>()
  private abortReason: string | undefined
  private suspendedAtS: number | undefined
  private placeholder: SimVm | undefined
  private nameReserved = false
  private readonly moves: ImageMove[] = []
  private diskPendingBytes = 0
  private diskSentBytes = 0
  private memorySentBytes = 0
  private protocolBytes = 0
  private rounds = 0
  private converged = true

  constructor (
    private readonly engine: Engine,
    private readonly op: Operation,
    private readonly d: DomainRecord,
    private readonly src: HostState,
    private readonly dst: HostState,
    private readonly settings: MigrationSettings,
    /** The error to throw, naming the domain and the target as the caller named it. */
    readonly fail: (reason: string, cause?: unknown) => MigrationFailedError,
    private readonly placeholderName: string
  ) {
    this.vm = d.vm as SimVm
    this.wasRunning = d.state === 'running'
    this.t0S = engine.nowS()
  }

  private get name (): string { return this.d.spec.name }

  /** Stop at the next step: cancel what is in flight. First reason wins. */
  abort (reason: string): void {
    if (this.abortReason !== undefined) return
    this.abortReason = reason
    for (const a of [...this.inflight]) a.cancel()
  }

  get abortedBecause (): string | undefined { return this.abortReason }

  /** Phase 1 (zero time): the name, the memory and the images' space on the target. */
  reserve (): void {
    const { dst, d, name } = this
    if (dst.nameTaken(name)) throw this.fail(`a domain named ${name} already exists on ${dst.name}`)
    dst.incoming.add(name)
    this.nameReserved = true
    const freeMiB = dst.host.freeMemoryMiB()
    if (d.spec.memoryMiB > freeMiB) throw this.fail(`expected ${d.spec.memoryMiB} MiB of free memory on ${dst.name}, found ${freeMiB} MiB`)
    this.placeholder = dst.host.createVm({ name: this.placeholderName, vcpus: d.spec.vcpus, memoryMiB: d.spec.memoryMiB })
    for (const path of [...new Set(d.spec.disks.map(k => k.image))]) this.reserveImage(path)
  }

  private reserveImage (path: string): void {
    const { src, dst } = this
    const img = src.store.image(path)
    if (this.settings.storage === 'none') {
      if (!dst.store.has(path)) throw this.fail(`storage "none" needs image ${path} on ${dst.name}, found none`)
      return
    }
    if (dst.store.has(path)) throw this.fail(`expected no image at ${path} on ${dst.name}, found one`)
    const backing = img.backingImage
    const keepsBacking = backing !== undefined && dst.store.has(backing)
    const flatten = backing !== undefined && !keepsBacking
    const bytes = flatten ? Math.min(img.sizeBytes, img.allocatedBytes + src.store.image(backing).allocatedBytes) : img.allocatedBytes
    const file: ImageMove['file'] = keepsBacking
      ? { kind: 'image', sizeBytes: img.sizeBytes, format: img.format, backingImage: backing, contentId: img.contentId }
      : { kind: 'image', sizeBytes: img.sizeBytes, format: flatten ? 'raw' : img.format, ...(flatten ? {} : { contentId: img.contentId }) }
    let reservation: Reservation
    try {
      reservation = dst.store.reserve(path, bytes)
    } catch (err) {
      throw this.fail(`no room for image ${path} on ${dst.name}: ${(err as Error).message}`, err)
    }
    this.moves.push({ path, bytes, file, reservation })
  }

  /** The domain stops running here: the downtime starts. */
  private suspend (): void {
    if (this.suspendedAtS !== undefined) return
    this.suspendedAtS = this.engine.nowS()
    this.vm.suspend()
  }

  private get dirtying (): boolean { return this.wasRunning && this.suspendedAtS === undefined }

  /** Send `bytes` to the target; `imageBytes` of them are read on the source disk and written on the target's. */
  private async send (bytes: number, imageBytes: number): Promise<void> {
    const { engine, src, dst } = this
    const acts: Activity[] = [engine.comm({ from: src.host, to: dst.host, bytes, dom0FlopsPerByte: this.settings.dom0FlopsPerByte })]
    if (imageBytes > 0) acts.push(engine.io({ on: src.host, op: 'read', bytes: imageBytes }), engine.io({ on: dst.host, op: 'write', bytes: imageBytes }))
    this.checkAbort()
    await runActivities(this.op, acts, { inflight: this.inflight })
    this.checkAbort()
  }

  private checkAbort (): void {
    if (this.abortReason !== undefined) throw this.fail(this.abortReason)
  }

  /** Phase 2: the images, by the storage mode. */
  async moveStorage (): Promise<void> {
    const { storage, live } = this.settings
    if (!live || storage === 'stop-and-copy') this.suspend()
    const diskBytes = this.moves.reduce((n, m) => n + m.bytes, 0)
    if (diskBytes === 0) return
    const startS = this.engine.nowS()
    await this.send(diskBytes, diskBytes)
    this.diskSentBytes += diskBytes
    if (storage !== 'pre-copy') return
    // Blocks rewritten meanwhile are resent in rounds, by the rule memory uses (Bradford et al.).
    const progress: PreCopyProgress = {
      memoryBytes: diskBytes,
      roundsDone: 1,
      sentBytes: diskBytes,
      lastRoundBytes: diskBytes,
      lastRoundS: this.engine.nowS() - startS,
      dirtiedBytes: 0
    }
    for (;;) {
      progress.dirtiedBytes = dirtied(this.d.behaviour.diskDirtyRateBps, progress.lastRoundS, this.dirtying, diskBytes)
      const step = nextPreCopyStep(progress, this.settings.limits)
      if (step.kind === 'stop-and-copy') { this.diskPendingBytes = step.bytes; return }
      const roundStartS = this.engine.nowS()
      await this.send(step.bytes, step.bytes)
      this.diskSentBytes += step.bytes
      Object.assign(progress, {
        roundsDone: step.round, sentBytes: progress.sentBytes + step.bytes, lastRoundBytes: step.bytes, lastRoundS: this.engine.nowS() - roundStartS
      })
    }
  }

  /** Phase 3: memory pre-copy rounds, then the final round with the domain suspended. */
  async copyMemory (): Promise<void> {
    const memoryBytes = this.d.spec.memoryMiB * MiB
    const diskBytes = this.moves.reduce((n, m) => n + m.bytes, 0)
    // A domain already suspended (cold, or storage stop-and-copy) dirties nothing: one round.
    const cold = this.suspendedAtS !== undefined
    const limits = cold ? { ...this.settings.limits, maxRounds: 1 } : this.settings.limits
    const progress: PreCopyProgress = { memoryBytes, roundsDone: 0, sentBytes: 0, lastRoundBytes: 0, lastRoundS: 0, dirtiedBytes: 0 }
    const startS = this.engine.nowS()
    for (;;) {
      const cpuAtStartS = this.vm.usage.cpuTimeS
      const step = nextPreCopyStep(progress, limits)
      const final = step.kind === 'stop-and-copy'
      if (final) {
        if (this.settings.storage === 'pre-copy') {
          // Blocks rewritten while memory was copied join the final round.
          const rewritten = dirtied(this.d.behaviour.diskDirtyRateBps, this.engine.nowS() - startS, this.dirtying, diskBytes)
          this.diskPendingBytes = Math.min(diskBytes, this.diskPendingBytes + rewritten)
        }
        this.suspend()
      }
      const disk = final ? this.diskPendingBytes : 0
      const protocol = pageOverheadBytes(step.bytes) + (final ? FINAL_RECORD_BYTES : 0)
      if (this.engine.logging) {
        const round = `round=${step.round}${final ? ' final' : ''} memoryBytes=${Math.round(step.bytes)} diskBytes=${Math.round(disk)}`
        this.engine.log('migrate-round', `${this.src.name}/${this.name} to=${this.dst.name} ${round}`)
      }
      const roundStartS = this.engine.nowS()
      await this.send(step.bytes + protocol + disk, disk)
      this.protocolBytes += protocol
      this.diskSentBytes += disk
      this.memorySentBytes += step.bytes
      this.rounds = step.round
      progress.sentBytes += step.bytes
      if (step.kind === 'stop-and-copy') { this.converged = cold || step.converged; return }
      const roundS = this.engine.nowS() - roundStartS
      // Dirtied: the domain's constant rate, plus what its simulated work wrote (per CPU second used).
      const { dirtyRateBps, dirtyBytesPerCpuS } = this.d.behaviour
      const cpuS = this.vm.usage.cpuTimeS - cpuAtStartS
      const dirtiedBytes = this.dirtying ? Math.min(memoryBytes, dirtyRateBps * roundS + dirtyBytesPerCpuS * cpuS) : 0
      Object.assign(progress, { roundsDone: step.round, lastRoundBytes: step.bytes, lastRoundS: roundS, dirtiedBytes })
    }
  }

  /** Phase 4 (zero time): the domain runs on the target; its images live there. */
  switchOver (): MigrationReport {
    const { src, dst, d, vm, name } = this
    this.checkAbort()
    if (dst.host.failed) throw this.fail(`target host ${dst.name} crashed`)
    if (src.host.failed) throw this.fail(`source host ${src.name} crashed`)
    this.placeholder?.destroy()
    this.placeholder = undefined
    vm.moveTo(dst.host)
    if (this.wasRunning) vm.resume()
    const endS = this.engine.nowS()
    for (const m of this.moves) m.reservation.commit(m.file)
    for (const m of this.moves) {
      const othersUse = src.usersOf(m.path).some(u => u !== name) || src.store.clonesOf(m.path).length > 0
      if (!othersUse) src.store.delete(m.path)
    }
    src.domains.delete(name)
    d.domid = dst.allocateDomid()
    dst.domains.set(name, d)
    if (this.engine.logging) {
      const downtimeS = endS - (this.suspendedAtS ?? endS)
      this.engine.log('migrate-done', `${src.name}/${name} to=${dst.name} totalS=${(endS - this.t0S).toFixed(6)} downtimeS=${downtimeS.toFixed(6)}`)
    }
    return {
      domain: name,
      fromHost: src.name,
      toHost: dst.name,
      live: this.settings.live,
      storage: this.settings.storage,
      totalS: endS - this.t0S,
      downtimeS: endS - (this.suspendedAtS ?? endS),
      memoryBytes: this.memorySentBytes,
      diskBytes: this.diskSentBytes,
      bytesMoved: this.memorySentBytes + this.diskSentBytes + this.protocolBytes,
      rounds: this.rounds,
      converged: this.converged
    }
  }

  /** After a failure: cancel, release everything on the target, run the domain on the source again. */
  undo (reason: string): void {
    if (this.engine.logging) this.engine.log('migrate-failed', `${this.src.name}/${this.name} to=${this.dst.name} ${reason}`)
    for (const a of [...this.inflight]) a.cancel()
    for (const m of this.moves) m.reservation.abort()
    this.placeholder?.destroy()
    this.placeholder = undefined
    const { vm } = this
    if (this.suspendedAtS !== undefined && this.wasRunning && !vm.gone && vm.host === this.src.host) vm.resume()
  }

  /** Always, at the end: the name is no longer held on the target. */
  release (): void {
    if (this.nameReserved) this.dst.incoming.delete(this.name)
    this.nameReserved = false
  }
}
