/**
 * Migration of a service between coordinators.
 *
 * Protocol, driven by the source over the overlay's API calls:
 * 1. the source picks the target (a host name, or the best host matching a
 *    search query by free memory then free disk) and marks the service
 *    `migrating`;
 * 2. `xenos.peer.prepareMigration` on the target: it checks room, replicates
 *    the template if it lacks it, and reserves memory and disk;
 * 3. the source's driver migrates the domain (`migrateDomain`);
 * 4. `xenos.peer.commitMigration` on the target registers the service under
 *    the same id and groups; the source forgets it.
 * A failure in 2 or 3 sends `xenos.peer.abortMigration` (the target drops its
 * reservation and any template it fetched for this migration) and puts the
 * service back in its real state on the source; the driver guarantees the
 * domain is still running there.
 * During 3 the source asks the target every `migrationWatchMs` whether it still
 * expects the migration (`xenos.peer.migrationStatus`); a target whose
 * coordinator died (or forgot it) fails twice in a row and the driver's move
 * is aborted, so the service stays here rather than landing on a host nobody
 * manages. A target that restarted keeps its persisted reservation and asks the
 * source in turn, after `adoptAfterMs`, whether a migration whose domain never
 * came is still being sent; when it is not, the reservation goes.
 */
import {
  InvalidStateError, MigrationFailedError, type MigrationOptions, type MigrationReport, type MigrationTarget, type StorageMigrationMode
} from '@xenos/hypervisor-interface'
import { undo, type ServiceContext } from './context.js'
import { AlreadyExistsError, InvalidArgumentError, NoCapacityError, PeerError, UnreachableHostsError } from './errors.js'
import { show } from '../errors.js'
import type { IdSource, PeerNetwork } from './ports.js'
import type { HostRecord, Reservation, ServiceRecord } from './records.js'
import { validateServiceRecord } from './record-checks.js'
import { dropTemplate, reasonsOf, replicateTemplate, type ReplicationContext } from './replication.js'

/**
 * What the target side of a migration uses (commit, abort, adopting an
 * orphan, the reservations held): the host and its records, calls to the
 * source and the overlay's groups, and the reservations, persisted.
 */
export interface IncomingContext extends ServiceContext {
  readonly network: Pick<PeerNetwork, 'call' | 'joinGroup'> | undefined
  /** Wall clock of reservations. */
  readonly now: () => Date
  readonly options: {
    /** An incoming migration whose commit has not come this long after prepare is adopted by reconcile, in ms. */
    readonly adoptAfterMs: number
  }
  /** Memory and disk promised to incoming migrations not yet committed (persisted with the registry). */
  readonly reservations: Map<string, Reservation>
  /** Write the coordinator's state now (after changing `reservations`). */
  readonly persist: () => Promise<void>
}

/** What both sides of a migration use: the target's, a template's replication, the search for a target, and the migrations being sent. */
export interface MigrationContext extends IncomingContext, ReplicationContext {
  readonly network: PeerNetwork | undefined
  readonly ids: Pick<IdSource, 'serviceId'>
  readonly options: IncomingContext['options'] & ReplicationContext['options'] & {
    /** Reservations of a prepared incoming migration expire after this many ms. */
    readonly reservationTtlMs: number
    /** How often the source of a migration asks its target whether it still expects it, in ms. */
    readonly migrationWatchMs: number
  }
  /** Ids of the migrations this host is sending now (in memory: a restart ends them). */
  readonly outgoing: Set<string>
}

/** Memory (MiB) and disk (bytes) a service needs on its target. */
interface Need { memoryMiB: number, diskBytes: number }

export type MigrationDestination = { host: string } | { query: string }

export interface MigrateOptions {
  live?: boolean
  storage?: StorageMigrationMode
  /** Retries of the final commit call before giving up. @default 3 */
  commitAttempts?: number
}

export interface MigrateResult {
  service: ServiceRecord
  fromHost: string
  toHost: string
  report: MigrationReport
  /** False when the target did not confirm; it adopts the service on its next reconcile. */
  committed: boolean
}

/** What the source sends the target in `xenos.peer.prepareMigration`. */
export interface PrepareRequest {
  migrationId: string
  serviceId: string
  name: string
  template: string
  memoryMiB: number
  diskBytes: number
  /** Hosts holding the template (the source at least). */
  holders: string[]
  /** The service record as it will be on the target (adopted if the commit is lost). */
  record?: ServiceRecord
}

