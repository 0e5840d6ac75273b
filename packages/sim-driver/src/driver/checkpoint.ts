/**
 * Checkpoints (`xl save` / `xl restore`) of a simulated host.
 *
 * Save pauses the domain, Domain 0 writes its memory to a checkpoint file
 * in the host's image store (memory plus `CHECKPOINT_HEADER_BYTES`), then
 * the domain stops (or runs on, with `leaveRunning`). Restore reserves the
 * memory, reads the file back (the page cache may hold it) and runs the
 * domain with its name and uuid. On failure nothing is left behind: no
 * partial file, no memory reserved, the domain in its previous state.
 */
import { DomainExistsError, InsufficientMemoryError, InvalidStateError, assertImagePath, transition, type DomainInfo } from '@xenos/hypervisor-interface'
import { guestBehaviour } from './guest-model.js'
import type { GuestModel } from './guest-model.js'
import type { HostCalls } from './host-calls.js'
import { copySpec, domainInfo, domainRecord, dropVm, stopDomain, type DomainRecord } from './host-state.js'
import { runActivity } from './run-activities.js'

/** Header of a checkpoint file (Xen's save image header, device model state), in bytes. */
export const CHECKPOINT_HEADER_BYTES = 64 * 1024

const MiB = 1024 * 1024

export async function saveDomain (calls: HostCalls, name: string, checkpointPath: string, options: { leaveRunning?: boolean }): Promise<DomainInfo> {
  assertImagePath(checkpointPath, 'checkpointPath')
  return await calls.onDomain('save', name, async (op, d) => {
    const from = d.state
    transition(name, 'save', from)
    calls.fault('save')
    const vm = d.vm
    if (vm === undefined) throw new InvalidStateError(name, 'save', ['running', 'paused'], 'without memory')
    const memoryBytes = d.spec.memoryMiB * MiB
    const reservation = calls.state.store.reserve(checkpointPath, memoryBytes + CHECKPOINT_HEADER_BYTES)
    if (from === 'running') vm.suspend()
    try {
      await runActivity(op, calls.engine.io({ on: calls.state.host, op: 'write', bytes: memoryBytes, cacheKey: calls.cacheKey(checkpointPath) }))
    } catch (err) {
      reservation.abort()
      if (from === 'running' && !vm.host.failed) vm.resume()
      throw calls.hostError(err)
    }
    reservation.commit({
      kind: 'checkpoint', sizeBytes: memoryBytes + CHECKPOINT_HEADER_BYTES, format: 'raw', checkpoint: { spec: copySpec(d.spec), uuid: d.uuid, memoryBytes }
    })
    if (options.leaveRunning === true) {
      if (from === 'running') vm.resume()
      return domainInfo(d)
    }
    return stopDomain(d)
  })
}

export async function restoreDomain (calls: HostCalls, guest: GuestModel, checkpointPath: string): Promise<DomainInfo> {
  assertImagePath(checkpointPath, 'checkpointPath')
  return await calls.call('restore', async (op) => {
    const file = calls.state.store.checkpoint(checkpointPath)
    const { spec, uuid, memoryBytes } = file.checkpoint
    return await calls.state.locks.with(spec.name, op, async () => {
      calls.ensureUp()
      const existing = calls.state.domains.get(spec.name)
      if (existing !== undefined && existing.uuid !== uuid) throw new DomainExistsError(spec.name, calls.hostname)
      if (existing !== undefined) transition(spec.name, 'start', existing.state)
      calls.fault('restore')
      calls.requireImages(spec)
      const h = calls.state.host
      if (spec.memoryMiB > h.freeMemoryMiB()) throw new InsufficientMemoryError(spec.memoryMiB, h.freeMemoryMiB(), calls.hostname)
      if (existing === undefined && calls.state.nameTaken(spec.name)) throw new DomainExistsError(spec.name, calls.hostname)
      const d: DomainRecord = existing ?? domainRecord(copySpec(spec), uuid, guestBehaviour(spec, guest))
      const previous = d.state
      calls.bootVm(d)
      const vm = d.vm
      vm?.suspend()
      try {
        await runActivity(op, calls.engine.io({ on: h, op: 'read', bytes: memoryBytes, cacheKey: calls.cacheKey(checkpointPath) }))
      } catch (err) {
        dropVm(d)
        d.state = previous
        d.startedAtS = undefined
        throw calls.hostError(err)
      }
      vm?.resume()
      calls.state.domains.set(spec.name, d)
      return domainInfo(d)
    })
  })
}
