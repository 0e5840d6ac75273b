/**
 * The only thing the deployer knows of Xenos: this small API, mirroring the
 * XML-RPC methods of the Xenos API (`xenos.searchHosts`,
 * `xenos.searchServices`, `xenos.replicateTemplate`, `xenos.createInstance`,
 * `xenos.startService`, `xenos.getService`, `xenos.destroyService`). An
 * adapter over the TypeScript `XenosClient` routes the per-host calls
 * (`replicateTemplate`, `createInstance`) to the named host's API, so the
 * deployer works against either backend (real Xen or the simulated cluster).
 */

/** What the deployer needs of a host record (`xenos.searchHosts`). */
export interface DeployHost {
  hostname: string
  /** Templates the host holds. */
  templates: string[]
}

/** What the deployer needs of a service record (`xenos.getService`, `xenos.searchServices`). */
export interface DeployService {
  id: string
  name: string
  template: string
  host: string
  /** `stopped`, `running`, `paused`, `crashed`, `migrating` or `vanished`. */
  state: string
  groups: string[]
  attributes: Record<string, string>
  /** The guest's own host name (what Hadoop's slave list names). */
  guestHostname: string
}

export interface SearchResult<R> {
  results: R[]
  /** Hosts that did not answer before the deadline. */
  nonResponders: string[]
}

export interface CreateOptions {
  name: string
  groups: string[]
  attributes: Record<string, string>
}

export interface DeployApi {
  /** `xenos.searchHosts`: hosts matching a query (`''` for all). */
  searchHosts (query: string): Promise<SearchResult<DeployHost>>
  /** `xenos.searchServices`: services matching a query, from every reachable host. */
  searchServices (query: string): Promise<SearchResult<DeployService>>
  /** `xenos.replicateTemplate` on `host`: make it hold `template` (a no-op when it does). */
  replicateTemplate (template: string, host: string): Promise<void>
  /** `xenos.createInstance` on `host`; the instance is created stopped. */
  createInstance (template: string, host: string, options: CreateOptions): Promise<DeployService>
  /** `xenos.startService` (a no-op when running). */
  startService (id: string): Promise<DeployService>
  /** `xenos.getService`. */
  getService (id: string): Promise<DeployService>
  /** `xenos.destroyService`: the domain and its instance images are removed. */
  destroyService (id: string): Promise<void>
}
