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
import { XenosError } from '../errors.js'
import { XmlRpcClient, httpTransport, type XmlRpcTransport } from '../xmlrpc/client.js'
import type { Credentials } from '../xmlrpc/credentials.js'
import type { ClientTls } from '../xmlrpc/tls-client.js'
import { FaultCode, XmlRpcFault } from '../xmlrpc/fault.js'
import type { XmlRpcValue } from '../xmlrpc/values.js'
import type { CoordinatorEvent, EventPage } from '../coordinator/event-log.js'
import type { HostRecord, ServiceSearchRecord } from '../coordinator/records.js'
import { targetIndex, type ApiMethod, type ClientArgs, type ParamsOfMethod, type ResultOf } from './method-table.js'
import { XENOS_API, XENOS_PREFIX, type SearchResults } from './methods.js'

export interface XenosClientInit {
  /** API URLs to start from (`http://host:port/RPC2`); the first is used first. */
  endpoints: string[]
  credentials?: Credentials
  /** `failover`: stay on one host until it fails; `round-robin`: rotate every call. @default 'failover' */
  strategy?: 'failover' | 'round-robin'
  /**
   * For https URLs: the CA file's PEM to trust, or the SHA-256 fingerprint of
   * the first host's certificate to pin. With a pin, hosts found later by
   * search are pinned to the fingerprint their host record advertises (learned
   * over the pinned connection).
   */
  tls?: ClientTls
  /** How a transport to one URL is made. @default HTTP with keep-alive */
  transport?: (url: string, credentials: Credentials | undefined) => XmlRpcTransport & { close?: () => void }
  /** Per-call timeout, in ms. @default 30000 */
  timeoutMs?: number
}

/** Every known host failed at the transport level. */
export class NoHostAvailableError extends XenosError {
  constructor (readonly method: string, readonly tried: Array<{ url: string, reason: string }>) {
    super(`${method}: expected one of ${tried.length} hosts to answer, found none did (${tried.map(t => `${t.url}: ${t.reason}`).join('; ')})`)
  }
}

type Api = typeof XENOS_API
/** Methods of the table a client calls (the peer protocol is for coordinators; `forward` has its own helper). */
type ClientKey = Exclude<keyof Api, `peer.${string}` | 'forward'>

/** One typed method per `xenos.*` method of the table, with the table's parameters and result. */
export type XenosApiMethods = {
  [K in ClientKey]: (...args: ClientArgs<ParamsOfMethod<Api[K]>>) => Promise<ResultOf<Api[K]>>
}

export interface XenosClient extends XenosApiMethods {
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
  /** Fingerprints advertised by hosts found through search, by API URL. */
  const pins = new Map<string, string>()
  const tlsFor = (url: string): ClientTls | undefined => init.tls?.fingerprint256 !== undefined && pins.has(url) ? { fingerprint256: pins.get(url)! } : init.tls
  const makeTransport = init.transport
    ?? ((url, credentials) => {
      const tls = tlsFor(url)
      return httpTransport({
        url, ...(credentials === undefined ? {} : { credentials }), ...(tls === undefined ? {} : { tls }), timeoutMs: init.timeoutMs ?? 30_000
      })
    })
  const learn = (h: HostRecord): void => {
    if (typeof h.apiUrl === 'string' && typeof h.apiTlsFingerprint === 'string' && !init.endpoints.includes(h.apiUrl)) pins.set(h.apiUrl, h.apiTlsFingerprint)
  }
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

  /** Call a method about a service (its id at `at` in `params`) on the host that runs the service. */
  async function onService (method: string, params: XmlRpcValue[], at: number): Promise<unknown> {
    try {
      return await call(method, params)
    } catch (err) {
      if (!(err instanceof XmlRpcFault) || err.faultCode !== FaultCode.NOT_FOUND) throw err
      const id = params[at]
      if (typeof id !== 'string') throw err
      const where = await call('xenos.searchServices', [`id=${id}`]) as SearchResults<ServiceSearchRecord>
      const host = where.results[0]?.host
      if (host === undefined) throw err
      const hosts = await call('xenos.searchHosts', [`hostname=${host}`]) as SearchResults<HostRecord>
      const url = hosts.results[0]?.apiUrl
      if (hosts.results[0] !== undefined) learn(hosts.results[0])
      if (url === undefined) return await call('xenos.forward', [host, method, params])
      try {
        return await callAt(url, method, params)
      } catch (direct) {
        if (direct instanceof XmlRpcFault) throw direct
        // that host's API is not reachable from here: go through the current host and the overlay
        return await call('xenos.forward', [host, method, params])
      }
    }
  }

  /** The table's methods: calls about a service go to its host, the others to the current host. */
  const methods: Record<string, (...args: unknown[]) => Promise<unknown>> = {}
  for (const [key, m] of Object.entries(XENOS_API) as unknown as Array<[string, ApiMethod]>) {
    if (key.startsWith('peer.') || key === 'forward') continue
    const name = `${XENOS_PREFIX}${key}`
    const at = targetIndex(m)
    methods[key] = async (...args: unknown[]) => {
      const params = withoutTrailingUndefined(args) as XmlRpcValue[]
      return at >= 0 ? await onService(name, params, at) : await call(name, params)
    }
  }

  return {
    ...methods as unknown as XenosApiMethods,
    get endpoints () { return [...urls] },
    async refreshBackups (query = '') {
      const found = await call('xenos.searchHosts', [query]) as SearchResults<HostRecord>
      for (const h of found.results) {
        learn(h)
        if (typeof h.apiUrl === 'string' && !urls.includes(h.apiUrl)) urls.push(h.apiUrl)
      }
      return [...urls]
    },
    call,
    callAt,
    forward: async (host, method, params = []) => await call('xenos.forward', [host, method, params]),
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

function withoutTrailingUndefined (args: unknown[]): unknown[] {
  let n = args.length
  while (n > 0 && args[n - 1] === undefined) n--
  return args.slice(0, n)
}
