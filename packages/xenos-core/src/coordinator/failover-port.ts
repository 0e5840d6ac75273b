/**
 * The coordinator as the failover agent sees it (`LocalServices` of
 * `failover/agent.ts`): its protected services, periodic checkpoints
 * (taken with the guest left running, the previous one deleted once the
 * new one is announced), adopting a service whose host failed, fencing
 * (pause, unpause), discarding a stale copy, the hosts that match a
 * placement query, and fetching a checkpoint from its owner through the
 * coordinator's `ImageFetcher` (on files, the overlay's verified,
 * content-addressed chunks, as templates travel).
 */
import { DomainNotFoundError, ImageNotFoundError } from '@xenos/hypervisor-interface'
import { paths, undo } from './context.js'
import { AlreadyExistsError, PeerError } from './errors.js'
import { createInstance, type InstanceContext } from './instances.js'
import type { PeerNetwork } from './ports.js'
import type { ServiceRecord } from './records.js'
import { replicateTemplate, type ReplicationContext } from './replication.js'
import { checkpointService, finishDestroy, pauseService, unpauseService } from './service-ops.js'
import type { CheckpointRef, Claim, GuardRecord, LocalProtected, LocalServices } from '../failover/agent.js'
import { isProtected } from '../failover/policy.js'

/**
 * What the failover agent's side of the coordinator uses: what making
 * instances and replicating templates do (a takeover does both), and the
 * search for hosts that match a placement.
 */
export interface FailoverPortContext extends InstanceContext, ReplicationContext {
  readonly network: Pick<PeerNetwork, 'search' | 'call' | 'joinGroup' | 'leaveGroup'> | undefined
  readonly options: InstanceContext['options'] & ReplicationContext['options']
}

/** Where a guardian keeps its copy of a service's checkpoint. */
export function checkpointCopyPath (serviceId: string, generation: number, sourcePath: string): string {
  const base = sourcePath.split('/').at(-1) ?? 'checkpoint'
  return `failover/${serviceId}/g${generation}-${base}`
}

export function coordinatorServices (ctx: FailoverPortContext, clock: { now: () => number }): LocalServices<ServiceRecord> {
  return {
    protectedServices () {
      const out: Array<LocalProtected<ServiceRecord>> = []
      for (const s of ctx.registry.services()) {
        if (!isProtected(s.restart) || s.destroying === true || s.state === 'vanished') continue
        out.push({ id: s.id, policy: s.restart, generation: s.generation ?? 1, active: s.state === 'running' || s.state === 'paused', record: s })
      }
      return out
    },

    async checkpoint (id) {
      const { checkpointPath } = await checkpointService(ctx, id, { leaveRunning: true })
      const info = await ctx.driver.imageInfo(checkpointPath)
      return { path: checkpointPath, sizeBytes: info.sizeBytes, takenAtMs: clock.now() }
    },

    async dropCheckpoint (id, checkpoint) {
      await ignoreMissing(ctx.driver.deleteImage(checkpoint.path))
      const rec = ctx.registry.findService(id)
      if (rec?.checkpoints?.includes(checkpoint.path) === true) {
        await ctx.registry.updateService(id, { checkpoints: rec.checkpoints.filter(p => p !== checkpoint.path) })
      }
    },

    async adopt (guard, generation, copy) {
      await adoptService(ctx, guard.record, generation, copy)
    },

    async pause (id) {
      if (ctx.registry.service(id).state === 'running') await pauseService(ctx, id)
    },

    async unpause (id) {
      if (ctx.registry.service(id).state === 'paused') await unpauseService(ctx, id)
    },

    async discard (id, newer) {
      await discardStale(ctx, id, newer)
    },

    async candidates (placement) {
      if (ctx.network === undefined) return []
      const { results } = await ctx.network.search('hosts', placement, { deadlineMs: ctx.options.searchDeadlineMs })
      return [...new Set(results.map(r => r.hostname).filter((h): h is string => typeof h === 'string' && h !== ctx.hostname))].sort()
    },

    async fetchCheckpoint (guard) {
      const cp = guard.checkpoint
      if (cp === undefined) throw new PeerError(guard.owner, `name a checkpoint of ${guard.serviceId}`, 'a guard record without one')
      if (ctx.fetcher === undefined) throw new PeerError(guard.owner, `send checkpoint ${cp.path}`, `host ${ctx.hostname} has no image fetcher`)
      const destination = checkpointCopyPath(guard.serviceId, guard.generation, cp.path)
      try {
        const info = await ctx.driver.imageInfo(destination)
        if (info.sizeBytes === cp.sizeBytes) return { path: destination, bytes: 0 }
        await ctx.driver.deleteImage(destination)
      } catch (err) {
        if ((err as Error).name !== ImageNotFoundError.name) throw err
      }
      const r = await ctx.fetcher.fetch({
        image: { path: cp.path, sizeBytes: cp.sizeBytes, target: 'checkpoint' }, template: guard.record.template, holders: [guard.owner],
        destination, method: 'chunked', driver: ctx.driver
      })
      return { path: destination, bytes: r.bytes }
    },

    async dropCopy (path) {
      await ignoreMissing(ctx.driver.deleteImage(path))
    }
  }
}

