/**
 * The engine's API in one place, for the driver layer inside this package
 * (`../engine/index.js`). The package's public entry is `src/index.ts`.
 */
export { Engine, type EngineInit, type TimerHandle, type EngineStats } from './engine.js'
export { EventQueue, type QueuedEvent } from './event-queue.js'
export { Random, InvalidRandomArgumentError } from './random.js'
export { simClock } from './sim-clock.js'
export { EngineFaults } from './faults.js'
export { HostNotFoundError, EngineBusyError, EngineArgumentError } from './errors.js'
export { MaxMinSystem, Constraint, Variable, InvalidLmmArgumentError } from '../resources/lmm/index.js'
export { ResourceModel, Flow } from '../resources/resource-model.js'
export { SimHost } from '../resources/sim-host.js'
export { SimVm, type SimVmInit, type SimVmUsage } from '../resources/sim-vm.js'
export { SimDisk } from '../resources/sim-disk.js'
export { PageCache } from '../resources/page-cache.js'
export type { Activity, ActivityState, ActivityKind } from '../activities/activity.js'
export { ActivityFailedError, ActivityCanceledError, ActivityStateError, ActivityArgumentError } from '../activities/errors.js'
export type { ExecInit } from '../activities/exec.js'
export type { IoInit } from '../activities/io.js'
export type { CommInit } from '../activities/comm.js'
export { loadPlatform, parsePlatform, definePlatform, nativePlatform, restrictCores, type Platform, type PlatformInput, type HostDescription, type DiskDescription } from '../platform/platform.js'
export { PlatformError } from '../platform/platform-error.js'
export { platformSchema } from '../platform/schema.js'
