/**
 * The coordinator of one host (paper Section IV-B): the 'notice board' of
 * the host's services. It owns the registry of services, templates and
 * groups (persisted in the data directory), drives the hypervisor through
 * an injected `HypervisorDriver`, answers the local side of searches, and
 * carries out creation, replication and migration with its peers.
 */
import type { HypervisorDriver, ImageInfo } from '@xenos/hypervisor-interface'
import { syncConfig as configSync, type ConfigSyncResult } from './config-sync.js'
import { keyedLock } from './context.js'
import { HostNotFoundError, InvalidArgumentError, NotRunningError } from './errors.js'
import { eventLog, type CoordinatorEvent, type EventListener, type EventLog, type EventPage } from './event-log.js'
import { createInstance, type CreateInstanceOptions } from './instances.js'
import {
  abortIncoming, commitIncoming, forgetAdopted, heldReservations, migrateService, migrationStatus, prepareIncoming,
  type MigrateOptions, type MigrateResult, type MigrationContext, type MigrationDestination, type PrepareReply, type PrepareRequest
} from './migration.js'
import type {
  IdSource, ImageFetcher, MemberChange, MemberView, PeerNetwork, QueryMatcher, ReplicationMethod, SearchKind, SearchOutcome,
  ServiceConfigSource
} from './ports.js'
import {
  toSearchRecord, type GroupRecord, type HostRecord, type Reservation, type ServiceRecord, type ServiceSearchRecord, type TemplateRecord
} from './records.js'
import { registry as makeRegistry, assertGroupName } from './registry.js'
import { reattachAll, type ReattachSummary } from './reattach.js'
import { replicateTemplate, type ReplicateOptions, type ReplicateResult } from './replication.js'
import { reconcileStates } from './reconcile.js'
import {
  checkpointService, destroyService, pauseService, restoreService, serviceStats, startService, stopService, unpauseService, type ServiceStats
} from './service-ops.js'
import { stateStore, type StateSnapshot, type StateStore } from './state-store.js'
import { setRestartPolicy } from './takeover.js'
import { coordinatorServices, type FailoverPortContext } from './failover-port.js'
import { isProtected } from '../failover/policy.js'
import { validateGuardRecord } from './record-checks.js'
import {
  FailoverAgent, type Claim, type FailoverClock, type FailoverEvent, type FailoverInit, type FailoverState, type FailoverStatus, type GuardRecord
} from '../failover/agent.js'

/** The member id a host uses for itself in a group (the overlay's `HOST_MEMBER`). */
export const HOST_MEMBER = 'host'

export interface CoordinatorInit {
  /** Directory for the coordinator's state (created when missing). */
  dataDir: string
  /** Free-form tags advertised with the host record (`ssd`, `rack-2`). */
  tags?: string[]
  /** Where this host's API answers, advertised in the host record. */
  apiUrl?: string
  /** SHA-256 fingerprint of the API's certificate, advertised so that clients can pin it. */
  apiTlsFingerprint?: string
  /** Overlay peer id, advertised in the host record. */
  peerId?: string
  /** `cow` clones where the driver can (`auto`), or always full copies. @default 'auto' */
  cloneMode?: 'auto' | 'cow' | 'copy'
  /** @default 'chunked' */
  replicationMethod?: ReplicationMethod
  /** Deadline of searches the coordinator makes itself (replication, migration), in ms. @default 2000 */
  searchDeadlineMs?: number
  /** Make blank images for config templates whose images are missing (simulated hosts). @default false */
  createMissingImages?: boolean
  /** @default 600000 (10 minutes) */
  reservationTtlMs?: number
  /** Adopt a migrated-in service whose commit never came after this many ms (see `adoptOrphans`). @default 60000 */
  adoptAfterMs?: number
  /**
   * Run the failover agent (`failover/agent.ts`): guard this host's services
   * that have a restart policy, take over those of failed hosts, fence this
   * host when cut off. Needs an overlay with a membership. `false` turns it off.
   * @default false (startXenosHost turns it on)
   */
  failover?: FailoverInit | false
  /**
   * While the driver moves a domain, the source asks the target this often whether it still
   * expects the migration; two failed or negative answers in a row abort it. @default 2000
   */
  migrationWatchMs?: number
}