/**
 * Run here a service whose host failed, at `generation`: restored from
 * `checkpoint` (a copy held here) with fresh clones of its template's
 * images at the paths its domain names, or a new domain from its template.
 * Its id, name, owner, grantees, groups, attributes, endpoints and policy
 * are the record's. A template missing here is replicated first.
 */
export async function adoptService (
  ctx: FailoverPortContext, record: ServiceRecord, generation: number, checkpoint: string | undefined
): Promise<ServiceRecord> {
  if (ctx.registry.findService(record.id) !== undefined) throw new AlreadyExistsError('service id', record.id, ctx.hostname)
  if (ctx.registry.findService(record.name) !== undefined) throw new AlreadyExistsError('service name', record.name, ctx.hostname)
  if (ctx.registry.findTemplate(record.template) === undefined && ctx.network !== undefined && ctx.fetcher !== undefined) {
    await replicateTemplate(ctx, record.template)
  }
  const keep = { grantees: [...record.grantees], generation, ...(record.restart === undefined ? {} : { restart: record.restart }) }
  let saved: ServiceRecord
  if (checkpoint === undefined) {
    const made = await createInstance(ctx, record.template, {
      id: record.id, name: record.name, groups: record.groups, attributes: record.attributes, endpoints: record.endpoints,
      owner: record.owner, origin: 'takeover',
      ...(record.vcpus === undefined ? {} : { vcpus: record.vcpus }),
      ...(record.memoryMiB === undefined ? {} : { memoryMiB: record.memoryMiB })
    })
    await ctx.registry.updateService(made.id, keep)
    const info = await ctx.driver.startDomain(made.domainName)
    saved = await ctx.registry.updateService(made.id, { state: info.state })
  } else {
    const template = ctx.registry.template(record.template)
    const made: string[] = []
    try {
      for (const img of template.images) {
        const dest = paths.serviceImage(record.id, img.target)
        const mode = ctx.driver.capabilities().copyOnWriteClone && ctx.options.cloneMode !== 'copy' ? 'cow' : 'copy'
        await ctx.driver.cloneImage(img.path, dest, { mode })
        made.push(dest)
      }
      const info = await ctx.driver.restoreDomain(checkpoint)
      const handle = await ctx.driver.handle(info.spec.name)
      const { destroying: _d, lastError: _e, ...rest } = record
      saved = await ctx.registry.addService({
        ...rest, ...keep, host: ctx.hostname, state: info.state, origin: 'takeover', handle, domainName: info.spec.name, checkpoints: [checkpoint]
      })
    } catch (err) {
      await undo(err, made.reverse().map(p => async () => { await ctx.driver.deleteImage(p) }), 'removing the cloned images')
      throw err
    }
    for (const g of saved.groups) await ctx.network?.joinGroup?.(g, saved.id)
  }
  return saved
}

/**
 * Destroy a copy of a service that runs elsewhere at a higher generation:
 * never resumed, its domain, images and checkpoints removed. A service its
 * config file declares keeps a `vanished` tombstone naming where it runs, so
 * the file does not bring it back here at the next reload or start.
 */
export async function discardStale (ctx: FailoverPortContext, id: string, newer: Claim): Promise<void> {
  await ctx.withLock(id, async () => {
    const rec = ctx.registry.findService(id)
    if (rec === undefined) return
    const detail = `generation ${rec.generation ?? 1} here; generation ${newer.generation} runs on ${newer.owner}`
    ctx.events.emit({ kind: 'stale-discarded', serviceId: rec.id, detail })
    for (const g of rec.groups) await ctx.network?.leaveGroup?.(g, rec.id)
    if (rec.origin !== 'config') {
      await ctx.registry.updateService(rec.id, { destroying: true })
      await finishDestroy(ctx, rec)
    } else if (rec.state !== 'vanished') {
      await ignoreMissing(ctx.driver.destroyDomain(rec.domainName))
      await ignoreMissing(ctx.driver.removeDomain(rec.domainName, { deleteImages: true }))
      const lastError = `taken over by ${newer.owner} at generation ${newer.generation}`
      await ctx.registry.updateService(rec.id, { state: 'vanished', checkpoints: [], lastError })
    }
    for (const c of rec.checkpoints ?? []) await ignoreMissing(ctx.driver.deleteImage(c))
  })
}

async function ignoreMissing (p: Promise<unknown>): Promise<void> {
  try {
    await p
  } catch (err) {
    const name = (err as Error).name
    if (name !== ImageNotFoundError.name && name !== DomainNotFoundError.name) throw err
  }
}

export type { CheckpointRef, GuardRecord }
