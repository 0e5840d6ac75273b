/**
 * The `xenos.*` methods, registered in a `MethodRegistry`
 * with signatures and help, served the same over HTTP and over the overlay.
 * Every handler validates its parameters, checks the caller's rights, and
 * turns typed errors into faults with codes (see `faults.ts`).
 */
import type { Coordinator } from '../coordinator/coordinator.js'
import type { MigrationDestination } from '../coordinator/migration.js'
import type { ServiceRecord } from '../coordinator/records.js'
import type { CallContext } from '../xmlrpc/context.js'
import type { MethodRegistry } from '../xmlrpc/registry.js'
import { assertPeer, authorize, callerName } from './authorize.js'
import { faultFor } from './faults.js'
import { StructReader, nonEmpty, toXmlRpc } from './values.js'
import type { XmlRpcStruct } from '../xmlrpc/values.js'
import { InvalidArgumentError } from '../coordinator/errors.js'
import type { ParamSpec, ParamsOf, SignatureType } from '../xmlrpc/signature.js'
import type { ReplicationMethod } from '../coordinator/ports.js'
import type { StorageMigrationMode } from '@xenos/hypervisor-interface'

/** Names of every method `registerXenosApi` adds. */
export const XENOS_METHODS = [
  'xenos.hostInfo', 'xenos.listServices', 'xenos.getService', 'xenos.listTemplates', 'xenos.searchServices', 'xenos.searchHosts',
  'xenos.startService', 'xenos.stopService', 'xenos.pauseService', 'xenos.unpauseService', 'xenos.destroyService',
  'xenos.checkpointService', 'xenos.serviceStats', 'xenos.createInstance', 'xenos.replicateTemplate', 'xenos.migrateService',
  'xenos.grant', 'xenos.revoke', 'xenos.createGroup', 'xenos.joinGroup', 'xenos.leaveGroup', 'xenos.listGroups', 'xenos.publish', 'xenos.events',
  'xenos.reload', 'xenos.forward', 'xenos.peer.invoke',
  'xenos.peer.exportTemplate', 'xenos.peer.imageInfo', 'xenos.peer.imageManifest', 'xenos.peer.prepareMigration', 'xenos.peer.commitMigration', 'xenos.peer.abortMigration', 'xenos.peer.migrationAdopted'
] as const

/** Methods checked against a target service inside their handler (`controlled`). */
const OWNER_LEVEL = new Set(['xenos.startService', 'xenos.stopService', 'xenos.pauseService', 'xenos.unpauseService', 'xenos.destroyService', 'xenos.checkpointService', 'xenos.serviceStats', 'xenos.migrateService', 'xenos.joinGroup', 'xenos.leaveGroup'])

type Handler<P extends readonly ParamSpec[]> = (params: ParamsOf<P>, context: CallContext) => unknown

