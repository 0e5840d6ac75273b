/**
 * The Xenos API, declared once: every `xenos.*` method with its parameters
 * (types and checks), result type, help text and access level. From this
 * table come the XML-RPC registration with `system.methodHelp` and
 * `system.methodSignature` (`registerXenosApi`), the typed client
 * (`xenosClient`), the access checks (`method-table.ts`) and docs/api.md
 * (`api-doc.ts`; a test fails when the checked-in doc is not current).
 */
import type { StorageMigrationMode } from '@xenos/hypervisor-interface'
import type { ConfigSyncResult } from '../coordinator/config-sync.js'
import type { EventPage } from '../coordinator/event-log.js'
import type { MigrateResult, MigrationDestination, PrepareReply, PrepareRequest } from '../coordinator/migration.js'
import type { MemberView, ReplicationMethod } from '../coordinator/ports.js'
import type { GroupRecord, HostRecord, ServiceRecord, ServiceSearchRecord, TemplateRecord } from '../coordinator/records.js'
import type { ReplicateResult } from '../coordinator/replication.js'
import type { ServiceStats } from '../coordinator/service-ops.js'
import { AuthenticationError, UserNotFoundError } from '../auth/errors.js'
import { formatAuthorization, parseAuthorization, type Credentials } from '../xmlrpc/credentials.js'
import { InvalidArgumentError } from '../coordinator/errors.js'
import type { Claim, FailoverStatus, GuardRecord } from '../failover/agent.js'
import { CHECKPOINT_INTERVAL_RANGE_S, MAX_PLACEMENT_LENGTH, MAX_REPLICAS, RESTART_MODES } from '../failover/policy.js'
import type { MethodRegistry } from '../xmlrpc/registry.js'
import { method, registerApi, type ApiTable, type RegisterApiComponents, type UserDirectory } from './method-table.js'
import { integer, list, member, optional, options, record, returns, service, text } from './params.js'

/** What `xenos.searchServices` and `xenos.searchHosts` return. */
export interface SearchResults<R> { results: R[], nonResponders: string[] }

/** What `xenos.trust.status` answers: the cluster and the versions of the revocation lists held. */
export interface TrustStatus { cluster: string, peerId: string, hostsVersion: number, usersVersion: number }

const searchOptions = optional(options('options', 'search options', {
  deadlineMs: member.number('how long to wait for answers, in ms (default 2000)', { integer: true, min: 1, max: 600_000 })
}))

const NOT_FORWARDED = 'a method other than xenos.forward and xenos.peer.*'
const forwardable = (m: string): boolean => m !== 'xenos.forward' && !m.startsWith('xenos.peer.')

