/**
 * What a simulated guest costs: the work of booting, shutting down and
 * dirtying memory, and how a domain spec's annotations change it.
 *
 * The defaults are assumptions of order of magnitude, not measurements: a
 * small Linux guest of the paper's era (2.6.24 kernel, Ubuntu userland)
 * reads some tens of MiB from its disk and runs a few seconds of CPU to
 * boot, and dirties memory slowly when idle. Every number can be changed
 * per cluster (`SimClusterInit.guest`) and the dirty rates per domain
 * (annotations below).
 *
 * Annotations read from `DomainSpec.annotations` (strings, as the contract says):
 * - `sim.dirtyRateBps`: memory the running guest dirties, bytes per second;
 * - `sim.dirtyBytesPerCpuS`: memory it dirties per second of CPU its
 *   simulated work uses (SimGrid's VM model ties dirtying to computation
 *   the same way), added to the rate above; default 0;
 * - `sim.diskDirtyRateBps`: disk blocks the running guest rewrites, bytes per second;
 * - `sim.ignoreShutdown`: `"true"` makes the guest ignore a graceful shutdown
 *   request (as a hung guest does), so `shutdownDomain` times out.
 */
import { InvalidSpecError, type DomainSpec } from '@xenos/hypervisor-interface'

export interface GuestModel {
  /** Bytes of kernel and ramdisk Domain 0 reads for a PV/PVH boot. @default 8 MiB */
  bootKernelBytes: number
  /** Bytes a booting guest reads from its first disk. @default 32 MiB */
  bootReadBytes: number
  /** CPU work of booting (kernel, init, services), in flops. @default 5e9 (about 2 s of one 2.5 GHz core) */
  bootFlops: number
  /** CPU work of a clean shutdown, in flops. @default 1e9 */
  shutdownFlops: number
  /** Bytes a guest writes while shutting down (sync, logs). @default 8 MiB */
  shutdownWriteBytes: number
  /** Memory dirty rate of a domain without `sim.dirtyRateBps`, in bytes per second. @default 1 MiB/s */
  idleDirtyRateBps: number
  /** Disk dirty rate of a domain without `sim.diskDirtyRateBps`, in bytes per second. @default 64 KiB/s */
  idleDiskDirtyRateBps: number
}

export const DEFAULT_GUEST_MODEL: Readonly<GuestModel> = Object.freeze({
  bootKernelBytes: 8 * 1024 * 1024,
  bootReadBytes: 32 * 1024 * 1024,
  bootFlops: 5e9,
  shutdownFlops: 1e9,
  shutdownWriteBytes: 8 * 1024 * 1024,
  idleDirtyRateBps: 1024 * 1024,
  idleDiskDirtyRateBps: 64 * 1024
})

/** A guest model with `overrides` applied; `RangeError` naming a bad field. */
export function guestModel (overrides: Partial<GuestModel> = {}): GuestModel {
  const m: GuestModel = { ...DEFAULT_GUEST_MODEL, ...overrides }
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`guest.${k}: expected a finite number >= 0, found ${String(v)}`)
  }
  return m
}

/** What the annotations of one domain say. */
export interface GuestBehaviour {
  dirtyRateBps: number
  dirtyBytesPerCpuS: number
  diskDirtyRateBps: number
  ignoreShutdown: boolean
}

function rate (spec: DomainSpec, key: string, fallback: number): number {
  const raw = spec.annotations?.[key]
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidSpecError(`annotations.${key}`, 'a number >= 0, as a string', raw)
  return n
}

/** Reads and validates the `sim.*` annotations of `spec`; `InvalidSpecError` on a bad value. */
export function guestBehaviour (spec: DomainSpec, model: GuestModel): GuestBehaviour {
  const ignore = spec.annotations?.['sim.ignoreShutdown']
  if (ignore !== undefined && ignore !== 'true' && ignore !== 'false') throw new InvalidSpecError('annotations.sim.ignoreShutdown', '"true" or "false"', ignore)
  return {
    dirtyRateBps: rate(spec, 'sim.dirtyRateBps', model.idleDirtyRateBps),
    dirtyBytesPerCpuS: rate(spec, 'sim.dirtyBytesPerCpuS', 0),
    diskDirtyRateBps: rate(spec, 'sim.diskDirtyRateBps', model.idleDiskDirtyRateBps),
    ignoreShutdown: ignore === 'true'
  }
}
