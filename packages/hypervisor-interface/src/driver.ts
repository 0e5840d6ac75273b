import type { Clock } from './clock.js'
import type { HostFacts } from './host-facts.js'
import type { DomainSpec } from './domain-spec.js'
import type { DomainHandle, DomainInfo } from './domain.js'
import type { CloneMode, ImageInfo } from './image.js'
import type { MigrationOptions, MigrationReport, MigrationTarget } from './migration.js'
import type { DriverCapabilities } from './capabilities.js'

/**
 * The hypervisor driver for one host: the only way Xenos touches a
 * hypervisor. `xen-driver` implements it with `xl`; `sim-driver` with a
 * simulated Xen host. Both pass `@xenos/hypervisor-compliance`.
 *
 * Rules every implementation keeps:
 * - Every input is validated; bad input throws `InvalidSpecError`.
 * - Failures throw the typed errors of `errors.ts`, never bare strings.
 * - `shutdownDomain`, `destroyDomain` and `removeDomain` are idempotent on a
 *   domain already in the wanted state; `pauseDomain` on a paused domain and
 *   `unpauseDomain` on a running one are no-ops.
 * - An operation that fails leaves nothing behind (no half-created domain,
 *   no partial image).
 * - Durations are measured with `clock`.
 */
export interface HypervisorDriver {
  /** Backend name, for example `xen` or `sim`. */
  readonly backend: string
  /** Host name this driver controls (unique within the backend). */
  readonly hostname: string
  /** The backend's clock: real time for hardware, simulated time for the simulator. */
  readonly clock: Clock
  /** Which time `clock` keeps: `wall` (real hardware) or `simulated` (a simulator). */
  readonly clockKind: 'wall' | 'simulated'

  capabilities(): DriverCapabilities
  hostFacts(): Promise<HostFacts>

  // --- domain life cycle ---
  /**
   * Define a domain from `spec`; it starts `stopped`. Its disk images must
   * exist. Fails with `DomainExistsError`, `ImageNotFoundError`, or
   * `InsufficientMemoryError` when the host could never run it.
   */
  createDomain(spec: DomainSpec): Promise<DomainInfo>
  /** stopped or crashed → running. Reserves the domain's memory. */
  startDomain(name: string): Promise<DomainInfo>
  /** running → paused (no-op when paused). */
  pauseDomain(name: string): Promise<DomainInfo>
  /** paused → running (no-op when running). */
  unpauseDomain(name: string): Promise<DomainInfo>
  /**
   * Ask the guest to power off and wait up to `timeoutS` (default 60).
   * On timeout throws `OperationTimeoutError` and the domain keeps running,
   * unless `force` is set, in which case it is destroyed. No-op when stopped.
   */
  shutdownDomain(name: string, options?: { timeoutS?: number, force?: boolean }): Promise<DomainInfo>
  /** Forced stop (pull the plug). No-op when stopped. */
  destroyDomain(name: string): Promise<DomainInfo>
  /**
   * Forget a stopped domain. Its images are kept unless `deleteImages`.
   * No-op when no such domain exists.
   */
  removeDomain(name: string, options?: { deleteImages?: boolean }): Promise<void>
  listDomains(): Promise<DomainInfo[]>
  /** State and resource use of one domain; `DomainNotFoundError` if absent. */
  inspectDomain(name: string): Promise<DomainInfo>

  // --- checkpoint ---
  /**
   * Save a running or paused domain's memory to `checkpointPath`. The domain
   * is stopped afterwards unless `leaveRunning`.
   */
  saveDomain(name: string, checkpointPath: string, options?: { leaveRunning?: boolean }): Promise<DomainInfo>
  /** Restore a saved domain; it keeps its name and uuid and runs again. */
  restoreDomain(checkpointPath: string): Promise<DomainInfo>

  // --- storage ---
  /** A new, empty image of `sizeBytes`. `ImageExistsError`, `InsufficientDiskError`. */
  createImage(path: string, sizeBytes: number, options?: { format?: 'raw' | 'qcow2' }): Promise<ImageInfo>
  imageInfo(path: string): Promise<ImageInfo>
  /** Images under `dir` (all images when omitted). */
  listImages(dir?: string): Promise<ImageInfo[]>
  /** A full local copy of `source` at `destination`. */
  copyImage(source: string, destination: string): Promise<ImageInfo>
  /** A new image from a template: copy-on-write where the backend can (`mode: 'cow'`), else a copy. */
  cloneImage(template: string, destination: string, options?: { mode?: CloneMode }): Promise<ImageInfo>
  /** Delete an image; `ImageInUseError` while a domain that is not stopped uses it. No-op when absent. */
  deleteImage(path: string): Promise<void>

  // --- migration ---
  /**
   * Move a running domain, and (per `options.storage`) its images, to
   * `target`. On success the domain runs on the target under the same name
   * and uuid and this host no longer lists it. On failure it throws
   * `MigrationFailedError` and the domain is still running here, with no
   * partial copy left on the target.
   */
  migrateDomain(name: string, target: MigrationTarget, options?: MigrationOptions): Promise<MigrationReport>

  // --- reattach ---
  /** A JSON handle to keep, to find the domain again after a restart. */
  handle(name: string): Promise<DomainHandle>
  /** Find a domain again from a kept handle; `DomainNotFoundError` when gone. */
  reattach(handle: DomainHandle): Promise<DomainInfo>

  /** Release the driver's resources; the domains keep running. */
  close(): Promise<void>
}

/**
 * Factory shape for drivers, following the house style `driver(init)(components)`.
 * `init` holds user options; `components` what the driver uses from its host process.
 */
export type DriverFactory<Init, Components = Record<string, never>> = (init: Init) => (components: Components) => Promise<HypervisorDriver>
