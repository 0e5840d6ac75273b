/**
 * An in-memory `DeployApi` for tests: hosts holding templates, services with a
 * life cycle (created stopped; started, then running after `bootS` on the
 * clock it is given), searches through Xenos' real query matcher, and
 * fault knobs (fail a method on a host, hosts that do not answer searches,
 * guests that never boot or crash while booting).
 */
import type { Clock } from '@xenos/hypervisor-interface'
import { compileQuery } from '@xenos/core/client'
import type { CreateOptions, DeployApi, DeployHost, DeployService, SearchResult } from '../deploy-api.js'

interface FakeService extends DeployService { startedAtS?: number }

export interface FaultKnob {
  method: 'replicateTemplate' | 'createInstance' | 'startService' | 'destroyService'
  host?: string
  /** Fail only the nth matching call (1-based); every matching call when absent. */
  nth?: number
  message?: string
}

export class FakeDeployApi implements DeployApi {
  readonly hosts = new Map<string, { hostname: string, templates: string[], freeMemoryMiB: number, tags: string[] }>()
  readonly services = new Map<string, FakeService>()
  /** Mutating calls, in order: `method host-or-id`. */
  readonly mutations: string[] = []
  faults: FaultKnob[] = []
  nonResponders: string[] = []
  /** Seconds from start to running. */
  bootS = 5
  /** Hosts whose guests never finish booting / crash while booting. */
  neverBoot = new Set<string>()
  crashOnBoot = new Set<string>()
  private seq = 0
  private readonly counts = new Map<string, number>()

  constructor (private readonly clock: Clock, hostnames: string[], templateHolders: Record<string, string[]> = {}) {
    for (const h of hostnames) this.hosts.set(h, { hostname: h, templates: [], freeMemoryMiB: 3072, tags: ['cluster'] })
    for (const [t, holders] of Object.entries(templateHolders)) for (const h of holders) this.hosts.get(h)?.templates.push(t)
  }

  async searchHosts (query: string): Promise<SearchResult<DeployHost>> {
    const match = compileQuery(query)
    const results = [...this.hosts.values()]
      .filter(h => !this.nonResponders.includes(h.hostname))
      .map(h => ({ kind: 'host', ...h, templates: [...h.templates] }))
      .filter(match)
    return { results, nonResponders: [...this.nonResponders] }
  }

  async searchServices (query: string): Promise<SearchResult<DeployService>> {
    const match = compileQuery(query)
    const results = [...this.services.values()]
      .filter(s => !this.nonResponders.includes(s.host))
      .map(s => this.view(s))
      .filter(s => match({ kind: 'service', ...s }))
    return { results, nonResponders: [...this.nonResponders] }
  }

  async replicateTemplate (template: string, host: string): Promise<void> {
    this.fault('replicateTemplate', host)
    this.mutations.push(`replicateTemplate ${host}`)
    const h = this.host(host)
    if (!h.templates.includes(template)) h.templates.push(template)
  }

  async createInstance (template: string, host: string, options: CreateOptions): Promise<DeployService> {
    this.fault('createInstance', host)
    const h = this.host(host)
    if (!h.templates.includes(template)) throw new Error(`template ${template}: expected it on ${host}, found it missing`)
    if ([...this.services.values()].some(s => s.host === host && s.name === options.name)) {
      throw new Error(`service name ${options.name}: already exists on ${host}`)
    }
    this.mutations.push(`createInstance ${host} ${options.name}`)
    const s: FakeService = {
      id: `svc-${++this.seq}`, name: options.name, template, host, state: 'stopped',
      groups: [...options.groups], attributes: { ...options.attributes }, guestHostname: options.name
    }
    this.services.set(s.id, s)
    return this.view(s)
  }

  async startService (id: string): Promise<DeployService> {
    const s = this.service(id)
    this.fault('startService', s.host)
    this.mutations.push(`startService ${id}`)
    if (s.state !== 'running') { s.state = 'stopped'; s.startedAtS = this.clock.nowS() }
    return this.view(s)
  }

  async getService (id: string): Promise<DeployService> {
    return this.view(this.service(id))
  }

  async destroyService (id: string): Promise<void> {
    const s = this.service(id)
    this.fault('destroyService', s.host)
    this.mutations.push(`destroyService ${id}`)
    this.services.delete(id)
  }

  /** Stop a service behind the deployer's back. */
  stop (id: string): void { const s = this.service(id); s.state = 'stopped'; delete s.startedAtS }

  private view (s: FakeService): DeployService {
    if (s.startedAtS !== undefined && s.state !== 'running') {
      if (this.crashOnBoot.has(s.host)) s.state = 'crashed'
      else if (!this.neverBoot.has(s.host) && this.clock.nowS() - s.startedAtS >= this.bootS) s.state = 'running'
    }
    const { startedAtS: _, ...rest } = s
    return { ...rest, groups: [...s.groups], attributes: { ...s.attributes } }
  }

  private host (name: string): { hostname: string, templates: string[] } {
    const h = this.hosts.get(name)
    if (h === undefined) throw new Error(`host ${name}: expected a known host, found none`)
    return h
  }

  private service (id: string): FakeService {
    const s = this.services.get(id)
    if (s === undefined) throw new Error(`service ${id}: expected a known service, found none`)
    return s
  }

  private fault (method: FaultKnob['method'], host: string): void {
    for (const f of this.faults) {
      if (f.method !== method || (f.host !== undefined && f.host !== host)) continue
      const key = `${method}|${f.host ?? '*'}`
      const n = (this.counts.get(key) ?? 0) + 1
      this.counts.set(key, n)
      if (f.nth === undefined || f.nth === n) throw new Error(f.message ?? `${method} on ${host}: injected failure`)
    }
  }
}
