/**
 * @packageDocumentation
 * @xenos/sim-driver: the simulated hypervisor driver, on the simulation
 * engine (`@xenos/sim-engine`).
 *
 * One `HypervisorDriver` per simulated host of a `SimCluster` (live mode by
 * default: simulated time runs by itself and each driver call holds it while
 * it does control-plane work): domains are engine guests, images live in a
 * per-host store on the host's disk, checkpoints, copies and migrations are
 * engine activities; `cluster.imagePort(host)` moves images between hosts
 * (chunks as flows of the simulated network) under xenos-core's transfer
 * algorithm. The engine's errors become the contract's at this
 * package's boundary (`driver/engine-errors.ts`). `simDriverPlugin` is the
 * driver as the coordinator registers it (`driver: { kind: sim }`).
 *
 * @example
 * ```ts
 * import { loadPlatform, PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
 * import { SimCluster } from '@xenos/sim-driver'
 *
 * const platform = await loadPlatform(PAPER_PLATFORM_FILE)
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

// A HypervisorDriver per simulated host (`SimCluster#driver`, `simDriver`),
// image stores, pre-copy live migration, fault knobs. See
// `driver/sim-cluster.ts` for the live/manual modes and
// `driver/control-plane.ts` for the clock-holding rule of live mode.
export { SimCluster, SimStalledError, simDriver, type SimClusterInit, type SimDriverInit } from './driver/sim-cluster.js'
export { SimHypervisorDriver, SIM_BACKEND } from './driver/sim-hypervisor-driver.js'
export { simDriverPlugin, type SimDriverOptions } from './driver/driver-plugin.js'
export type { Operation } from './driver/control-plane.js'
export { DEFAULT_GUEST_MODEL, type GuestModel } from './driver/guest-model.js'
export { CHECKPOINT_HEADER_BYTES } from './driver/checkpoint.js'
export { QCOW2_HEADER_BYTES } from './images/image-store.js'
export {
  nextPreCopyStep, planPreCopy, XEN_PRE_COPY_LIMITS,
  type PreCopyLimits, type PreCopyProgress, type PreCopyStep, type PreCopyPlan, type PlannedRound, type StopReason
} from './migration/pre-copy.js'
export { PAGE_BYTES, PAGE_HEADER_BYTES, FINAL_RECORD_BYTES, pageOverheadBytes } from './migration/live-migration.js'
export { ClusterFaults } from './driver/cluster-faults.js'
export { FAULTABLE_OPERATIONS, type FaultableOperation, type FailNextOptions } from './driver/fail-next.js'
export { clusterScale, printClusterScale, type ClusterScaleOptions, type ClusterScaleFigures } from './scale/cluster-scale.js'
export { SimImageTransfer, SimTransferError, type SimWaitGate, type TransferCluster } from './images/image-transfer.js'
