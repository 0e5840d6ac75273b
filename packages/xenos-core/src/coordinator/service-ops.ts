/**
 * Life-cycle operations on one local service:
 * start, stop, pause, unpause, destroy, checkpoint, restore, stats. Each runs under
 * the service's lock, calls the driver, and records the domain's new state
 * and an event. Stop and destroy are idempotent, as the driver's are.
 */
import { DomainNotFoundError, InvalidStateError, type DomainInfo, type DomainUsage } from '@xenos/hypervisor-interface'
import { paths, type GroupContext, type ServiceContext } from './context.js'
import type { CoordinatorEventKind } from './event-log.js'
import { InvalidArgumentError } from './errors.js'
import type { ServiceRecord } from './records.js'

/** What the life-cycle operations use: the host, its records, and the overlay's groups (a destroyed service leaves its own). */
export interface ServiceOpsContext extends ServiceContext, GroupContext {}

/** What completing a destroy uses. */
type DestroyContext = Pick<ServiceContext, 'driver' | 'registry' | 'events'>

export interface ServiceStats {
  id: string
  name: string
  state: ServiceRecord['state']
  vcpus: number
  memoryMiB: number
  /** Seconds on the driver's clock since the last start, when running. */
  uptimeS?: number
  usage: DomainUsage
}

/** The domain operation `op` on a service under its lock; the service takes the state it leaves, and `kind` is emitted when that changed. */
async function act (
  ctx: ServiceContext, idOrName: string, kind: CoordinatorEventKind, op: (rec: ServiceRecord) => Promise<DomainInfo | undefined>, alwaysEmit = false
): Promise<ServiceRecord> {
  const first = ctx.registry.service(idOrName)
  return await ctx.withLock(first.id, async () => {
    const rec = ctx.registry.service(first.id)
    if (rec.state === 'migrating' || rec.state === 'vanished') {
      throw new InvalidStateError(rec.domainName, kind, ['stopped', 'running', 'paused', 'crashed'], rec.state)
    }
    try {
      const info = await op(rec)
      const updated = await ctx.registry.updateService(rec.id, { state: info?.state ?? 'stopped' })
      if (alwaysEmit || updated.state !== rec.state) ctx.events.emit({ kind, serviceId: rec.id })
      return updated
    } catch (err) {
      ctx.events.emit({ kind: 'failed', serviceId: rec.id, detail: `${kind}: ${(err as Error).message}` })
      throw err
    }
  })
}

/** Start a service; starting a running one changes nothing. */
export const startService = async (ctx: ServiceContext, id: string): Promise<ServiceRecord> =>
  await act(ctx, id, 'started', async (rec) => {
    const domain = rec.domainName
    return rec.state === 'running' ? await ctx.driver.inspectDomain(domain) : await ctx.driver.startDomain(domain)
  })

export async function stopService (ctx: ServiceContext, id: string, options: { timeoutS?: number, force?: boolean } = {}): Promise<ServiceRecord> {
  if (options.timeoutS !== undefined && !(typeof options.timeoutS === 'number' && options.timeoutS > 0)) {
    throw new InvalidArgumentError('timeoutS', 'a number of seconds > 0', options.timeoutS)
  }
  return await act(ctx, id, 'stopped', async rec => await ctx.driver.shutdownDomain(rec.domainName, options))
}

export const pauseService = async (ctx: ServiceContext, id: string): Promise<ServiceRecord> =>
  await act(ctx, id, 'paused', async rec => await ctx.driver.pauseDomain(rec.domainName))

export const unpauseService = async (ctx: ServiceContext, id: string): Promise<ServiceRecord> =>
  await act(ctx, id, 'unpaused', async rec => await ctx.driver.unpauseDomain(rec.domainName))

/**
 * Pull the plug and forget the service: the domain is destroyed and
 * removed with its instance images, and the service leaves the registry.
 */
export async function destroyService (ctx: ServiceOpsContext, idOrName: string): Promise<ServiceRecord> {
  const first = ctx.registry.service(idOrName)
  return await ctx.withLock(first.id, async () => {
    const rec = ctx.registry.service(first.id)
    if (rec.state === 'migrating') throw new InvalidStateError(rec.domainName, 'destroy', ['stopped', 'running', 'paused', 'crashed', 'vanished'], rec.state)
    await ctx.registry.updateService(rec.id, { destroying: true })
    await finishDestroy(ctx, rec)
    for (const g of rec.groups) await ctx.network?.leaveGroup?.(g, rec.id)
    return { ...rec, state: 'stopped' }
  })
}