export interface PrepareReply {
  migrationTarget: MigrationTarget
}

/** Pick the best target among host records: most free memory, then free disk, then name. */
export function chooseTarget (hosts: HostRecord[], need: Need, exclude: string): HostRecord | undefined {
  return hosts
    .filter(h => h.hostname !== exclude && h.freeMemoryMiB >= need.memoryMiB && h.freeDiskBytes >= need.diskBytes)
    .sort((a, b) => b.freeMemoryMiB - a.freeMemoryMiB || b.freeDiskBytes - a.freeDiskBytes || a.hostname.localeCompare(b.hostname))[0]
}

async function needOf (ctx: Pick<ServiceContext, 'driver'>, rec: ServiceRecord): Promise<Need> {
  const info = await ctx.driver.inspectDomain(rec.domainName)
  let diskBytes = 0
  for (const d of info.spec.disks) diskBytes += (await ctx.driver.imageInfo(d.image)).allocatedBytes
  return { memoryMiB: info.spec.memoryMiB, diskBytes }
}

async function resolveTarget (ctx: MigrationContext, dest: MigrationDestination, need: Need, serviceId: string): Promise<string> {
  if ('host' in dest) {
    if (typeof dest.host !== 'string' || dest.host.length === 0) throw new InvalidArgumentError('target.host', 'a host name', dest.host)
    if (dest.host === ctx.hostname) throw new InvalidArgumentError('target.host', `a host other than the source ${ctx.hostname}`, dest.host)
    return dest.host
  }
  if (typeof dest.query !== 'string') throw new InvalidArgumentError('target.query', 'a search query', dest.query)
  if (ctx.network === undefined) throw new NoCapacityError('a target host from a search', 'no overlay to search')
  const outcome = await ctx.network.search('hosts', dest.query, { deadlineMs: ctx.options.searchDeadlineMs })
  const best = chooseTarget(outcome.results as unknown as HostRecord[], need, ctx.hostname)
  if (best === undefined) {
    const wanted = `a host matching "${dest.query}" with ${need.memoryMiB} MiB and ${need.diskBytes} bytes free for service ${serviceId}`
    // hosts that did not answer may have matched: that is an unreachable target (503), not a lack of room (507)
    if (outcome.nonResponders.length > 0) {
      const found = `none among the ${outcome.results.length} matches of the hosts that answered`
      throw new UnreachableHostsError(wanted, found, reasonsOf(outcome))
    }
    throw new NoCapacityError(wanted, `none among ${outcome.results.length} matches`)
  }
  return best.hostname
}

export async function migrateService (
  ctx: MigrationContext, idOrName: string, dest: MigrationDestination, options: MigrateOptions = {}
): Promise<MigrateResult> {
  const network = ctx.network
  const first = ctx.registry.service(idOrName)
  if (network === undefined) throw new MigrationFailedError(first.domainName, 'another host', 'this coordinator has no overlay')
  return await ctx.withLock(first.id, async () => {
    const rec = ctx.registry.service(first.id)
    if (rec.state !== 'running' && rec.state !== 'paused') throw new InvalidStateError(rec.domainName, 'migrate', ['running', 'paused'], rec.state)
    let toHost: string
    let need: Need
    try {
      need = await needOf(ctx, rec)
      toHost = await resolveTarget(ctx, dest, need, rec.id)
    } catch (err) {
      const where = 'host' in dest ? dest.host : `a host matching "${dest.query}"`
      ctx.events.emit({ kind: 'failed', serviceId: rec.id, detail: `migration to ${where}: ${(err as Error).message}` })
      throw err
    }
    const migrationId = `${rec.id}~${ctx.ids.serviceId()}`
    ctx.outgoing.add(migrationId)
    try {
      return await send(ctx, network, rec, toHost, migrationId, need, options)
    } finally {
      ctx.outgoing.delete(migrationId)
    }
  })
}

