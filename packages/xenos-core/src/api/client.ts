/**
 * A typed client of the Xenos API (paper Section IV-C):
 * it keeps a list of backup hosts (found with `xenos.searchHosts`), fails
 * over to the next one when its host stops answering, and can spread calls
 * across hosts round-robin. Service control calls go to the host that runs
 * the service, located by an overlay search when it is not the current one,
 * directly when its API answers, else forwarded through the current host
 * over the overlay (`xenos.forward`).
 *
 * A fault (the host answered "no") is thrown as `XmlRpcFault` and never
 * causes a failover; only transport failures (refused, reset, timeout) do.
 *
 * @example
 * ```ts
 * const client = xenosClient({ endpoints: ['http://127.0.0.1:7001/RPC2'], credentials: { scheme: 'bearer', token } })
 * await client.refreshBackups()
 * const { results } = await client.searchServices('template=web state=running')
 * await client.migrateService(results[0].id, 'freeMemoryMiB>=512')
 * ```
 */
import { XmlRpcClient, httpTransport, type XmlRpcTransport } from '../xmlrpc/client.js'
import type { Credentials } from '../xmlrpc/credentials.js'
import { FaultCode, XmlRpcFault } from '../xmlrpc/fault.js'
import type { XmlRpcValue } from '../xmlrpc/values.js'
import type { CoordinatorEvent, EventPage } from '../coordinator/event-log.js'
import type { MigrateResult } from '../coordinator/migration.js'
import type { GroupRecord, HostRecord, ServiceRecord, ServiceSearchRecord, TemplateRecord } from '../coordinator/records.js'
import type { ReplicateResult } from '../coordinator/replication.js'
import type { ServiceStats } from '../coordinator/service-ops.js'

export interface XenosClientInit {
  /** API URLs to start from (`http://host:port/RPC2`); the first is used first. */
  endpoints: string[]
  credentials?: Credentials
  /** `failover`: stay on one host until it fails; `round-robin`: rotate every call. @default 'failover' */
  strategy?: 'failover' | 'round-robin'
  /** How a transport to one URL is made. @default HTTP with keep-alive */
  transport?: (url: string, credentials: Credentials | undefined) => XmlRpcTransport & { close?: () => void }
  /** Per-call timeout, in ms. @default 30000 */
  timeoutMs?: number
}

/** Every known host failed at the transport level. */
export class NoHostAvailableError extends Error {
  constructor (readonly method: string, readonly tried: Array<{ url: string, reason: string }>) {
    super(`${method}: expected one of ${tried.length} hosts to answer, found none did (${tried.map(t => `${t.url}: ${t.reason}`).join('; ')})`)
    this.name = 'NoHostAvailableError'
  }
}

export interface SearchResults<R> { results: R[], nonResponders: string[] }