/**
 * The part of a destroy after its intent is persisted; idempotent, so a
 * restarted coordinator runs it again for a destroy that was cut short.
 */
export async function finishDestroy (ctx: DestroyContext, rec: ServiceRecord): Promise<void> {
  if (rec.state !== 'vanished') {
    await ignoreNotFound(ctx.driver.destroyDomain(rec.domainName))
    await ignoreNotFound(ctx.driver.removeDomain(rec.domainName, { deleteImages: true }))
  }
  await ctx.registry.removeService(rec.id)
  ctx.events.emit({ kind: 'destroyed', serviceId: rec.id, detail: rec.name })
}

async function ignoreNotFound (p: Promise<unknown>): Promise<void> {
  try {
    await p
  } catch (err) {
    if ((err as Error).name !== DomainNotFoundError.name) throw err
  }
}

/** Save the domain's memory to a checkpoint file in the image store; returns its path. */
export async function checkpointService (
  ctx: ServiceContext, idOrName: string, options: { leaveRunning?: boolean } = {}
): Promise<{ service: ServiceRecord, checkpointPath: string }> {
  let checkpointPath = ''
  const service = await act(ctx, idOrName, 'checkpointed', async (rec) => {
    if (rec.state !== 'running' && rec.state !== 'paused') throw new InvalidStateError(rec.domainName, 'checkpoint', ['running', 'paused'], rec.state)
    // numbered after the highest kept, so a checkpoint dropped from the list (failover keeps only the latest) frees no number for reuse
    const highest = Math.max(0, ...(rec.checkpoints ?? []).map(p => Number(/\/(\d+)\.ckpt$/.exec(p)?.[1] ?? 0)))
    checkpointPath = paths.checkpoint(rec.id, highest + 1)
    return await ctx.driver.saveDomain(rec.domainName, checkpointPath, { leaveRunning: options.leaveRunning ?? true })
  }, true)
  const recorded = await ctx.registry.updateService(service.id, { checkpoints: [...(service.checkpoints ?? []), checkpointPath] })
  return { service: recorded, checkpointPath }
}

/**
 * Bring a stopped service back from one of its checkpoints (the latest by
 * default): its domain runs again with the same name and uuid and the
 * memory it had when saved (`xenos.checkpointService` with leaveRunning false
 * stops it there).
 */
export async function restoreService (ctx: ServiceContext, idOrName: string, options: { checkpoint?: string } = {}): Promise<ServiceRecord> {
  return await act(ctx, idOrName, 'restored', async (rec) => {
    if (rec.state !== 'stopped') throw new InvalidStateError(rec.domainName, 'restore', ['stopped'], rec.state)
    const taken = rec.checkpoints ?? []
    const path = options.checkpoint ?? taken.at(-1)
    if (path === undefined) {
      throw new InvalidArgumentError('checkpoint', `a checkpoint of service ${rec.id} (xenos.checkpointService)`, 'none taken on this host')
    }
    if (!taken.includes(path)) throw new InvalidArgumentError('checkpoint', `one of the service's checkpoints (${taken.join(', ')})`, path)
    return await ctx.driver.restoreDomain(path)
  }, true)
}

/** No use at all: a vanished service's. */
const NO_USAGE: DomainUsage = { cpuTimeS: 0, memoryMiB: 0, diskReadBytes: 0, diskWriteBytes: 0, netRxBytes: 0, netTxBytes: 0 }

export async function serviceStats (ctx: Pick<ServiceContext, 'driver' | 'registry' | 'events'>, idOrName: string): Promise<ServiceStats> {
  const rec = ctx.registry.service(idOrName)
  if (rec.state === 'vanished') return { id: rec.id, name: rec.name, state: rec.state, vcpus: 0, memoryMiB: 0, usage: { ...NO_USAGE } }
  const info = await ctx.driver.inspectDomain(rec.domainName)
  if (rec.state !== 'migrating' && info.state !== rec.state) {
    await ctx.registry.updateService(rec.id, { state: info.state })
    if (info.state === 'crashed') ctx.events.emit({ kind: 'crashed', serviceId: rec.id })
  }
  const state = rec.state === 'migrating' ? 'migrating' : info.state
  const stats: ServiceStats = { id: rec.id, name: rec.name, state, vcpus: info.spec.vcpus, memoryMiB: info.spec.memoryMiB, usage: info.usage }
  if (info.startedAtS !== undefined && info.state !== 'stopped') stats.uptimeS = ctx.driver.clock.nowS() - info.startedAtS
  return stats
}