/** The source's side of one migration, prepared, moved and committed (see the protocol above). */
async function send (
  ctx: MigrationContext, network: PeerNetwork, rec: ServiceRecord, toHost: string, migrationId: string, need: Need, options: MigrateOptions
): Promise<MigrateResult> {
  const before = rec.state
  await ctx.registry.updateService(rec.id, { state: 'migrating' })
  ctx.events.emit({ kind: 'migrating', serviceId: rec.id, detail: `to ${toHost}` })
  let prepared = false
  try {
    const moving: ServiceRecord = { ...rec, host: toHost, state: before }
    delete moving.handle
    delete moving.lastError
    delete moving.checkpoints // files in this host's Domain 0, not the target's
    const req: PrepareRequest = {
      migrationId, serviceId: rec.id, name: rec.name, template: rec.template, ...need, holders: [ctx.hostname], record: moving
    }
    const reply = await network.call(toHost, 'xenos.peer.prepareMigration', [req]) as PrepareReply
    prepared = true
    if (reply === null || typeof reply !== 'object' || typeof reply.migrationTarget?.host !== 'string') {
      throw new PeerError(toHost, 'answer prepareMigration with a migrationTarget', show(reply))
    }
    const watch = watchTarget(ctx, toHost, migrationId)
    const migrationOptions: MigrationOptions = { signal: watch.signal }
    if (options.live !== undefined) migrationOptions.live = options.live
    if (options.storage !== undefined) migrationOptions.storage = options.storage
    let report: MigrationReport
    try {
      report = await ctx.driver.migrateDomain(rec.domainName, reply.migrationTarget, migrationOptions)
    } finally {
      watch.stop()
    }
    // The domain runs on the target now: a failed commit no longer undoes anything.
    const confirmed = await commit(ctx, toHost, migrationId, moving, options.commitAttempts ?? 3)
    for (const g of rec.groups) await ctx.network?.leaveGroup?.(g, rec.id)
    if (confirmed.ok) {
      await ctx.registry.removeService(rec.id)
      const detail = `to ${toHost} in ${report.totalS.toFixed(3)} s, downtime ${report.downtimeS.toFixed(3)} s`
      ctx.events.emit({ kind: 'migrated', serviceId: rec.id, detail })
    } else {
      // The domain left, but the target has not said it holds the service: keep a visible
      // tombstone until the target adopts it (it then tells us, see `adoptOrphans`).
      const lastError = `migrated to ${toHost}, which did not confirm (${confirmed.reason ?? 'no answer'}); it adopts the service on its next reconcile`
      await ctx.registry.updateService(rec.id, { state: 'vanished', lastError })
      ctx.events.emit({ kind: 'failed', serviceId: rec.id, detail: `migration to ${toHost}: the domain moved but the target did not confirm` })
    }
    return { service: confirmed.record ?? moving, fromHost: ctx.hostname, toHost, report, committed: confirmed.ok }
  } catch (err) {
    const steps: Array<() => Promise<void>> = []
    if (prepared) steps.push(async () => { await network.call(toHost, 'xenos.peer.abortMigration', [migrationId]) })
    steps.push(async () => {
      const still = ctx.registry.findService(rec.id)
      if (still === undefined) return
      let state: ServiceRecord['state'] = before
      try { state = (await ctx.driver.inspectDomain(rec.domainName)).state } catch { state = 'vanished' }
      await ctx.registry.updateService(rec.id, { state, lastError: (err as Error).message })
    })
    await undo(err, steps, 'undoing the migration')
    ctx.events.emit({ kind: 'failed', serviceId: rec.id, detail: `migration to ${toHost}: ${(err as Error).message}` })
    throw new MigrationFailedError(rec.domainName, toHost, (err as Error).message, { cause: err })
  }
}

/**
 * Asks the target every `migrationWatchMs` whether it still expects the
 * migration; aborts `signal` after two failed or negative answers in a row.
 */
function watchTarget (ctx: MigrationContext, toHost: string, migrationId: string): { signal: AbortSignal, stop: () => void } {
  const controller = new AbortController()
  let misses = 0
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const tick = async (): Promise<void> => {
    let why: string | undefined
    try {
      const status = await ctx.network!.call(toHost, 'xenos.peer.migrationStatus', [migrationId]) as { expecting?: unknown }
      if (status?.expecting !== true) why = `the coordinator of ${toHost} no longer expects this migration`
    } catch (err) {
      why = `the coordinator of ${toHost} does not answer (${(err as Error).message})`
    }
    misses = why === undefined ? 0 : misses + 1
    if (stopped) return
    if (misses >= 2) {
      controller.abort(new Error(why))
      return
    }
    timer = setTimeout(() => { void tick() }, ctx.options.migrationWatchMs)
  }
  timer = setTimeout(() => { void tick() }, ctx.options.migrationWatchMs)
  return { signal: controller.signal, stop: () => { stopped = true; clearTimeout(timer) } }
}