/** Every `xenos.*` method, by its name after `xenos.`. */
export const XENOS_API = {
  'hostInfo': method({
    access: 'user',
    params: [],
    returns: returns<HostRecord & { clockS: number, clock: 'wall' | 'simulated' }>('struct', 'the host record and its clock'),
    help: 'Returns this host\'s record: hostname, backend, cores, totalMemoryMiB, freeMemoryMiB, freeDiskBytes, freeDiskMiB, tags, templates, services, '
      + 'apiUrl, peerId; and clockS, the time on its driver\'s clock in seconds, with clock: "wall" (real hardware) or "simulated" '
      + '(a simulated host, whose durations are on that clock).',
    run: async (_, { coordinator }) => ({ ...await coordinator.hostRecord(), ...coordinator.clockReading() })
  }),
  'listServices': method({
    access: 'user',
    params: [optional(text('query', 'search query', { minLength: 0, maxLength: 4096 }))],
    returns: returns<ServiceRecord[]>('array', 'service records'),
    help: 'Returns the services of this host (structs as xenos.getService). An optional search query filters them, for example "state=running group:web".',
    run: async ([query], { coordinator: c }) => {
      if (query === undefined || query === '') return c.listServices()
      const ids = new Set((await c.localSearch('services', query)).map(r => (r as { id: string }).id))
      return c.listServices().filter(s => ids.has(s.id))
    }
  }),
  'getService': method({
    access: 'user',
    params: [service()],
    returns: returns<ServiceRecord>('struct', 'the service record'),
    help: 'Returns one service of this host by id or name: id, name, template, host, state, groups, attributes, endpoints, owner, grantees, '
      + 'domainName, guestHostname, mac, createdAt, origin.',
    run: (_, { target }) => target
  }),
  'listTemplates': method({
    access: 'user',
    params: [],
    returns: returns<TemplateRecord[]>('array', 'template records'),
    help: 'Returns the templates held by this host: name, spec, images, defaultGroups, defaultAttributes, endpoints, origin.',
    run: (_, { coordinator }) => coordinator.listTemplates()
  }),
  'searchServices': method({
    access: 'user',
    params: [text('query', 'search query', { minLength: 0, maxLength: 4096 }), searchOptions],
    returns: returns<SearchResults<ServiceSearchRecord>>('struct', '{results, nonResponders}'),
    help: 'Searches every reachable host for services matching a query (conditions separated by spaces, all must hold: field=value, field!=value, field>=N, '
      + 'field~glob, has:field, group:name). Options: {deadlineMs: int (default 2000)}. Returns {results: [service...], nonResponders: [host...]}.',
    run: async ([query, o], { coordinator }) => await coordinator.search('services', query, deadline(o)) as unknown as SearchResults<ServiceSearchRecord>
  }),
  'searchHosts': method({
    access: 'user',
    params: [text('query', 'search query ("" for every host)', { minLength: 0, maxLength: 4096 }), searchOptions],
    returns: returns<SearchResults<HostRecord>>('struct', '{results, nonResponders}'),
    help: 'Searches every reachable host for hosts matching a query, for example "freeMemoryMiB>=512 tag:ssd". Empty query: all hosts. '
      + 'Options: {deadlineMs: int}. Returns {results: [host...], nonResponders: [host...]}.',
    run: async ([query, o], { coordinator }) => await coordinator.search('hosts', query, deadline(o)) as unknown as SearchResults<HostRecord>
  }),

  'startService': method({
    access: 'owner',
    params: [service()],
    returns: returns<ServiceRecord>('struct', 'the service'),
    help: 'Starts a service of this host (no-op when running). Returns the service.',
    run: async (_, { coordinator, target }) => await coordinator.startService(target.id)
  }),
  'stopService': method({
    access: 'owner',
    params: [service(), optional(options('options', 'how to stop', {
      timeoutS: member.number('seconds to wait for the guest to shut down', { min: 0 }),
      force: member.boolean('destroy the domain when the timeout passes')
    }))],
    returns: returns<ServiceRecord>('struct', 'the service'),
    help: 'Shuts a service down gracefully. Options: {timeoutS: number, force: boolean} (force destroys it on timeout). No-op when stopped. '
      + 'Returns the service.',
    run: async ([, o], { coordinator, target }) => await coordinator.stopService(target.id, o ?? {})
  }),
  'pauseService': method({
    access: 'owner',
    params: [service()],
    returns: returns<ServiceRecord>('struct', 'the service'),
    help: 'Pauses a running service. Returns the service.',
    run: async (_, { coordinator, target }) => await coordinator.pauseService(target.id)
  }),
  'unpauseService': method({
    access: 'owner',
    params: [service()],
    returns: returns<ServiceRecord>('struct', 'the service'),
    help: 'Resumes a paused service. Returns the service.',
    run: async (_, { coordinator, target }) => await coordinator.unpauseService(target.id)
  }),
  'destroyService': method({
    access: 'owner',
    params: [service()],
    returns: returns<ServiceRecord>('struct', 'the last record of the service'),
    help: 'Pulls the plug on a service and forgets it: its domain and instance images are removed. Returns the last record.',
    run: async (_, { coordinator, target }) => await coordinator.destroyService(target.id)
  }),
  'checkpointService': method({
    access: 'owner',
    params: [service(), optional(options('options', 'checkpoint options', {
      leaveRunning: member.boolean('resume the service once saved (default true)')
    }))],
    returns: returns<{ service: ServiceRecord, checkpointPath: string }>('struct', '{service, checkpointPath}'),
    help: 'Saves a running or paused service\'s memory to a checkpoint file. Options: {leaveRunning: boolean (default true)}. '
      + 'Returns {service, checkpointPath}.',
    run: async ([, o], { coordinator, target }) => await coordinator.checkpointService(target.id, o ?? {})
  }),
  'setRestartPolicy': method({
    access: 'owner',
    params: [service(), options('policy', 'restart policy', {
      mode: member.oneOf(RESTART_MODES, 'never (the default), restart (a new domain from its template) or resume (its latest checkpoint)'),
      placement: member.string('host search query a host must match to run it again (default: any host)', { maxLength: MAX_PLACEMENT_LENGTH }),
      checkpointIntervalS: member.number('resume: seconds between two checkpoints (default 60)', CHECKPOINT_INTERVAL_RANGE_S),
      replicas: member.number('hosts that hold its record and latest checkpoint (default 2)', { integer: true, min: 1, max: MAX_REPLICAS })
    })],
    returns: returns<ServiceRecord>('struct', 'the service'),
    help: 'Sets what the surviving hosts do with a service of this host when this host fails: {mode: "never" | "restart" | "resume", '
      + 'placement: host search query, checkpointIntervalS: number, replicas: int}; missing members take their defaults (never, any host, 60 s, 2). '
      + 'With resume, a checkpoint is taken every checkpointIntervalS and replicated to the first replicas hosts that match the placement. '
      + 'Returns the service.',
    run: async ([, policy], { coordinator, target }) => await coordinator.setRestartPolicy(target.id, policy)
  }),
  'failoverStatus': method({
    access: 'user',
    params: [],
    returns: returns<FailoverStatus | Record<string, never>>('struct', '{quorum: {quorum, total, reached}, fenced, guarded}, or {} when failover is off'),
    help: 'Returns this host\'s failover view: quorum {quorum: boolean, total, reached} (hosts of its membership and how many it reaches, itself '
      + 'included), fenced (its protected guests are paused because it is cut off), guarded (services of other hosts it holds records of). '
      + 'An empty struct when failover is off.',
    run: (_, { coordinator }) => coordinator.failoverStatus() ?? {}
  }),
  'restoreService': method({
    access: 'owner',
    params: [service(), optional(options('options', 'restore options', {
      checkpoint: member.string('the checkpoint to restore, as xenos.checkpointService named it (default the latest)', { minLength: 1, maxLength: 4096 })
    }))],
    returns: returns<ServiceRecord>('struct', 'the service'),
    help: 'Runs a stopped service again from a checkpoint taken by xenos.checkpointService on this host (the latest by default), with the memory it had '
      + 'when saved. Options: {checkpoint: path}. Returns the service.',
    run: async ([, o], { coordinator, target }) => await coordinator.restoreService(target.id, o ?? {})
  }),
  'serviceStats': method({
    access: 'owner',
    params: [service()],
    returns: returns<ServiceStats>('struct', 'state and resource use'),
    help: 'Returns a service\'s state and resource use: {id, name, state, vcpus, memoryMiB, uptimeS, '
      + 'usage: {cpuTimeS, memoryMiB, diskReadBytes, diskWriteBytes, netRxBytes, netTxBytes}}.',
    run: async (_, { coordinator, target }) => await coordinator.serviceStats(target.id)
  }),

  'createInstance': method({
    access: 'user',
    params: [text('template', 'template name'), optional(options('options', 'the new instance', {
      name: member.string('service name (one is made from the template\'s when absent)'),
      groups: member.strings('groups to join'),
      attributes: member.stringMap('attributes'),
      start: member.boolean('start it once created'),
      clone: member.oneOf(['cow', 'copy'], 'copy-on-write clone or full copy of the template\'s images')
    }))],
    returns: returns<ServiceRecord>('struct', 'the new service'),
    help: 'Creates a new service on this host from a template (replicated from peers first if this host lacks it), owned by the caller. '
      + 'Options: {name, groups: [string], attributes: {string: string}, start: boolean, clone: "cow" | "copy"}. '
      + 'The instance gets its own id, name, MAC and guest host name. Returns the service.',
    run: async ([template, o = {}], { coordinator: c, caller }) => {
      const { start, ...rest } = o
      const created = await c.createInstance(template, { ...rest, owner: caller })
      return start === true ? await c.startService(created.id) : created
    }
  }),
  'replicateTemplate': method({
    access: 'admin',
    params: [text('template', 'template name'), optional(options('options', 'where from and how', {
      holders: member.strings('host names to pull from (found by a host search when absent)'),
      method: member.oneOf<ReplicationMethod>(['chunked', 'whole-copy'], 'chunked from several holders, or the paper\'s whole copy')
    }))],
    returns: returns<ReplicateResult>('struct', '{template, alreadyPresent, holders, bytes, bytesBySource, method, networkS, localCopyBytes, localCopyS}'),
    help: 'Administrators only: makes this host hold a template, pulling it from peers. Options: {holders: [host name], method: "chunked" | "whole-copy"} '
      + '("whole-copy" is the paper\'s method: one holder, then a local copy). '
      + 'Returns {template, alreadyPresent, holders, bytes, bytesBySource: {host: bytes}, method, networkS, localCopyBytes, localCopyS} '
      + '(seconds on the backend\'s clock); with "chunked", hosts fetching the same template at once trade chunks '
      + '(the image\'s swarm), so bytesBySource may name them beside the holders.',
    run: async ([template, o = {}], { coordinator }) => await coordinator.replicateTemplate(template, {
      ...(o.holders === undefined ? {} : { fromPeers: o.holders }),
      ...(o.method === undefined ? {} : { method: o.method })
    })
  }),
  'migrateService': method({
    access: 'owner',
    params: [service(), text('target', 'a host name, or a search query', { minLength: 0, maxLength: 4096 }), optional(options('options', 'how to migrate', {
      live: member.boolean('keep the service running while its memory is copied'),
      storage: member.oneOf<StorageMigrationMode>(['none', 'stop-and-copy', 'pre-copy'], 'how disk images move')
    }))],
    returns: returns<MigrateResult>('struct', '{service, fromHost, toHost, report}'),
    help: 'Migrates a service of this host. Target: a host name, or a search query (anything with = < > ~ : or a space, or "" for any host); '
      + 'with a query the host with most free memory among the matches is chosen. Options: {live: boolean, storage: "none" | "stop-and-copy" | "pre-copy"}. '
      + 'The service keeps its id and groups; on failure it stays here. Returns {service, fromHost, toHost, report}.',
    run: async ([, to, o], { coordinator, target }) => await coordinator.migrateService(target.id, destinationOf(to), o ?? {})
  }),
  'grant': method({
    access: 'admin',
    params: [service(), text('user', 'user name')],
    returns: returns<ServiceRecord>('struct', 'the service'),
    help: 'Administrators only: lets a user control a service of this host it does not own. The user must exist (fault 404 otherwise). Returns the service.',
    run: async ([, user], { coordinator, target, users }) => {
      await assertUser(users, user)
      return await coordinator.grant(target.id, user)
    }
  }),
  'revoke': method({
    access: 'admin',
    params: [service(), text('user', 'user name')],
    returns: returns<ServiceRecord>('struct', 'the service'),
    help: 'Administrators only: withdraws a grant made with xenos.grant. Returns the service.',
    run: async ([, user], { coordinator, target }) => await coordinator.revoke(target.id, user)
  }),

  'createGroup': method({
    access: 'user',
    params: [text('group', 'group name')],
    returns: returns<GroupRecord>('struct', '{name, members, createdAtRuntime}'),
    help: 'Creates a group on this host (services join it with xenos.joinGroup). Returns {name, members, createdAtRuntime}.',
    run: async ([group], { coordinator }) => await coordinator.createGroup(group)
  }),
  'joinGroup': method({
    access: 'owner',
    params: [service(), text('group', 'group name')],
    returns: returns<ServiceRecord>('struct', 'the service'),
    help: 'Adds a service of this host to a group (made if new). Returns the service.',
    run: async ([, group], { coordinator, target }) => await coordinator.joinGroup(target.id, group)
  }),
  'leaveGroup': method({
    access: 'owner',
    params: [service(), text('group', 'group name')],
    returns: returns<ServiceRecord>('struct', 'the service'),
    help: 'Removes a service of this host from a group. Returns the service.',
    run: async ([, group], { coordinator, target }) => await coordinator.leaveGroup(target.id, group)
  }),
  'listGroups': method({
    access: 'user',
    params: [],
    returns: returns<GroupRecord[]>('array', 'group records'),
    help: 'Returns the groups this host knows: {name, members: [service id], createdAtRuntime}.',
    run: (_, { coordinator }) => coordinator.listGroups()
  }),
  'publish': method({
    access: 'user',
    params: [text('group', 'group name'), text('message', 'the text to send', { minLength: 0, maxLength: 65_536 })],
    returns: returns<{ delivered: number }>('struct', '{delivered}'),
    help: 'Publishes a text message to a group over the overlay; only the group\'s members receive it. Returns {delivered}.',
    run: async ([group, message], { coordinator }) => await coordinator.publish(group, message)
  }),
  'events': method({
    access: 'user',
    params: [integer('sinceSeq', 'sequence number after which to list events (0 for all kept)', { min: 0 }),
      optional(integer('limit', 'most events to return (default 1000)', { min: 1, max: 10_000 }))],
    returns: returns<EventPage>('struct', '{bootCount, events, nextSeq, missed}'),
    help: 'Returns events after sequence number sinceSeq (0 for all kept), at most limit (default 1000): '
      + '{bootCount, events: [{seq, bootCount, kind, host, serviceId, subject, at, detail}], nextSeq, missed}. '
      + 'Poll with the returned nextSeq; a new bootCount means the host restarted and numbering began again.',
    run: ([sinceSeq, limit], { coordinator }) => coordinator.events(sinceSeq, limit)
  }),

  'reload': method({
    access: 'admin',
    params: [],
    returns: returns<ConfigSyncResult>('struct', '{templates, services, problems}'),
    help: 'Administrators only: re-reads the service config directory (new and changed template and service files). '
      + 'Returns {templates: [name], services: [name], problems: [{file, line, column, field, message}]}; a broken file is a problem, the others still load.',
    run: async (_, { coordinator }) => await coordinator.reload() ?? { templates: [], services: [], problems: [] }
  }),
  'listMembers': method({
    access: 'user',
    params: [],
    returns: returns<MemberView[]>('array', 'the other hosts'),
    help: 'Returns the other hosts of the overlay as this host sees them: {host, peerId, state: "alive" | "suspect" | "failed", sinceS, reason}. '
      + 'A failed host is named by every search until it comes back, leaves, or an administrator removes it (xenos.removeMember).',
    run: (_, { coordinator }) => coordinator.members()
  }),
  'removeMember': method({
    access: 'admin',
    params: [text('host', 'host name or peer id')],
    returns: returns<MemberView>('struct', 'the host removed'),
    help: 'Administrators only: removes a failed host from every host\'s membership, so that searches stop naming it (a host gone for good). '
      + 'Fault 404 for a host not in the membership, 400 for one that is not failed (a live host would refute its removal). Returns the host as it was.',
    run: ([host], { coordinator }) => coordinator.removeMember(host)
  }),
  'forward': method({
    access: 'user',
    params: [text('host', 'host name'), text('method', 'method name'), list('params', 'the method\'s parameters')],
    returns: returns<unknown>('any', 'what the method returns'),
    help: 'Calls a method on another host through the overlay, as the caller: forward(hostName, methodName, params). For clients that reach only this host. '
      + 'The caller\'s own credentials travel with the call and the other host checks them itself. xenos.forward and xenos.peer.* cannot be forwarded.',
    run: async ([host, m, params], { coordinator: c, context, dispatch }) => {
      if (!forwardable(m)) throw new InvalidArgumentError('method', NOT_FORWARDED, m)
      if (host === c.hostname) return await dispatch(m, params, context)
      if (context.credentials === undefined) throw new AuthenticationError('the caller\'s credentials to forward', 'none')
      return await c.forward(host, 'xenos.peer.invoke', [formatAuthorization(context.credentials), m, params])
    }
  }),
  'trust.publish': method({
    access: 'admin',
    params: [record<{ payload?: unknown, signature?: unknown }>('list', 'a signed revocation list {payload, signature}')],
    returns: returns<{ kind: string, version: number, adopted: boolean }>('struct', '{kind, version, adopted}'),
    help: 'Administrators only: adopts a revocation list signed by the cluster\'s admission key (hosts) or issuing key (users), {payload, signature}, '
      + 'when it is newer than the one held, and spreads it to every host of the overlay (docs/security.md). Returns {kind, version, adopted}.',
    run: async ([doc], { trustSync }) => {
      if (trustSync === undefined) {
        throw new InvalidArgumentError('xenos.trust.publish', 'a host of a closed overlay (with cluster credentials)', 'an open overlay')
      }
      const { payload, signature } = doc
      if (typeof payload !== 'string' || typeof signature !== 'string') {
        throw new InvalidArgumentError('list', 'a struct {payload: string, signature: string}', Object.keys(doc).join(', '))
      }
      try {
        return await trustSync.publish({ payload, signature })
      } catch (err) {
        if ((err as Error).name === 'SignedDocumentError') {
          throw new InvalidArgumentError('list', 'a revocation list signed by this cluster', (err as Error).message)
        }
        throw err
      }
    }
  }),
  'trust.status': method({
    access: 'admin',
    params: [],
    returns: returns<TrustStatus>('struct', '{cluster, peerId, hostsVersion, usersVersion}'),
    help: 'Administrators only: this host\'s cluster and the versions of the revocation lists it holds: {cluster, peerId, hostsVersion, usersVersion} '
      + '(cluster "" on an open overlay).',
    run: (_, { trustSync }) => {
      const t = trustSync?.trust
      return { cluster: t?.clusterId ?? '', peerId: t?.peerId ?? '', hostsVersion: t?.versions().hosts ?? 0, usersVersion: t?.versions().users ?? 0 }
    }
  }),

  'peer.invoke': method({
    access: 'peer',
    params: [text('authorization', 'the user\'s own Authorization header value', { minLength: 0, maxLength: 8192 }), text('method', 'method name'),
      list('params', 'the method\'s parameters')],
    returns: returns<unknown>('any', 'what the method returns'),
    help: 'Coordinators only: runs a call forwarded by another host (xenos.forward): invoke(authorization, methodName, params), where authorization is '
      + 'the user\'s own Authorization header value ("Bearer <token>"). This host checks those credentials itself; '
      + 'the forwarding host\'s word counts for nothing.',
    run: async ([authorization, m, params], { context, dispatch, authenticate }) => {
      if (!forwardable(m)) throw new InvalidArgumentError('method', NOT_FORWARDED, m)
      if (authenticate === undefined) throw new AuthenticationError('a host that can check forwarded credentials', 'one without an authenticator')
      let credentials: Credentials | undefined
      try {
        credentials = parseAuthorization(authorization)
      } catch (err) {
        throw new AuthenticationError('the user\'s Authorization header value', (err as Error).message)
      }
      if (credentials === undefined) throw new AuthenticationError('the user\'s credentials', 'none')
      const principal = await authenticate(credentials)
      const forwarded = { transport: 'forwarded', principal, credentials, ...(context.remotePeer === undefined ? {} : { remotePeer: context.remotePeer }) }
      return await dispatch(m, params, forwarded)
    }
  }),
  'peer.exportTemplate': method({
    access: 'peer',
    params: [text('template', 'template name')],
    returns: returns<TemplateRecord>('struct', 'the template record'),
    help: 'Coordinators only: returns a template record so a peer can replicate it.',
    run: ([name], { coordinator }) => coordinator.peer.exportTemplate(name)
  }),
  'peer.imageInfo': method({
    access: 'peer',
    params: [text('path', 'image path', { maxLength: 4096 })],
    returns: returns<{ path: string, sizeBytes: number, allocatedBytes: number, format: string }>('struct', '{path, sizeBytes, allocatedBytes, format}'),
    help: 'Coordinators only: size and format of an image of a template held here: {path, sizeBytes, allocatedBytes, format}.',
    run: async ([path], { coordinator }) => await coordinator.peer.imageInfo(path)
  }),
  'peer.imageManifest': method({
    access: 'peer',
    params: [text('path', 'image path', { maxLength: 4096 })],
    returns: returns<{ manifestHash: string, sizeBytes: number }>('struct', '{manifestHash, sizeBytes}'),
    help: 'Coordinators only: serves an image of a template held here by chunks and returns {manifestHash, sizeBytes}.',
    run: async ([path], { coordinator }) => await coordinator.peer.imageManifest(path)
  }),
  'peer.prepareMigration': method({
    access: 'peer',
    params: [record<PrepareRequest>('request', 'the migration to prepare')],
    returns: returns<PrepareReply>('struct', '{migrationTarget}'),
    help: 'Coordinators only: the target of a migration checks room, fetches the template and reserves memory and disk. Returns {migrationTarget}.',
    run: async ([req], { coordinator }) => await coordinator.peer.prepareMigration(req)
  }),
  'peer.guardService': method({
    access: 'peer',
    params: [record<GuardRecord<ServiceRecord>>('guard', 'the guard record {serviceId, generation, owner, policy, guardians, checkpoint, record}')],
    returns: returns<boolean>('boolean', 'true once held'),
    help: 'Coordinators only: the host that runs a service with a restart policy names this host one of its guardians. This host keeps the record '
      + 'and, for resume, fetches the checkpoint from the owner before it answers; a copy of the service running here at a lower generation is destroyed. '
      + 'Returns true.',
    run: async ([g], { coordinator, context }) => { await coordinator.peer.guardService(g, context.remotePeer); return true }
  }),
  'peer.serviceClaims': method({
    access: 'peer',
    params: [list('ids', 'service ids')],
    returns: returns<Claim[]>('array', '[{serviceId, generation, owner}]'),
    help: 'Coordinators only: the generation and owner this host knows (runs or guards) of each service named. '
      + 'A host coming back asks it before resuming its protected services.',
    run: ([ids], { coordinator }) => {
      if (ids.length > 10_000 || ids.some(id => typeof id !== 'string')) throw new InvalidArgumentError('ids', 'at most 10000 service ids', ids.length)
      return coordinator.peer.serviceClaims(ids as string[])
    }
  }),
  'peer.commitMigration': method({
    access: 'peer',
    params: [text('migrationId', 'migration id'), record<ServiceRecord>('record', 'the service record')],
    returns: returns<ServiceRecord>('struct', 'the service'),
    help: 'Coordinators only: the target registers a service that has just migrated to it. Returns the service.',
    run: async ([id, rec], { coordinator }) => await coordinator.peer.commitMigration(id, rec)
  }),
  'peer.migrationAdopted': method({
    access: 'peer',
    params: [text('serviceId', 'service id')],
    returns: returns<boolean>('boolean', 'whether there was a tombstone'),
    help: 'Coordinators only: the target of a migration whose commit was lost has adopted the service; the source forgets its tombstone. '
      + 'Returns whether there was one.',
    run: async ([id], { coordinator }) => await coordinator.peer.migrationAdopted(id)
  }),
  'peer.migrationStatus': method({
    access: 'peer',
    params: [text('migrationId', 'migration id')],
    returns: returns<{ sending: boolean, expecting: boolean }>('struct', '{sending, expecting}'),
    help: 'Coordinators only: either side of a migration asks the other about it. '
      + 'Returns {sending: this host is sending it now, expecting: this host holds its reservation}.',
    run: ([id], { coordinator }) => coordinator.peer.migrationStatus(id)
  }),
  'peer.abortMigration': method({
    access: 'peer',
    params: [text('migrationId', 'migration id')],
    returns: returns<boolean>('boolean', 'whether one was pending'),
    help: 'Coordinators only: the target drops a prepared migration and what it fetched for it. Returns whether one was pending.',
    run: async ([id], { coordinator }) => await coordinator.peer.abortMigration(id)
  })
} satisfies ApiTable

/** The name every method of the table is registered under: `xenos.` and its key. */
export const XENOS_PREFIX = 'xenos.'

/** Names of every method `registerXenosApi` adds. */
export const XENOS_METHODS: readonly string[] = Object.keys(XENOS_API).map(k => `${XENOS_PREFIX}${k}`)

/** Registers the `xenos.*` methods of `XENOS_API` over `components.coordinator`. */
export function registerXenosApi (registry: MethodRegistry, components: RegisterApiComponents): void {
  registerApi(registry, XENOS_API, XENOS_PREFIX, components)
}

function deadline (o: { deadlineMs?: number } | undefined): { deadlineMs?: number } {
  return o?.deadlineMs === undefined ? {} : { deadlineMs: o.deadlineMs }
}

async function assertUser (users: UserDirectory | undefined, user: string): Promise<void> {
  if (users === undefined) throw new UserNotFoundError(user, 'this host has no user directory')
  if (!await users.exists(user)) throw new UserNotFoundError(user, 'no such user')
}

/** A host name, or a search query when the text has operators or spaces (or is empty). */
export function destinationOf (target: string): MigrationDestination {
  if (target.trim() === '' || /[=<>~:\s]/.test(target.trim())) return { query: target.trim() }
  return { host: target.trim() }
}