export interface XenosClient {
  /** Known API URLs, current first. */
  readonly endpoints: readonly string[]
  /** Add hosts found by `xenos.searchHosts` (those advertising an `apiUrl`) to the backup list. */
  refreshBackups (query?: string): Promise<string[]>
  /** Call any method on the current host (with failover). */
  call (method: string, params?: XmlRpcValue[]): Promise<unknown>
  /** Call a method on another host through the current host and the overlay (`xenos.forward`). */
  forward (host: string, method: string, params?: XmlRpcValue[]): Promise<unknown>
  /** Call a method on the host with this API URL only (no failover). */
  callAt (url: string, method: string, params?: XmlRpcValue[]): Promise<unknown>
  hostInfo (): Promise<HostRecord>
  listServices (query?: string): Promise<ServiceRecord[]>
  listTemplates (): Promise<TemplateRecord[]>
  getService (id: string): Promise<ServiceRecord>
  searchServices (query: string, deadlineMs?: number): Promise<SearchResults<ServiceSearchRecord>>
  searchHosts (query: string, deadlineMs?: number): Promise<SearchResults<HostRecord>>
  startService (id: string): Promise<ServiceRecord>
  stopService (id: string, options?: { timeoutS?: number, force?: boolean }): Promise<ServiceRecord>
  pauseService (id: string): Promise<ServiceRecord>
  unpauseService (id: string): Promise<ServiceRecord>
  destroyService (id: string): Promise<ServiceRecord>
  checkpointService (id: string, options?: { leaveRunning?: boolean }): Promise<{ service: ServiceRecord, checkpointPath: string }>
  serviceStats (id: string): Promise<ServiceStats>
  createInstance (template: string, options?: { name?: string, groups?: string[], attributes?: Record<string, string>, start?: boolean, clone?: 'cow' | 'copy' }): Promise<ServiceRecord>
  replicateTemplate (template: string, options?: { holders?: string[], method?: 'chunked' | 'whole-copy' }): Promise<ReplicateResult>
  migrateService (id: string, target: string, options?: { live?: boolean, storage?: 'none' | 'stop-and-copy' | 'pre-copy' }): Promise<MigrateResult>
  createGroup (group: string): Promise<GroupRecord>
  joinGroup (id: string, group: string): Promise<ServiceRecord>
  leaveGroup (id: string, group: string): Promise<ServiceRecord>
  listGroups (): Promise<GroupRecord[]>
  publish (group: string, message: string): Promise<{ delivered: number }>
  events (sinceSeq: number, limit?: number): Promise<EventPage>
  /**
   * Poll `xenos.events` of the current host every `intervalMs` (default 1000)
   * and call `listener` with each new event, in order, until `signal` aborts.
   * A restart of the host (new `bootCount`) starts again from its first event.
   * Resolves when stopped; rejects on a fault or when no host answers.
   */
  watchEvents (listener: (event: CoordinatorEvent) => void, options?: { intervalMs?: number, signal?: AbortSignal }): Promise<void>
  close (): void
}