/** Either side of a migration: is this host sending it, and does it expect it (holds its reservation)? */
export function migrationStatus (ctx: Pick<MigrationContext, 'outgoing' | 'reservations'>, migrationId: string): { sending: boolean, expecting: boolean } {
  if (typeof migrationId !== 'string' || migrationId.length === 0) throw new InvalidArgumentError('migrationId', 'a non-empty string', migrationId)
  return { sending: ctx.outgoing.has(migrationId), expecting: ctx.reservations.has(migrationId) }
}

/** Tell the target to register the service; a lost answer is reported, not thrown (the domain has moved). */
async function commit (
  ctx: MigrationContext, toHost: string, migrationId: string, record: ServiceRecord, attempts: number
): Promise<{ ok: boolean, record?: ServiceRecord, reason?: string }> {
  const reasons: string[] = []
  for (let i = 0; i < Math.max(1, attempts); i++) {
    try {
      return { ok: true, record: await ctx.network!.call(toHost, 'xenos.peer.commitMigration', [migrationId, record]) as ServiceRecord }
    } catch (err) {
      reasons.push((err as Error).message)
    }
  }
  return { ok: false, reason: reasons.join('; ') }
}

// -- target side --

export async function prepareIncoming (ctx: MigrationContext, req: PrepareRequest): Promise<PrepareReply> {
  validatePrepare(req)
  if (ctx.registry.findService(req.serviceId) !== undefined) throw new AlreadyExistsError('service id', req.serviceId, ctx.hostname)
  if (ctx.registry.findService(req.name) !== undefined) throw new AlreadyExistsError('service name', req.name, ctx.hostname)
  const facts = await ctx.driver.hostFacts()
  const held = heldReservations(ctx)
  const freeMiB = facts.memory.freeMiB - held.memoryMiB
  const freeBytes = facts.disk.freeBytes - held.diskBytes
  if (freeMiB < req.memoryMiB) throw new NoCapacityError(`${req.memoryMiB} MiB free on ${ctx.hostname}`, `${freeMiB} MiB`)
  if (freeBytes < req.diskBytes) throw new NoCapacityError(`${req.diskBytes} bytes of disk free on ${ctx.hostname}`, `${freeBytes} bytes`)
  let replicated = false
  if (ctx.registry.findTemplate(req.template) === undefined) {
    const r = await replicateTemplate(ctx, req.template, { fromPeers: req.holders })
    replicated = !r.alreadyPresent
  }
  const nowMs = ctx.now().getTime()
  ctx.reservations.set(req.migrationId, {
    memoryMiB: req.memoryMiB, diskBytes: req.diskBytes, expiresAtMs: nowMs + ctx.options.reservationTtlMs, preparedAtMs: nowMs,
    template: req.template, replicatedTemplate: replicated,
    ...(req.record === undefined ? {} : { record: req.record }),
    ...(req.holders[0] === undefined ? {} : { source: req.holders[0] })
  })
  await ctx.persist()
  return { migrationTarget: { host: ctx.driver.hostname } }
}

export async function abortIncoming (ctx: IncomingContext, migrationId: string): Promise<boolean> {
  const r = ctx.reservations.get(migrationId)
  if (r === undefined) return false
  ctx.reservations.delete(migrationId)
  await ctx.persist()
  if (r.replicatedTemplate && r.template !== undefined) {
    const inUse = ctx.registry.services().some(s => s.template === r.template)
    if (!inUse) await dropTemplate(ctx, r.template)
  }
  return true
}

export async function commitIncoming (ctx: IncomingContext, migrationId: string, record: ServiceRecord): Promise<ServiceRecord> {
  validateServiceRecord(record, 'record')
  const known = ctx.registry.findService(record.id)
  if (known !== undefined) return known
  const source = ctx.reservations.get(migrationId)?.source
  ctx.reservations.delete(migrationId)
  const info = await ctx.driver.inspectDomain(record.domainName)
  const handle = await ctx.driver.handle(record.domainName)
  const grantees = record.grantees ?? []
  const saved = await ctx.registry.addService({ ...record, host: ctx.hostname, state: info.state, origin: 'migration', handle, grantees })
  for (const g of saved.groups) await ctx.network?.joinGroup?.(g, saved.id)
  ctx.events.emit({ kind: 'migrated-in', serviceId: saved.id, detail: `from ${source ?? 'another host'}` })
  return saved
}

