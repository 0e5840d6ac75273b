/**
 * @packageDocumentation
 * @xenos/sim-driver: a simulated Xen cluster in the tradition of SimGrid.
 *
 * The engine is a discrete-event simulator: an `Engine`
 * instance with a virtual clock, a deterministic event queue, a seeded random
 * source, and resources (host CPU, Domain 0, memory bus and page cache,
 * disks, full-duplex NICs into one switch) shared by activities (exec, io,
 * comm, sleep) with a max-min fair flow model solved incrementally. The
 * driver layer implements `HypervisorDriver` for each simulated
 * host on top of it.
 *
 * @example
 * ```ts
 * import { Engine, loadPlatform } from '@xenos/sim-driver'
 *
 * const platform = await loadPlatform('packages/sim-driver/platforms/paper-2010.yaml')
 * const engine = new Engine({ seed: 42, platform })
 * const [a, b] = [engine.host('node01'), engine.host('node02')]
 * const vm = a.createVm({ name: 'web-1', vcpus: 1, memoryMiB: 384 })
 * const copy = engine.comm({ from: vm, to: b, bytes: 1e9 }).start()
 * const work = engine.exec({ on: vm, flops: 5e9 }).start()
 * await engine.run()
 * console.log(copy.finishedAtS, work.finishedAtS)
 * ```
 *
 * The driver layer: one `HypervisorDriver` per simulated host of a
 * `SimCluster` (live mode by default: simulated time runs by itself and each
 * driver call holds it while it does control-plane work):
 *
 * ```ts
 * import { SimCluster, loadPlatform } from '@xenos/sim-driver'
 *
 * const platform = await loadPlatform('packages/sim-driver/platforms/paper-2010.yaml')
 * const cluster = new SimCluster({ platform, seed: 1 })
 * const node1 = cluster.driver('node01')
 * await node1.createImage('images/web-1.img', 10e9)
 * await node1.createDomain({
 *   name: 'web-1', vcpus: 1, memoryMiB: 384,
 *   disks: [{ image: 'images/web-1.img', target: 'xvda' }],
 *   boot: { kind: 'pvh', kernel: '/boot/vmlinuz' },
 *   nics: [{ bridge: 'xenbr0' }]
 * })
 * await node1.startDomain('web-1')
 * const report = await node1.migrateDomain('web-1', { host: 'node02' }, { storage: 'pre-copy' })
 * console.log(report.totalS, report.downtimeS, report.rounds)
 * await cluster.close()
 * ```
 */

// ── the engine ──
export * from './engine/index.js'

// ── the driver layer ──
// A HypervisorDriver per simulated host (`SimCluster#driver`, `simDriver`),
// image stores, pre-copy live migration, fault knobs. See
// `driver/sim-cluster.ts` for the live/manual modes and
// `driver/control-plane.ts` for the clock-holding rule of live mode.
export { SimCluster, SimStalledError, simDriver, type SimClusterInit, type SimDriverInit } from './driver/sim-cluster.js'
export { SimHypervisorDriver, SIM_BACKEND } from './driver/sim-hypervisor-driver.js'
export type { Operation, ControlPlaneStat } from './driver/control-plane.js'
export { DEFAULT_GUEST_MODEL, type GuestModel } from './driver/guest-model.js'
export { CHECKPOINT_HEADER_BYTES } from './driver/checkpoint.js'
export { QCOW2_HEADER_BYTES } from './images/image-store.js'
export { nextPreCopyStep, planPreCopy, XEN_PRE_COPY_LIMITS, type PreCopyLimits, type PreCopyProgress, type PreCopyStep, type PreCopyPlan, type PlannedRound, type StopReason } from './migration/pre-copy.js'
export { PAGE_BYTES, PAGE_HEADER_BYTES, FINAL_RECORD_BYTES, pageOverheadBytes } from './migration/live-migration.js'
export { ClusterFaults } from './faults/cluster-faults.js'
export { FAULTABLE_OPERATIONS, type FaultableOperation, type FailNextOptions } from './faults/fail-next.js'

// ── shipped platform files ──
export { SHIPPED_PLATFORMS_DIR, PAPER_PLATFORM_FILE } from './platform/shipped.js'
export { simTransferModel } from './driver/transfer-model.js'