export function registerXenosApi (registry: MethodRegistry, components: { coordinator: Coordinator }): void {
  const c = components.coordinator

  function def<const P extends readonly ParamSpec[]> (name: string, params: P, returns: SignatureType, help: string, handler: Handler<P>, access: 'public' | 'authenticated' = 'authenticated'): void {
    registry.register({
      name, params, returns, help, access,
      handler: async (p, context) => {
        try {
          if (access === 'authenticated' && !OWNER_LEVEL.has(name)) authorize(context, name)
          return toXmlRpc(await handler(p, context))
        } catch (err) {
          throw faultFor(err) ?? err
        }
      }
    })
  }

  /** The local service named by `id`, if the caller may control it. */
  function controlled (method: string, id: string, context: CallContext): ServiceRecord {
    const s = c.getService(nonEmpty(id, 'id'))
    authorize(context, method, s)
    return s
  }

  def('xenos.hostInfo', [], 'struct',
    'Returns this host\'s record: hostname, backend, cores, totalMemoryMiB, freeMemoryMiB, freeDiskBytes, freeDiskMiB, tags, templates, services, apiUrl, peerId.',
    async () => await c.hostRecord())
  def('xenos.listServices', ['string?'], 'array',
    'Returns the services of this host (structs as xenos.getService). An optional search query filters them, for example "state=running group:web".',
    async ([query]) => {
      if (query === undefined || query === '') return c.listServices()
      const ids = new Set((await c.localSearch('services', query)).map(r => (r as { id: string }).id))
      return c.listServices().filter(s => ids.has(s.id))
    })
  def('xenos.getService', ['string'], 'struct',
    'Returns one service of this host by id or name: id, name, template, host, state, groups, attributes, endpoints, owner, grantees, domainName, guestHostname, mac, createdAt, origin.',
    ([id]) => c.getService(nonEmpty(id, 'id')))
  def('xenos.listTemplates', [], 'array',
    'Returns the templates held by this host: name, spec, images, defaultGroups, defaultAttributes, endpoints, origin.',
    () => c.listTemplates())
  def('xenos.searchServices', ['string', 'struct?'], 'struct',
    'Searches every reachable host for services matching a query (conditions separated by spaces, all must hold: field=value, field!=value, field>=N, field~glob, has:field, group:name). Options: {deadlineMs: int (default 2000)}. Returns {results: [service...], nonResponders: [host...]}.',
    async ([query, opts]) => await c.search('services', query, deadlineOf(opts)))
  def('xenos.searchHosts', ['string', 'struct?'], 'struct',
    'Searches every reachable host for hosts matching a query, for example "freeMemoryMiB>=512 tag:ssd". Empty query: all hosts. Options: {deadlineMs: int}. Returns {results: [host...], nonResponders: [host...]}.',
    async ([query, opts]) => await c.search('hosts', query, deadlineOf(opts)))

  def('xenos.startService', ['string'], 'struct', 'Starts a service of this host (no-op when running). Returns the service.',
    async ([id], ctx) => await c.startService(controlled('xenos.startService', id, ctx).id))
  def('xenos.stopService', ['string', 'struct?'], 'struct',
    'Shuts a service down gracefully. Options: {timeoutS: number, force: boolean} (force destroys it on timeout). No-op when stopped. Returns the service.',
    async ([id, opts], ctx) => {
      const r = new StructReader(opts, 'options', ['timeoutS', 'force'])
      const o: { timeoutS?: number, force?: boolean } = {}
      const timeoutS = r.number('timeoutS'); const force = r.boolean('force')
      if (timeoutS !== undefined) o.timeoutS = timeoutS
      if (force !== undefined) o.force = force
      return await c.stopService(controlled('xenos.stopService', id, ctx).id, o)
    })
  def('xenos.pauseService', ['string'], 'struct', 'Pauses a running service. Returns the service.',
    async ([id], ctx) => await c.pauseService(controlled('xenos.pauseService', id, ctx).id))
  def('xenos.unpauseService', ['string'], 'struct', 'Resumes a paused service. Returns the service.',
    async ([id], ctx) => await c.unpauseService(controlled('xenos.unpauseService', id, ctx).id))
  def('xenos.destroyService', ['string'], 'struct', 'Pulls the plug on a service and forgets it: its domain and instance images are removed. Returns the last record.',
    async ([id], ctx) => await c.destroyService(controlled('xenos.destroyService', id, ctx).id))
  def('xenos.checkpointService', ['string', 'struct?'], 'struct',
    'Saves a running or paused service\'s memory to a checkpoint file. Options: {leaveRunning: boolean (default true)}. Returns {service, checkpointPath}.',
    async ([id, opts], ctx) => {
      const leaveRunning = new StructReader(opts, 'options', ['leaveRunning']).boolean('leaveRunning')
      return await c.checkpointService(controlled('xenos.checkpointService', id, ctx).id, leaveRunning === undefined ? {} : { leaveRunning })
    })
  def('xenos.serviceStats', ['string'], 'struct',
    'Returns a service\'s state and resource use: {id, name, state, vcpus, memoryMiB, uptimeS, usage: {cpuTimeS, memoryMiB, diskReadBytes, diskWriteBytes, netRxBytes, netTxBytes}}.',
    async ([id], ctx) => await c.serviceStats(controlled('xenos.serviceStats', id, ctx).id))

  def('xenos.createInstance', ['string', 'struct?'], 'struct',
    'Creates a new service on this host from a template (replicated from peers first if this host lacks it), owned by the caller. Options: {name, groups: [string], attributes: {string: string}, start: boolean, clone: "cow" | "copy"}. The instance gets its own id, name, MAC and guest host name. Returns the service.',
    async ([template, opts], ctx) => {
      const r = new StructReader(opts, 'options', ['name', 'groups', 'attributes', 'start', 'clone'])
      const o: Parameters<Coordinator['createInstance']>[1] = { owner: callerName(ctx) }
      const name = r.string('name'); const groups = r.strings('groups'); const attributes = r.stringMap('attributes')
      if (name !== undefined) o.name = name
      if (groups !== undefined) o.groups = groups
      if (attributes !== undefined) o.attributes = attributes
      const clone = r.string('clone')
      if (clone !== undefined) {
        if (clone !== 'cow' && clone !== 'copy') throw new InvalidArgumentError('options.clone', '"cow" or "copy"', clone)
        o.clone = clone
      }
      const start = r.boolean('start')
      const created = await c.createInstance(nonEmpty(template, 'template'), o)
      return start === true ? await c.startService(created.id) : created
    })
  def('xenos.replicateTemplate', ['string', 'struct?'], 'struct',
    'Administrators only: makes this host hold a template, pulling it from peers. Options: {holders: [host name], method: "chunked" | "whole-copy"} ("whole-copy" is the paper\'s method: one holder, then a local copy). Returns {template, alreadyPresent, holders, bytes, bytesBySource: {host: bytes}, method}; with "chunked", hosts fetching the same template at once trade chunks (the image\'s swarm), so bytesBySource may name them beside the holders.',
    async ([template, opts]) => {
      const r = new StructReader(opts, 'options', ['holders', 'method'])
      const o: { fromPeers?: string[], method?: ReplicationMethod } = {}
      const fromPeers = r.strings('holders'); const method = r.string('method')
      if (fromPeers !== undefined) o.fromPeers = fromPeers
      if (method !== undefined) {
        if (method !== 'chunked' && method !== 'whole-copy') throw new InvalidArgumentError('options.method', '"chunked" or "whole-copy"', method)
        o.method = method
      }
      return await c.replicateTemplate(nonEmpty(template, 'template'), o)
    })
  def('xenos.migrateService', ['string', 'string', 'struct?'], 'struct',
    'Migrates a service of this host. Target: a host name, or a search query (anything with = < > ~ : or a space, or "" for any host); with a query the host with most free memory among the matches is chosen. Options: {live: boolean, storage: "none" | "stop-and-copy" | "pre-copy"}. The service keeps its id and groups; on failure it stays here. Returns {service, fromHost, toHost, report}.',
    async ([id, target, opts], ctx) => {
      const s = controlled('xenos.migrateService', id, ctx)
      const r = new StructReader(opts, 'options', ['live', 'storage'])
      const o: { live?: boolean, storage?: StorageMigrationMode } = {}
      const live = r.boolean('live'); const storage = r.string('storage')
      if (live !== undefined) o.live = live
      if (storage !== undefined) {
        if (storage !== 'none' && storage !== 'stop-and-copy' && storage !== 'pre-copy') throw new InvalidArgumentError('options.storage', '"none", "stop-and-copy" or "pre-copy"', storage)
        o.storage = storage
      }
      return await c.migrateService(s.id, destinationOf(target), o)
    })
  def('xenos.grant', ['string', 'string'], 'struct', 'Administrators only: lets a user control a service of this host it does not own. Returns the service.',
    async ([id, user]) => await c.grant(c.getService(nonEmpty(id, 'id')).id, nonEmpty(user, 'user')))
  def('xenos.revoke', ['string', 'string'], 'struct', 'Administrators only: withdraws a grant made with xenos.grant. Returns the service.',
    async ([id, user]) => await c.revoke(c.getService(nonEmpty(id, 'id')).id, nonEmpty(user, 'user')))

  def('xenos.createGroup', ['string'], 'struct', 'Creates a group on this host (services join it with xenos.joinGroup). Returns {name, members, createdAtRuntime}.',
    async ([group]) => await c.createGroup(group))
  def('xenos.joinGroup', ['string', 'string'], 'struct', 'Adds a service of this host to a group (made if new). Returns the service.',
    async ([id, group], ctx) => await c.joinGroup(controlled('xenos.joinGroup', id, ctx).id, group))
  def('xenos.leaveGroup', ['string', 'string'], 'struct', 'Removes a service of this host from a group. Returns the service.',
    async ([id, group], ctx) => await c.leaveGroup(controlled('xenos.leaveGroup', id, ctx).id, group))
  def('xenos.listGroups', [], 'array', 'Returns the groups this host knows: {name, members: [service id], createdAtRuntime}.',
    () => c.listGroups())
  def('xenos.publish', ['string', 'string'], 'struct', 'Publishes a text message to a group over the overlay; only the group\'s members receive it. Returns {delivered}.',
    async ([group, message]) => await c.publish(group, message))
  def('xenos.events', ['int', 'int?'], 'struct',
    'Returns events after sequence number sinceSeq (0 for all kept), at most limit (default 1000): {bootCount, events: [{seq, bootCount, kind, host, serviceId, subject, at, detail}], nextSeq, missed}. Poll with the returned nextSeq; a new bootCount means the host restarted and numbering began again.',
    ([sinceSeq, limit]) => c.events(sinceSeq, limit))

  def('xenos.reload', [], 'struct',
    'Administrators only: re-reads the service config directory (new and changed template and service files). Returns {templates: [name], services: [name], problems: [{file, line, field, message}]}; a broken file is a problem, the others still load.',
    async () => await c.reload() ?? { templates: [], services: [], problems: [] })
  def('xenos.forward', ['string', 'string', 'array'], 'any',
    'Calls a method on another host through the overlay, as the caller: forward(hostName, methodName, params). For clients that reach only this host. The other host applies its own checks to the forwarded user and role. xenos.forward and xenos.peer.* cannot be forwarded.',
    async ([host, method, params], ctx) => {
      nonEmpty(host, 'host')
      if (method === 'xenos.forward' || method.startsWith('xenos.peer.')) throw new InvalidArgumentError('method', 'a method other than xenos.forward and xenos.peer.*', method)
      if (host === c.hostname) return await registry.call(method, params, ctx)
      const p = ctx.principal
      if (p === undefined) throw new InvalidArgumentError('credentials', 'an authenticated caller', 'none')
      return await c.forward(host, 'xenos.peer.invoke', [p.user, p.role, method, params])
    })
  def('xenos.peer.invoke', ['string', 'string', 'string', 'array'], 'any',
    'Coordinators only: runs a call forwarded by another host (xenos.forward) as the user and role that host authenticated. The private network (pre-shared key) is the trust boundary.',
    async ([user, role, method, params], ctx) => {
      assertPeer(ctx, 'xenos.peer.invoke')
      if (method === 'xenos.forward' || method.startsWith('xenos.peer.')) throw new InvalidArgumentError('method', 'a method other than xenos.forward and xenos.peer.*', method)
      if (role !== 'admin' && role !== 'user') throw new InvalidArgumentError('role', '"admin" or "user"', role)
      return await registry.call(method, params, { transport: 'forwarded', principal: { user: nonEmpty(user, 'user'), role }, ...(ctx.remotePeer === undefined ? {} : { remotePeer: ctx.remotePeer }) })
    }, 'public')
  def('xenos.peer.exportTemplate', ['string'], 'struct', 'Coordinators only: returns a template record so a peer can replicate it.',
    ([name], ctx) => { assertPeer(ctx, 'xenos.peer.exportTemplate'); return c.peer.exportTemplate(name) }, 'public')
  def('xenos.peer.imageInfo', ['string'], 'struct', 'Coordinators only: size and format of an image of a template held here: {path, sizeBytes, allocatedBytes, format}.',
    async ([path], ctx) => { assertPeer(ctx, 'xenos.peer.imageInfo'); return await c.peer.imageInfo(path) }, 'public')
  def('xenos.peer.imageManifest', ['string'], 'struct', 'Coordinators only: serves an image of a template held here by chunks and returns {manifestHash, sizeBytes}.',
    async ([path], ctx) => { assertPeer(ctx, 'xenos.peer.imageManifest'); return await c.peer.imageManifest(path) }, 'public')
  def('xenos.peer.prepareMigration', ['struct'], 'struct', 'Coordinators only: the target of a migration checks room, fetches the template and reserves memory and disk. Returns {migrationTarget}.',
    async ([req], ctx) => { assertPeer(ctx, 'xenos.peer.prepareMigration'); return await c.peer.prepareMigration(req as never) }, 'public')
  def('xenos.peer.commitMigration', ['string', 'struct'], 'struct', 'Coordinators only: the target registers a service that has just migrated to it. Returns the service.',
    async ([id, record], ctx) => { assertPeer(ctx, 'xenos.peer.commitMigration'); return await c.peer.commitMigration(id, record as unknown as ServiceRecord) }, 'public')
  def('xenos.peer.migrationAdopted', ['string'], 'boolean', 'Coordinators only: the target of a migration whose commit was lost has adopted the service; the source forgets its tombstone. Returns whether there was one.',
    async ([id], ctx) => { assertPeer(ctx, 'xenos.peer.migrationAdopted'); return await c.peer.migrationAdopted(id) }, 'public')
  def('xenos.peer.abortMigration', ['string'], 'boolean', 'Coordinators only: the target drops a prepared migration and what it fetched for it. Returns whether one was pending.',
    async ([id], ctx) => { assertPeer(ctx, 'xenos.peer.abortMigration'); return await c.peer.abortMigration(id) }, 'public')
}

function deadlineOf (opts: XmlRpcStruct | undefined): { deadlineMs?: number } {
  const deadlineMs = new StructReader(opts, 'options', ['deadlineMs']).number('deadlineMs')
  if (deadlineMs === undefined) return {}
  if (!Number.isInteger(deadlineMs) || deadlineMs < 1 || deadlineMs > 600_000) throw new InvalidArgumentError('options.deadlineMs', 'an integer from 1 to 600000', deadlineMs)
  return { deadlineMs }
}

/** A host name, or a search query when the text has operators or spaces (or is empty). */
export function destinationOf (target: string): MigrationDestination {
  if (target.trim() === '' || /[=<>~:\s]/.test(target.trim())) return { query: target.trim() }
  return { host: target.trim() }
}
