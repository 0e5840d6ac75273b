/**
 * @packageDocumentation
 *
 * The hypervisor driver contract of Xenos. A driver controls one host's
 * hypervisor: host facts, the domain life cycle, checkpoints, image storage,
 * migration, capabilities and reattachment, all timed by the backend's
 * `Clock`; and how its images travel between hosts (`ImageTransferPort`,
 * under xenos-core's transfer algorithm). A driver package registers with
 * the coordinator as a `DriverPlugin`: its host file options and what image
 * store it uses. Implementations: `@xenos/xen-driver` (real Xen through `xl`) and
 * `@xenos/sim-driver` (a simulated Xen cluster). Both pass
 * `@xenos/hypervisor-compliance`.
 *
 * @example
 * ```ts
 * import { validateDomainSpec, DomainNotFoundError, type HypervisorDriver } from '@xenos/hypervisor-interface'
 *
 * async function bootOne (driver: HypervisorDriver): Promise<void> {
 *   const spec = validateDomainSpec({
 *     name: 'web-1', vcpus: 1, memoryMiB: 384,
 *     disks: [{ image: 'images/web-1.img', target: 'xvda' }],
 *     boot: { kind: 'pvh', kernel: '/boot/vmlinuz' },
 *     nics: [{ bridge: 'xenbr0' }]
 *   })
 *   await driver.createDomain(spec)
 *   await driver.startDomain('web-1')
 *   try { await driver.inspectDomain('nope') } catch (err) {
 *     if ((err as Error).name === DomainNotFoundError.name) console.log('as expected')
 *   }
 * }
 * ```
 */
export type { Clock, ManualClock } from './clock.js'
export { realClock, manualClock } from './clock.js'
export { waitFor, WaitTimeoutError, type WaitForOptions } from './wait-for.js'
export type { HostFacts } from './host-facts.js'
export type { DomainSpec, DiskSpec, DiskFormat, BootSpec, NicSpec } from './domain-spec.js'
export type { DomainState, DomainInfo, DomainUsage, DomainHandle } from './domain.js'
export type { ImageInfo, CloneMode } from './image.js'
export type { MigrationTarget, MigrationOptions, MigrationReport, StorageMigrationMode } from './migration.js'
export type { DriverCapabilities } from './capabilities.js'
export type { HypervisorDriver, DriverFactory } from './driver.js'
export type { DriverPlugin, DriverOptionsContext, DriverHostContext, DriverImageStore, PluginDriver } from './driver-plugin.js'
export { CHUNK_SIZE_BYTES } from './image-transfer.js'
export { bitmapHas, bitmapSet, bitmapClear } from './chunk-bitmap.js'
export type {
  ImageManifest, ChunkStore, ChunkImageStore, ChunkRequest, ChunkStatus, ChunkResponse, ChunkHandler, ChunkChannel, ChunkTransport,
  SwarmView, Swarm, ImageTransferPort
} from './image-transfer.js'
export * from './errors.js'
export { validateDomainSpec, isValidDomainName, assertDomainName, assertImagePath, assertSizeBytes } from './validate.js'
export { LIFECYCLE, transition, type LifecycleOperation } from './lifecycle.js'