/** Memory and disk promised to incoming migrations that have not expired. */
export function heldReservations (ctx: Pick<IncomingContext, 'now' | 'reservations'>): Need {
  const nowMs = ctx.now().getTime()
  let memoryMiB = 0
  let diskBytes = 0
  for (const [k, r] of ctx.reservations) {
    if (r.expiresAtMs < nowMs) { ctx.reservations.delete(k); continue }
    memoryMiB += r.memoryMiB
    diskBytes += r.diskBytes
  }
  return { memoryMiB, diskBytes }
}

function validatePrepare (req: PrepareRequest): void {
  if (req === null || typeof req !== 'object') throw new InvalidArgumentError('request', 'a prepareMigration struct', req)
  for (const f of ['migrationId', 'serviceId', 'name', 'template'] as const) {
    if (typeof req[f] !== 'string' || req[f].length === 0) throw new InvalidArgumentError(f, 'a non-empty string', req[f])
  }
  for (const f of ['memoryMiB', 'diskBytes'] as const) {
    if (typeof req[f] !== 'number' || !Number.isFinite(req[f]) || req[f] < 0) throw new InvalidArgumentError(f, 'a number >= 0', req[f])
  }
  if (!Array.isArray(req.holders) || req.holders.some(h => typeof h !== 'string')) {
    throw new InvalidArgumentError('holders', 'an array of host names', req.holders)
  }
  if (req.record !== undefined) validateServiceRecord(req.record, 'record')
}

/**
 * Adopt services whose migration reached this host but whose commit never
 * came (the source died or the answer was lost): a reservation with a
 * record whose domain runs here `adoptAfterMs` after prepare becomes a
 * registered service. (The grace keeps a migration still in flight, whose
 * commit is on its way, from being adopted twice or too early.)
 */
export async function adoptOrphans (ctx: IncomingContext): Promise<string[]> {
  const adopted: string[] = []
  const nowMs = ctx.now().getTime()
  for (const [migrationId, r] of [...ctx.reservations]) {
    if (r.record === undefined || nowMs - r.preparedAtMs < ctx.options.adoptAfterMs) continue
    let here = false
    try {
      const state = (await ctx.driver.inspectDomain(r.record.domainName)).state
      here = state === 'running' || state === 'paused'
    } catch (err) {
      if ((err as Error).name !== 'DomainNotFoundError') throw err
    }
    if (!here) {
      await dropAbandoned(ctx, migrationId, r)
      continue
    }
    const saved = await commitIncoming(ctx, migrationId, r.record)
    adopted.push(saved.id)
    const source = r.source
    if (source !== undefined && ctx.network !== undefined) {
      try {
        await ctx.network.call(source, 'xenos.peer.migrationAdopted', [saved.id])
      } catch (err) {
        const detail = `adopted, but telling the source ${source} failed: ${(err as Error).message}`
        ctx.events.emit({ kind: 'failed', serviceId: saved.id, detail })
      }
    }
  }
  return adopted
}

/**
 * A prepared migration whose domain has not come: when its source says it is
 * no longer sending it (it failed, or the source restarted), the reservation
 * and any template fetched for it go. An unreachable source keeps it until it
 * expires.
 */
async function dropAbandoned (ctx: IncomingContext, migrationId: string, r: Reservation): Promise<void> {
  if (r.source === undefined || ctx.network === undefined) return
  let sending: unknown
  try {
    sending = (await ctx.network.call(r.source, 'xenos.peer.migrationStatus', [migrationId]) as { sending?: unknown })?.sending
  } catch {
    return // the source is away: the reservation expires on its own
  }
  if (sending !== false || !(await abortIncoming(ctx, migrationId))) return
  ctx.events.emit({
    kind: 'failed',
    ...(r.record === undefined ? {} : { serviceId: r.record.id }),
    detail: `incoming migration ${migrationId} from ${r.source}: the source is no longer sending it; its reservation is released`
  })
}

/** Source side: the target adopted a service whose commit was lost; drop its tombstone. */
export async function forgetAdopted (ctx: Pick<ServiceContext, 'registry' | 'events'>, serviceId: string): Promise<boolean> {
  const rec = ctx.registry.findService(serviceId)
  if (rec === undefined || rec.state !== 'vanished') return false
  await ctx.registry.removeService(serviceId)
  ctx.events.emit({ kind: 'migrated', serviceId, detail: 'confirmed by the target after adoption' })
  return true
}