export interface CoordinatorComponents {
  driver: HypervisorDriver
  ids: IdSource
  matcher: QueryMatcher
  /** The overlay; without it the coordinator works alone (no search beyond itself, no migration). */
  network?: PeerNetwork
  fetcher?: ImageFetcher
  /** The service config directory. */
  configSource?: ServiceConfigSource
  /** Wall clock for record and event times. @default () => new Date() */
  now?: () => Date
  /** The failover agent's clock. @default the wall clock (Date.now) and the global timers */
  failoverClock?: FailoverClock
  /** Told about errors that have no caller (a guardian that could not be reached). */
  onError?: (err: unknown) => void
  /**
   * Where the state is kept, given what to write. @default the state file in
   * `dataDir` (`stateStore`); a simulation gives a `memoryStateStore`
   */
  stateStore?: (read: () => StateSnapshot) => StateStore
}

export interface Coordinator {
  readonly hostname: string
  readonly status: 'new' | 'running' | 'stopped'
  /** How many times this data directory's coordinator has started (1 on the first). */
  readonly bootCount: number
  start (): Promise<{ reattach: ReattachSummary, config?: ConfigSyncResult }>
  /** Flush state; the driver and its domains are left alone. */
  stop (): Promise<void>
  /**
   * Compare every service's recorded state with its domain's and record the
   * changes (a crashed guest, a domain stopped behind the coordinator's back)
   * as events. Returns the ids whose state changed.
   */
  reconcile (): Promise<string[]>
  /** Re-read the service config directory. */
  reload (): Promise<ConfigSyncResult | undefined>
  /** Late wiring: the overlay usually starts after the coordinator exists. */
  attachNetwork (network: PeerNetwork, fetcher?: ImageFetcher): void
  hostRecord (): Promise<HostRecord>
  /** The driver's clock now: wall time on real hardware, simulated time on the simulator. */
  clockReading (): { clockS: number, clock: 'wall' | 'simulated' }
  /** This host's matches for a query (what it answers to a flooded search). */
  localSearch (kind: SearchKind, query: string): Promise<Array<HostRecord | ServiceSearchRecord>>
  /** Search the whole overlay (or only this host without one). */
  search (kind: SearchKind, query: string, options?: { deadlineMs?: number }): Promise<SearchOutcome>
  listServices (): ServiceRecord[]
  getService (idOrName: string): ServiceRecord
  listTemplates (): TemplateRecord[]
  getTemplate (name: string): TemplateRecord
  startService (id: string): Promise<ServiceRecord>
  stopService (id: string, options?: { timeoutS?: number, force?: boolean }): Promise<ServiceRecord>
  pauseService (id: string): Promise<ServiceRecord>
  unpauseService (id: string): Promise<ServiceRecord>
  destroyService (id: string): Promise<ServiceRecord>
  checkpointService (id: string, options?: { leaveRunning?: boolean }): Promise<{ service: ServiceRecord, checkpointPath: string }>
  /** Runs a stopped service again from one of its checkpoints (the latest by default). */
  restoreService (id: string, options?: { checkpoint?: string }): Promise<ServiceRecord>
  serviceStats (id: string): Promise<ServiceStats>
  /** Set what survivors do with a service when this host fails (`failover/policy.ts`; missing fields take their defaults). */
  setRestartPolicy (id: string, policy: unknown): Promise<ServiceRecord>
  /** A new service from a template; a template this host lacks is replicated from peers first. */
  createInstance (template: string, options?: CreateInstanceOptions): Promise<ServiceRecord>
  replicateTemplate (template: string, options?: ReplicateOptions): Promise<ReplicateResult>
  migrateService (id: string, target: MigrationDestination, options?: MigrateOptions): Promise<MigrateResult>
  grant (id: string, user: string): Promise<ServiceRecord>
  revoke (id: string, user: string): Promise<ServiceRecord>
  listGroups (): GroupRecord[]
  createGroup (name: string): Promise<GroupRecord>
  joinGroup (id: string, group: string): Promise<ServiceRecord>
  leaveGroup (id: string, group: string): Promise<ServiceRecord>
  publish (group: string, message: string): Promise<{ delivered: number }>
  /** Call a method on another host's coordinator through the overlay. */
  forward (host: string, method: string, params: unknown[]): Promise<unknown>
  /** The other hosts of the overlay's membership, live and failed, as this host sees them. */
  members (): MemberView[]
  /**
   * Remove a failed host (name or peer id) from every host's membership: it is
   * no longer named by searches. Throws `HostNotFoundError` for a host not in
   * the membership, `InvalidArgumentError` for one that is not failed (a live
   * host would refute its removal).
   */
  removeMember (host: string): MemberView
  /** Record a message that arrived for a group this host has members in (the overlay calls this). */
  deliverGroupMessage (group: string, fromHost: string, text: string): CoordinatorEvent
  events (sinceSeq: number, limit?: number): EventPage
  subscribe (listener: EventListener): () => void
  /** The peer side of replication and migration (called by other coordinators through the API). */
  /** The failover agent's view: quorum, fenced, services guarded here for others (undefined when it does not run). */
  failoverStatus (): FailoverStatus | undefined
  /** The failover agent, when it runs. */
  readonly failover: FailoverAgent<ServiceRecord> | undefined
  readonly peer: {
    /** A guard record from the host that runs the service (`fromPeer`: the caller's peer id, when called over the overlay). */
    guardService (guard: GuardRecord<ServiceRecord>, fromPeer?: string): Promise<void>
    /** The generation and owner known here of each service named. */
    serviceClaims (ids: string[]): Claim[]
    exportTemplate (name: string): TemplateRecord
    /** Size and format of an image of a template held here (replication checks holders with it). */
    imageInfo (path: string): Promise<ImageInfo>
    /** Serve an image of a template held here through the fetcher's transfer; its content id. */
    imageManifest (path: string): Promise<{ manifestHash: string, sizeBytes: number }>
    prepareMigration (req: PrepareRequest): Promise<PrepareReply>
    commitMigration (migrationId: string, record: ServiceRecord): Promise<ServiceRecord>
    abortMigration (migrationId: string): Promise<boolean>
    /** Whether this host is sending migration `migrationId` now, and whether it expects it (holds its reservation). */
    migrationStatus (migrationId: string): { sending: boolean, expecting: boolean }
    /** The target adopted a service whose commit was lost: forget its tombstone here. */
    migrationAdopted (serviceId: string): Promise<boolean>
  }
}

