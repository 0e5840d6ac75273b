/**
 * @packageDocumentation
 * @xenos/sim-engine: a discrete-event simulation engine in the tradition of SimGrid.
 *
 * An `Engine` is an instance (never a singleton) with a virtual clock, a
 * deterministic event queue, a seeded random source, and resources (host
 * CPU, Domain 0, memory bus and page cache, disks, full-duplex NICs into one
 * switch) shared by activities (exec, io, comm, sleep) with a max-min fair
 * flow model solved incrementally. A `ClockGate` holds simulated time while
 * real-time work runs (a simulated driver's calls, real coordinators on
 * simulated hosts) and times it. Platforms are YAML files with a source
 * for every number (`platforms/`). The engine knows no driver contract: its
 * errors are its own (`errors.ts`), and the simulated hypervisor driver
 * (`@xenos/sim-driver`) maps them to the contract's at its boundary.
 *
 * @example
 * ```ts
 * import { Engine, loadPlatform, PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
 *
 * const platform = await loadPlatform(PAPER_PLATFORM_FILE)
 * const engine = new Engine({ seed: 42, platform })
 * const [a, b] = [engine.host('node01'), engine.host('node02')]
 * const vm = a.createVm({ name: 'web-1', vcpus: 1, memoryMiB: 384 })
 * const copy = engine.comm({ from: vm, to: b, bytes: 1e9 }).start()
 * const work = engine.exec({ on: vm, flops: 5e9 }).start()
 * await engine.run()
 * console.log(copy.finishedAtS, work.finishedAtS)
 * ```
 */
export { Engine, type EngineInit, type TimerHandle, type EngineStats } from './engine/engine.js'
export { EventQueue, type QueuedEvent } from './engine/event-queue.js'
export { Random, InvalidRandomArgumentError } from './engine/random.js'
export { simClock, type SimClock } from './engine/sim-clock.js'
export { ClockGate, GatedWork, CallTimer, type CallStats, type ClockGateInit, type Holdable } from './engine/clock-gate.js'
export { EngineFaults } from './engine/faults.js'
export {
  SimEngineError, HostNotFoundError, EngineBusyError, EngineArgumentError, VmExistsError, InsufficientHostMemoryError, InsufficientDiskSpaceError,
  VmArgumentError, assertVmName
} from './engine/errors.js'
export { MaxMinSystem, Constraint, Variable, InvalidLmmArgumentError } from './resources/lmm/index.js'
export { ResourceModel, Flow } from './resources/resource-model.js'
export { SimHost, SimVm, type SimVmInit, type SimVmUsage } from './resources/sim-host.js'
export { SimDisk } from './resources/sim-disk.js'
export { PageCache } from './resources/page-cache.js'
export type { Activity, ActivityState, ActivityKind } from './activities/activity.js'
export { ActivityFailedError, ActivityCanceledError, ActivityStateError, ActivityArgumentError } from './activities/errors.js'
export type { ExecInit } from './activities/exec.js'
export type { IoInit } from './activities/io.js'
export type { CommInit } from './activities/comm.js'
export {
  loadPlatform, parsePlatform, definePlatform, nativePlatform, restrictCores, IMAGE_BACKENDS,
  type Platform, type PlatformInput, type HostDescription, type DiskDescription
} from './platform/platform.js'
export { PlatformError } from './platform/platform-error.js'
export { platformSchema } from './platform/schema.js'
export { SHIPPED_PLATFORMS_DIR, PAPER_PLATFORM_FILE } from './platform/shipped.js'