export function xenosClient (init: XenosClientInit): XenosClient {
  if (!Array.isArray(init.endpoints) || init.endpoints.length === 0) throw new TypeError('endpoints: expected at least one API URL, found none')
  const strategy = init.strategy ?? 'failover'
  const makeTransport = init.transport ?? ((url, credentials) => httpTransport({ url, ...(credentials === undefined ? {} : { credentials }), timeoutMs: init.timeoutMs ?? 30_000 }))
  const urls: string[] = [...new Set(init.endpoints)]
  const clients = new Map<string, { client: XmlRpcClient, close?: () => void }>()
  let next = 0

  function clientFor (url: string): XmlRpcClient {
    let c = clients.get(url)
    if (c === undefined) {
      const t = makeTransport(url, init.credentials)
      c = { client: new XmlRpcClient({ transport: t }), ...(t.close === undefined ? {} : { close: t.close }) }
      clients.set(url, c)
    }
    return c.client
  }

  async function callAt (url: string, method: string, params: XmlRpcValue[] = []): Promise<unknown> {
    return await clientFor(url).call(method, params)
  }

  /** Try hosts in order from the current one; move past those that fail at the transport level. */
  async function call (method: string, params: XmlRpcValue[] = []): Promise<unknown> {
    const tried: Array<{ url: string, reason: string }> = []
    const start = strategy === 'round-robin' ? next++ : 0
    for (let i = 0; i < urls.length; i++) {
      const url = urls[(start + i) % urls.length] as string
      try {
        const value = await callAt(url, method, params)
        if (strategy === 'failover' && i > 0) promote(url)
        return value
      } catch (err) {
        if (err instanceof XmlRpcFault) throw err
        tried.push({ url, reason: (err as Error).message })
      }
    }
    throw new NoHostAvailableError(method, tried)
  }

  function promote (url: string): void {
    const at = urls.indexOf(url)
    if (at > 0) { urls.splice(at, 1); urls.unshift(url) }
  }

  /** Call a per-service method on the host that runs the service. */
  async function onService (method: string, id: string, rest: XmlRpcValue[] = []): Promise<unknown> {
    try {
      return await call(method, [id, ...rest])
    } catch (err) {
      if (!(err instanceof XmlRpcFault) || err.faultCode !== FaultCode.NOT_FOUND) throw err
      const where = await call('xenos.searchServices', [`id=${id}`]) as SearchResults<ServiceSearchRecord>
      const host = where.results[0]?.host
      if (host === undefined) throw err
      const hosts = await call('xenos.searchHosts', [`hostname=${host}`]) as SearchResults<HostRecord>
      const url = hosts.results[0]?.apiUrl
      if (url === undefined) return await call('xenos.forward', [host, method, [id, ...rest]])
      try {
        return await callAt(url, method, [id, ...rest])
      } catch (direct) {
        if (direct instanceof XmlRpcFault) throw direct
        // that host's API is not reachable from here: go through the current host and the overlay
        return await call('xenos.forward', [host, method, [id, ...rest]])
      }
    }
  }

  const opt = (o: object | undefined): XmlRpcValue[] => o === undefined ? [] : [o as XmlRpcValue]
  const typed = <T>(p: Promise<unknown>): Promise<T> => p as Promise<T>

  return {
    get endpoints () { return [...urls] },
    async refreshBackups (query = '') {
      const found = await call('xenos.searchHosts', [query]) as SearchResults<HostRecord>
      for (const h of found.results) if (typeof h.apiUrl === 'string' && !urls.includes(h.apiUrl)) urls.push(h.apiUrl)
      return [...urls]
    },
    call,
    callAt,
    forward: async (host, method, params = []) => await call('xenos.forward', [host, method, params]),
    hostInfo: () => typed(call('xenos.hostInfo')),
    listServices: query => typed(call('xenos.listServices', query === undefined ? [] : [query])),
    listTemplates: () => typed(call('xenos.listTemplates')),
    getService: id => typed(onService('xenos.getService', id)),
    searchServices: (q, d) => typed(call('xenos.searchServices', d === undefined ? [q] : [q, { deadlineMs: d }])),
    searchHosts: (q, d) => typed(call('xenos.searchHosts', d === undefined ? [q] : [q, { deadlineMs: d }])),
    startService: id => typed(onService('xenos.startService', id)),
    stopService: (id, o) => typed(onService('xenos.stopService', id, opt(o))),
    pauseService: id => typed(onService('xenos.pauseService', id)),
    unpauseService: id => typed(onService('xenos.unpauseService', id)),
    destroyService: id => typed(onService('xenos.destroyService', id)),
    checkpointService: (id, o) => typed(onService('xenos.checkpointService', id, opt(o))),
    serviceStats: id => typed(onService('xenos.serviceStats', id)),
    createInstance: (t, o) => typed(call('xenos.createInstance', [t, ...opt(o)])),
    replicateTemplate: (t, o) => typed(call('xenos.replicateTemplate', [t, ...opt(o)])),
    migrateService: (id, target, o) => typed(onService('xenos.migrateService', id, [target, ...opt(o)])),
    createGroup: g => typed(call('xenos.createGroup', [g])),
    joinGroup: (id, g) => typed(onService('xenos.joinGroup', id, [g])),
    leaveGroup: (id, g) => typed(onService('xenos.leaveGroup', id, [g])),
    listGroups: () => typed(call('xenos.listGroups')),
    publish: (g, m) => typed(call('xenos.publish', [g, m])),
    events: (s, l) => typed(call('xenos.events', l === undefined ? [s] : [s, l])),
    async watchEvents (listener, options = {}) {
      const intervalMs = options.intervalMs ?? 1000
      let sinceSeq = 0
      let boot: number | undefined
      while (options.signal?.aborted !== true) {
        const page = await call('xenos.events', [sinceSeq]) as EventPage
        if (boot !== undefined && page.bootCount !== boot) { sinceSeq = 0; boot = page.bootCount; continue }
        boot = page.bootCount
        for (const e of page.events) listener(e)
        sinceSeq = page.nextSeq
        if (page.events.length > 0) continue
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, intervalMs)
          options.signal?.addEventListener('abort', () => { clearTimeout(timer); resolve() }, { once: true })
        })
      }
    },
    close () {
      for (const c of clients.values()) c.close?.()
      clients.clear()
    }
  }
}