/**
 * Make the coordinator of the host `components.driver` controls.
 *
 * @example
 * ```ts
 * const c = coordinator({ dataDir: '/var/lib/xenos' })({ driver, ids, matcher })
 * await c.start()
 * const svc = await c.createInstance('web', { name: 'web-1' })
 * await c.startService(svc.id)
 * ```
 */
export function coordinator (init: CoordinatorInit): (components: CoordinatorComponents) => Coordinator {
  return components => makeCoordinator(init, components)
}

function makeCoordinator (init: CoordinatorInit, components: CoordinatorComponents): Coordinator {
  const { driver } = components
  const hostname = driver.hostname
  const now = components.now ?? (() => new Date())
  let status: Coordinator['status'] = 'new'
  let bootCount = 0
  let network = components.network
  let fetcher = components.fetcher
  const reg = makeRegistry({ hostname }, { persist: async () => { await store.save() } })
  const reservations = new Map<string, Reservation>()
  const read = (): StateSnapshot => ({
    ...reg.snapshot(bootCount), reservations: [...reservations].map(([migrationId, reservation]) => ({ migrationId, reservation })),
    ...(failoverState === undefined ? {} : { failover: failoverState })
  })
  const store = components.stateStore?.(read) ?? stateStore({ dataDir: init.dataDir }, { read })
  const events: EventLog = eventLog({ host: hostname }, { now, bootCount: () => bootCount })
  events.subscribe((e) => { network?.publishEvent?.(e) })
  /** The state every part is given; each sees only what its own context declares. */
  const ctx: MigrationContext & FailoverPortContext = {
    hostname,
    driver,
    registry: reg,
    events,
    get network () { return network },
    get fetcher () { return fetcher },
    ids: components.ids,
    now,
    options: {
      cloneMode: init.cloneMode ?? 'auto',
      replicationMethod: init.replicationMethod ?? 'chunked',
      searchDeadlineMs: init.searchDeadlineMs ?? 2000,
      reservationTtlMs: init.reservationTtlMs ?? 600_000,
      adoptAfterMs: init.adoptAfterMs ?? 60_000,
      migrationWatchMs: init.migrationWatchMs ?? 2000
    },
    withLock: keyedLock(),
    reservations,
    outgoing: new Set(),
    persist: async () => { await store.save() }
  }

  function running (): void {
    if (status !== 'running') throw new NotRunningError(hostname, status)
  }
  function guard<A extends unknown[], R> (fn: (...args: A) => R): (...args: A) => R {
    return (...args) => { running(); return fn(...args) }
  }

  async function hostRecord (): Promise<HostRecord> {
    const facts = await driver.hostFacts()
    const held = heldReservations(ctx)
    const freeDiskBytes = Math.max(0, facts.disk.freeBytes - held.diskBytes)
    const rec: HostRecord = {
      kind: 'host',
      hostname,
      backend: driver.backend,
      cores: facts.cpu.cores,
      totalMemoryMiB: facts.memory.totalMiB,
      freeMemoryMiB: Math.max(0, facts.memory.freeMiB - held.memoryMiB),
      freeDiskBytes,
      freeDiskMiB: Math.floor(freeDiskBytes / 1048576),
      tags: [...(init.tags ?? [])],
      templates: reg.templates().map(t => t.name).sort(),
      services: reg.services().length
    }
    if (init.apiUrl !== undefined) rec.apiUrl = init.apiUrl
    if (init.apiTlsFingerprint !== undefined) rec.apiTlsFingerprint = init.apiTlsFingerprint
    if (init.peerId !== undefined) rec.peerId = init.peerId
    return rec
  }

  async function localSearch (kind: SearchKind, query: string): Promise<Array<HostRecord | ServiceSearchRecord>> {
    if (kind !== 'services' && kind !== 'hosts') throw new InvalidArgumentError('kind', '"services" or "hosts"', kind)
    const match = components.matcher.compile(query)
    if (kind === 'hosts') {
      const h = await hostRecord()
      return match(h as unknown as Record<string, unknown>) ? [h] : []
    }
    const templates = new Map(reg.templates().map(t => [t.name, t.spec]))
    return reg.services()
      .map(s => toSearchRecord(s, templates.get(s.template) ?? { vcpus: 0, memoryMiB: 0 }))
      .filter(r => match(r as unknown as Record<string, unknown>))
  }

  let failoverState: FailoverState<ServiceRecord> | undefined
  const failoverClock: FailoverClock = components.failoverClock ?? {
    now: () => Date.now(),
    setTimeout: (fn, ms) => { const t = setTimeout(fn, ms); t.unref(); return t },
    clearTimeout: (t) => { clearTimeout(t as ReturnType<typeof setTimeout>) }
  }
  let namesAskedMs = -Infinity
  /** The membership as the agent sees it, by host name; names not yet known are learnt by a host search (at most every 10 s). */
  function failoverMembers (): Array<{ host: string, state: 'alive' | 'suspect' | 'failed', stateAgeMs: number }> {
    const members = network?.members?.() ?? []
    const involved = anyProtected() || (agent?.status().guarded ?? 0) > 0
    if (involved && members.some(m => m.host === m.peerId) && failoverClock.now() - namesAskedMs > 10_000 && network !== undefined) {
      namesAskedMs = failoverClock.now()
      network.search('hosts', '', { deadlineMs: ctx.options.searchDeadlineMs }).catch((err: unknown) => components.onError?.(err))
    }
    return members.map(m => ({ host: m.host, state: m.state, stateAgeMs: m.sinceS * 1000 }))
  }
  const anyProtected = (): boolean => reg.services().some(s => isProtected(s.restart))
  function recordFailoverEvent (e: FailoverEvent): void {
    // a host with no protected service has nothing to fence: its quorum is not news
    if ((e.kind === 'fenced' || e.kind === 'unfenced') && !anyProtected()) return
    switch (e.kind) {
      case 'fenced': ctx.events.emit({ kind: 'fenced', detail: `reached ${e.reached} of ${e.total} hosts: protected guests paused` }); break
      case 'unfenced': ctx.events.emit({ kind: 'unfenced', detail: `reached ${e.reached} of ${e.total} hosts` }); break
      case 'guarded': {
        const cp = e.checkpoint === undefined ? '' : `, checkpoint ${e.checkpoint.path}`
        ctx.events.emit({ kind: 'guarded', serviceId: e.serviceId, detail: `generation ${e.generation} on ${e.guardians.join(', ') || 'no host'}${cp}` })
        break
      }
      case 'taken-over': {
        const lost = e.workLostMs === undefined ? '' : `, ${(e.workLostMs / 1000).toFixed(1)} s of work lost`
        const how = e.resumed ? 'resumed from its checkpoint' : 'restarted from its template'
        const detail = `generation ${e.generation} from ${e.from}, ${how} in ${(e.durationMs / 1000).toFixed(1)} s${lost}`
        ctx.events.emit({ kind: 'taken-over', serviceId: e.serviceId, subject: e.from, detail })
        break
      }
      case 'takeover-failed': ctx.events.emit({ kind: 'failed', serviceId: e.serviceId, detail: `takeover at generation ${e.generation}: ${e.error}` }); break
      default: break // takeover, checkpoint-fetched, stale-discarded: recorded where they happen
    }
  }
  const agent = init.failover === undefined || init.failover === false
    ? undefined
    : new FailoverAgent<ServiceRecord>(init.failover, {
        self: hostname,
        clock: failoverClock,
        members: failoverMembers,
        local: coordinatorServices(ctx, failoverClock),
        peers: {
          guard: async (h, g) => {
            if (network === undefined) throw new InvalidArgumentError('network', 'an overlay to reach guardians through', 'none attached')
            await network.call(h, 'xenos.peer.guardService', [g])
          },
          claims: async (h, ids) => {
            if (network === undefined) throw new InvalidArgumentError('network', 'an overlay to reach peers through', 'none attached')
            return await network.call(h, 'xenos.peer.serviceClaims', [ids]) as Claim[]
          }
        },
        store: { load: async () => failoverState, save: async (s) => { failoverState = s; await store.save() } },
        onEvent: recordFailoverEvent,
        ...(components.onError === undefined ? {} : { onError: components.onError })
      })
  /** Images peers may fetch from here: templates' images, and the checkpoints of services held here (guardians fetch them). */
  function servable (path: string): boolean {
    return reg.templates().some(t => t.images.some(i => i.path === path)) || reg.services().some(s => s.checkpoints?.includes(path) === true)
  }

  /** Registers what the service config directory describes (nothing without one). */
  async function loadConfig (): Promise<ConfigSyncResult | undefined> {
    if (components.configSource === undefined) return undefined
    return await configSync(ctx, components.configSource, { createMissingImages: init.createMissingImages ?? false })
  }

  let stopWatchingMembers: (() => void) | undefined
  /** Another host failed, came back or left: an event on this host's log (suspicions are not events: most are refuted). */
  function recordMemberChange (c: MemberChange): void {
    const detail = c.reason
    if (c.to === 'failed') ctx.events.emit({ kind: 'host-failed', subject: c.host, ...(detail === undefined ? {} : { detail }) })
    else if (c.to === 'alive' && c.from === 'failed') ctx.events.emit({ kind: 'host-back', subject: c.host })
    else if (c.to === 'left') ctx.events.emit({ kind: 'host-left', subject: c.host, detail: detail ?? 'left' })
  }

  const self: Coordinator = {
    hostname,
    get status () { return status },
    get bootCount () { return bootCount },
    async start () {
      if (status === 'running') throw new InvalidArgumentError('status', 'a coordinator not yet started', status)
      const snap = await store.load()
      bootCount = (snap?.bootCount ?? 0) + 1
      if (snap !== undefined) reg.restore(snap)
      failoverState = snap?.failover
      reservations.clear()
      for (const r of snap?.reservations ?? []) reservations.set(r.migrationId, r.reservation)
      await store.save()
      status = 'running'
      const reattach = await reattachAll(ctx)
      for (const s of reg.services()) for (const g of s.groups) await network?.joinGroup?.(g, s.id)
      for (const g of reg.groups()) if (g.createdAtRuntime) await network?.joinGroup?.(g.name, HOST_MEMBER)
      stopWatchingMembers = network?.onMemberChange?.(recordMemberChange)
      const config = await loadConfig()
      await agent?.start()
      return config === undefined ? { reattach } : { reattach, config }
    },
    async stop () {
      if (status !== 'running') return
      status = 'stopped'
      stopWatchingMembers?.()
      await agent?.stop()
      await store.flush()
    },
    reload: guard(loadConfig),
    reconcile: guard(async () => await reconcileStates(ctx)),
    attachNetwork (n, f) {
      network = n
      if (f !== undefined) fetcher = f
    },
    hostRecord,
    clockReading: () => ({ clockS: driver.clock.nowS(), clock: driver.clockKind }),
    localSearch,
    search: guard(async (kind, query, options) => {
      if (kind !== 'services' && kind !== 'hosts') throw new InvalidArgumentError('kind', '"services" or "hosts"', kind)
      components.matcher.compile(query) // a malformed query is the caller's error, reported before any flooding
      if (network === undefined) return { results: await localSearch(kind, query) as unknown as Array<Record<string, unknown>>, nonResponders: [] }
      const { results, nonResponders } = await network.search(kind, query, { deadlineMs: options?.deadlineMs ?? ctx.options.searchDeadlineMs })
      return { results, nonResponders }
    }),
    members: () => network?.members?.() ?? [],
    removeMember (host) {
      const member = (network?.members?.() ?? []).find(m => m.host === host || m.peerId === host)
      if (member === undefined) throw new HostNotFoundError(host, hostname)
      if (member.state !== 'failed') throw new InvalidArgumentError('host', 'a failed host (a live one would refute its removal)', `${host}, ${member.state}`)
      network?.removeMember?.(member.peerId)
      return member
    },
    listServices: () => reg.services(),
    getService: id => reg.service(id),
    listTemplates: () => reg.templates(),
    getTemplate: name => reg.template(name),
    startService: guard(async id => await startService(ctx, id)),
    stopService: guard(async (id, o) => await stopService(ctx, id, o)),
    pauseService: guard(async id => await pauseService(ctx, id)),
    unpauseService: guard(async id => await unpauseService(ctx, id)),
    destroyService: guard(async id => await destroyService(ctx, id)),
    checkpointService: guard(async (id, o) => await checkpointService(ctx, id, o)),
    restoreService: guard(async (id, o) => await restoreService(ctx, id, o)),
    serviceStats: guard(async id => await serviceStats(ctx, id)),
    setRestartPolicy: guard(async (id, policy) => await setRestartPolicy(ctx, id, policy)),
    createInstance: guard(async (t, o) => {
      // Paper IV-B: templates replicate to where instances are wanted.
      if (typeof t === 'string' && reg.findTemplate(t) === undefined && network !== undefined && fetcher !== undefined) await replicateTemplate(ctx, t)
      return await createInstance(ctx, t, o)
    }),
    replicateTemplate: guard(async (t, o) => await replicateTemplate(ctx, t, o)),
    migrateService: guard(async (id, target, o) => await migrateService(ctx, id, target, o)),
    grant: guard(async (id, user) => {
      if (typeof user !== 'string' || user.length === 0) throw new InvalidArgumentError('user', 'a user name', user)
      const rec = reg.service(id)
      return rec.grantees.includes(user) ? rec : await reg.updateService(rec.id, { grantees: [...rec.grantees, user] })
    }),
    revoke: guard(async (id, user) => {
      const rec = reg.service(id)
      return rec.grantees.includes(user) ? await reg.updateService(rec.id, { grantees: rec.grantees.filter(u => u !== user) }) : rec
    }),
    listGroups: () => reg.groups(),
    createGroup: guard(async (name) => {
      const g = await reg.createGroup(name)
      // The host itself joins, so it can publish to the group and hear it (paper IV-C: a monitor's own group).
      await network?.joinGroup?.(name, HOST_MEMBER)
      return g
    }),
    joinGroup: guard(async (id, group) => {
      const rec = await reg.joinGroup(reg.service(id).id, group)
      await network?.joinGroup?.(group, rec.id)
      events.emit({ kind: 'group-joined', serviceId: rec.id, subject: group })
      return rec
    }),
    leaveGroup: guard(async (id, group) => {
      const rec = await reg.leaveGroup(reg.service(id).id, group)
      await network?.leaveGroup?.(group, rec.id)
      events.emit({ kind: 'group-left', serviceId: rec.id, subject: group })
      return rec
    }),
    publish: guard(async (group, message) => {
      assertGroupName(group)
      if (typeof message !== 'string') throw new InvalidArgumentError('message', 'a string', message)
      if (network?.publish === undefined) throw new InvalidArgumentError('group', 'an overlay to publish through', 'none attached')
      return await network.publish(group, message)
    }),
    forward: guard(async (host, method, params) => {
      if (network === undefined) throw new InvalidArgumentError('host', 'a host reachable through an overlay', `${host} (no overlay attached)`)
      return await network.call(host, method, params)
    }),
    deliverGroupMessage: (group, fromHost, text) => events.emit({ kind: 'group-message', subject: group, detail: `${fromHost}: ${text}` }),
    events: (sinceSeq, limit) => {
      if (!Number.isInteger(sinceSeq) || sinceSeq < 0) throw new InvalidArgumentError('sinceSeq', 'an integer >= 0', sinceSeq)
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 10_000)) {
        throw new InvalidArgumentError('limit', 'an integer from 1 to 10000', limit)
      }
      return events.since(sinceSeq, limit)
    },
    subscribe: listener => events.subscribe(listener),
    failoverStatus: () => agent?.status(),
    failover: agent,
    peer: {
      guardService: async (g, fromPeer) => {
        running()
        validateGuardRecord(g, 'guard')
        if (agent === undefined) throw new InvalidArgumentError('guard', 'a host that runs the failover agent', `host ${hostname} with failover off`)
        // only the host that runs a service announces it: a caller whose name is known must be the owner it names
        const caller = fromPeer === undefined ? undefined : network?.members?.().find(m => m.peerId === fromPeer)
        if (caller !== undefined && caller.host !== caller.peerId && caller.host !== g.owner) {
          throw new InvalidArgumentError('guard.owner', `the calling host ${caller.host}`, g.owner)
        }
        await agent.receiveGuard(g)
      },
      serviceClaims: (ids) => {
        running()
        return agent?.claimsFor(ids) ?? []
      },
      exportTemplate: name => reg.template(name),
      imageInfo: async (path) => {
        if (!servable(path)) throw new InvalidArgumentError('path', 'the image path of a template or a service checkpoint held here', path)
        return await driver.imageInfo(path)
      },
      imageManifest: async (path) => {
        if (!servable(path)) throw new InvalidArgumentError('path', 'the image path of a template or a service checkpoint held here', path)
        if (fetcher?.publish === undefined) {
          throw new InvalidArgumentError('path', 'a host whose image fetcher serves images by chunks', `host ${hostname}, whose fetcher serves none`)
        }
        return await fetcher.publish(path)
      },
      prepareMigration: async (req) => { running(); return await prepareIncoming(ctx, req) },
      commitMigration: async (id, record) => { running(); return await commitIncoming(ctx, id, record) },
      abortMigration: async id => await abortIncoming(ctx, id),
      migrationStatus: id => migrationStatus(ctx, id),
      migrationAdopted: async (id) => { running(); return await forgetAdopted(ctx, id) }
    }
  }
  return self
}

export type { CoordinatorEvent }
