/**
 * The simulated work of a guest's boot and clean shutdown, as engine
 * activities (costs in `guest-model.ts`):
 * - boot: Domain 0 reads the kernel (PV/PVH; page-cached per host, so the
 *   second boot of one kernel reads it from memory), the guest reads
 *   `bootReadBytes` of its first disk (page-cached per image, a clone
 *   sharing its template's cache), then computes `bootFlops`;
 * - shutdown: the guest computes `shutdownFlops` while writing
 *   `shutdownWriteBytes`; a paused guest, or one with
 *   `sim.ignoreShutdown`, never finishes (the caller's timeout decides).
 */
import type { Activity, SimVm } from '../engine/index.js'
import type { Operation } from './control-plane.js'
import type { DomainRecord } from './host-state.js'
import { runActivities } from './run-activities.js'
import type { SimHypervisorDriver } from './sim-hypervisor-driver.js'

export async function bootWork (driver: SimHypervisorDriver, op: Operation, d: DomainRecord, vm: SimVm): Promise<void> {
  const { guest } = driver.cluster
  const { engine, state } = driver
  const boot = d.spec.boot
  if (boot.kind !== 'hvm' && guest.bootKernelBytes > 0) {
    await runActivities(op, [engine.io({ on: state.host, op: 'read', bytes: guest.bootKernelBytes, cacheKey: driver.cacheKey(`kernel:${boot.kernel}`) })])
  }
  const first = d.spec.disks[0]
  if (first !== undefined && guest.bootReadBytes > 0) {
    const img = state.store.image(first.image)
    const bytes = Math.min(guest.bootReadBytes, img.sizeBytes)
    await runActivities(op, [engine.io({ on: vm, op: 'read', bytes, cacheKey: driver.cacheKey(img.backingImage ?? img.path) })])
  }
  if (guest.bootFlops > 0) await runActivities(op, [engine.exec({ on: vm, flops: guest.bootFlops })])
}

/** True when the guest finished its shutdown within `timeoutS` of the engine clock. */
export async function shutdownWork (driver: SimHypervisorDriver, op: Operation, d: DomainRecord, vm: SimVm, timeoutS: number): Promise<boolean> {
  const { guest } = driver.cluster
  const answers = d.state === 'running' && !d.behaviour.ignoreShutdown
  const work: Activity[] = answers
    ? [driver.engine.exec({ on: vm, flops: guest.shutdownFlops }), driver.engine.io({ on: vm, op: 'write', bytes: guest.shutdownWriteBytes })]
    : []
  return await runActivities(op, work, { timeoutS, engine: driver.engine, never: !answers })
}
