/**
 * `DeployApi` over the Xenos API client (`XenosClient` of `@xenos/core`).
 * Searches and service calls go through the client (which finds the host
 * that runs a service); the per-host calls `xenos.replicateTemplate` and
 * `xenos.createInstance` go to the named host's own API, whose URL its host
 * record advertises. `replicateTemplate` needs an administrator's
 * credentials.
 */
import type { XenosClient } from '@xenos/core/client'
import type { DeployApi, DeployService, SearchResult } from './deploy-api.js'
import { HostApiNotFoundError } from './errors.js'

export interface XenosDeployApiInit {
  /** Search deadline, in ms. @default the API's (2000) */
  searchDeadlineMs?: number
}

export function xenosDeployApi (client: XenosClient, init: XenosDeployApiInit = {}): DeployApi {
  const apiUrls = new Map<string, string>()
  const deadline = init.searchDeadlineMs === undefined ? undefined : { deadlineMs: init.searchDeadlineMs }

  async function hostUrl (host: string): Promise<string> {
    const known = apiUrls.get(host)
    if (known !== undefined) return known
    const r = await client.searchHosts(`hostname=${host}`, deadline)
    const rec = r.results.find(h => h.hostname === host)
    if (rec === undefined) throw new HostApiNotFoundError(host, r.nonResponders.includes(host) ? 'no answer from it' : 'no such host')
    if (typeof rec.apiUrl !== 'string' || rec.apiUrl === '') throw new HostApiNotFoundError(host, 'a record without apiUrl')
    apiUrls.set(host, rec.apiUrl)
    return rec.apiUrl
  }

  return {
    async searchHosts (query) {
      const r = await client.searchHosts(query, deadline)
      for (const h of r.results) if (typeof h.apiUrl === 'string' && h.apiUrl !== '') apiUrls.set(h.hostname, h.apiUrl)
      return { results: r.results.map(h => ({ hostname: h.hostname, templates: [...h.templates] })), nonResponders: r.nonResponders }
    },
    async searchServices (query): Promise<SearchResult<DeployService>> {
      const r = await client.searchServices(query, deadline)
      return { results: r.results.map(toDeployService), nonResponders: r.nonResponders }
    },
    async replicateTemplate (template, host) {
      await client.callAt(await hostUrl(host), 'xenos.replicateTemplate', [template])
    },
    async createInstance (template, host, options) {
      const created = await client.callAt(await hostUrl(host), 'xenos.createInstance', [
        template, { name: options.name, groups: options.groups, attributes: options.attributes }
      ])
      return toDeployService(created as DeployService)
    },
    startService: async id => toDeployService(await client.startService(id)),
    getService: async id => toDeployService(await client.getService(id)),
    async destroyService (id) { await client.destroyService(id) }
  }
}

function toDeployService (s: DeployService): DeployService {
  return {
    id: s.id, name: s.name, template: s.template, host: s.host, state: s.state,
    groups: [...s.groups], attributes: { ...s.attributes }, guestHostname: s.guestHostname
  }
}
