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
import type { Activity, SimVm } from '@xenos/sim-engine'
import type { Operation } from './control-plane.js'
import type { GuestModel } from './guest-model.js'
import type { HostCalls } from './host-calls.js'
import type { DomainRecord } from './host-state.js'
import { runActivities, runActivity } from './run-activities.js'

export async function bootWork (calls: HostCalls, guest: GuestModel, op: Operation, d: DomainRecord, vm: SimVm): Promise<void> {
  const { engine, state } = calls
  const boot = d.spec.boot
  if (boot.kind !== 'hvm' && guest.bootKernelBytes > 0) {
    await runActivity(op, engine.io({ on: state.host, op: 'read', bytes: guest.bootKernelBytes, cacheKey: calls.cacheKey(`kernel:${boot.kernel}`) }))
  }
  const first = d.spec.disks[0]
  if (first !== undefined && guest.bootReadBytes > 0) {
    const img = state.store.image(first.image)
    const bytes = Math.min(guest.bootReadBytes, img.sizeBytes)
    await runActivity(op, engine.io({ on: vm, op: 'read', bytes, cacheKey: calls.cacheKey(img.backingImage ?? img.path) }))
  }
  if (guest.bootFlops > 0) await runActivity(op, engine.exec({ on: vm, flops: guest.bootFlops }))
}

/** True when the guest finished its shutdown within `timeoutS` of the engine clock. */
export async function shutdownWork (calls: HostCalls, guest: GuestModel, op: Operation, d: DomainRecord, vm: SimVm, timeoutS: number): Promise<boolean> {
  const { engine } = calls
  const answers = d.state === 'running' && !d.behaviour.ignoreShutdown
  const work: Activity[] = answers
    ? [engine.exec({ on: vm, flops: guest.shutdownFlops }), engine.io({ on: vm, op: 'write', bytes: guest.shutdownWriteBytes })]
    : []
  return await runActivities(op, work, { timeoutS, engine: engine, never: !answers })
}
