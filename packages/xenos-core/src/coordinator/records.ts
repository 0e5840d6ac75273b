/**
 * What the coordinator keeps: services, templates, groups, and the record
 * of its own host. All plain JSON, so they persist and travel as they are.
 */
import type { DomainHandle, DomainSpec } from '@xenos/hypervisor-interface'
import type { FailoverState } from '../failover/agent.js'
import type { RestartPolicy } from '../failover/policy.js'

/**
 * A service's state as the coordinator sees it: the domain's state, plus
 * `migrating` (a migration is in flight) and `vanished` (the registry knows
 * the service but its domain was gone when the coordinator restarted).
 */
export type ServiceState = 'stopped' | 'running' | 'paused' | 'crashed' | 'migrating' | 'vanished'

export const SERVICE_STATES: readonly ServiceState[] = ['stopped', 'running', 'paused', 'crashed', 'migrating', 'vanished']

/** A way to reach what a service serves (not used by Xenos itself). */
export interface Endpoint {
  /** Free-form protocol name, for example `http` or `hdfs`. */
  protocol: string
  /** TCP/UDP port, 1 to 65535. */
  port: number
  /** Address when known (the guest's host name otherwise). */
  address?: string
}

/** A service: one domain registered with this host's coordinator. */
export interface ServiceRecord {
  /** Overlay-wide unique id; kept across migration. */
  id: string
  /** Human name, unique on its host; also the domain's name. */
  name: string
  /** Template it was made from. */
  template: string
  /** Host name of the coordinator that runs it. */
  host: string
  state: ServiceState
  groups: string[]
  attributes: Record<string, string>
  endpoints: Endpoint[]
  /** User who owns it (may control it). */
  owner: string
  /** Other users allowed to control it (granted by an administrator). */
  grantees: string[]
  /** Name of the domain in the driver. */
  domainName: string
  /** The guest's own host name. */
  guestHostname: string
  /** MAC of the first network interface. */
  mac: string
  /** VCPUs and memory of its domain (the template's unless overridden). */
  vcpus?: number
  memoryMiB?: number
  /** Wall-clock creation time, ISO 8601, from the coordinator's injected clock. */
  createdAt: string
  /** Where it came from: a config file, `createInstance`, a migration in, or a takeover after its host failed. */
  origin: 'config' | 'instance' | 'migration' | 'takeover'
  /** The driver's handle, saved to reattach after a restart. */
  handle?: DomainHandle
  /** Checkpoint files saved by `checkpointService`, oldest first. */
  checkpoints?: string[]
  /** Last failure seen (reattach, crash), for humans. */
  lastError?: string
  /**
   * Set (and persisted) before a destroy touches the domain: a coordinator
   * that dies part way finishes the destroy when it restarts, instead of
   * finding a service whose domain is gone.
   */
  destroying?: boolean
  /** What survivors do with it when its host fails (absent: never). */
  restart?: RestartPolicy
  /**
   * Raised by each takeover of the service by a survivor (1 before any,
   * absent read as 1): of two copies, the one with the higher generation is
   * the one that runs, and a host that learns of a higher generation
   * elsewhere destroys its own copy instead of resuming it.
   */
  generation?: number
}

/** One disk image of a template. */
export interface TemplateImage {
  /** Path in the host's image store. */
  path: string
  /** Logical size, in bytes. */
  sizeBytes: number
  /** Device name the guest sees (matches a disk of `spec`). */
  target: string
}

/** A service type: a domain spec plus its images, and what instances get by default. */
export interface TemplateRecord {
  name: string
  /** The domain spec; `spec.name` is a placeholder, disks point at `images`. */
  spec: DomainSpec
  images: TemplateImage[]
  defaultGroups: string[]
  defaultAttributes: Record<string, string>
  endpoints: Endpoint[]
  /** How the template came here. */
  origin: 'config' | 'replicated'
}

/** A group this host knows of, and which local services are members. */
export interface GroupRecord {
  name: string
  /** Ids of local services in the group. */
  members: string[]
  /** True when the group was made through the API (not only named in a config). */
  createdAtRuntime: boolean
}

/**
 * What search sees of a host: flat fields the query language matches
 * (`freeMemoryMiB>=512 tag=ssd template=hadoop`).
 */
export interface HostRecord {
  kind: 'host'
  hostname: string
  backend: string
  cores: number
  totalMemoryMiB: number
  freeMemoryMiB: number
  freeDiskBytes: number
  /** Free disk in MiB too, so queries need no large numbers. */
  freeDiskMiB: number
  tags: string[]
  /** Templates held here (so replication can find holders). */
  templates: string[]
  services: number
  /** Where this host's API answers, when known (`http://127.0.0.1:7001/RPC2`). */
  apiUrl?: string
  /** SHA-256 fingerprint of the API's certificate (HTTPS APIs), for clients to pin. */
  apiTlsFingerprint?: string
  /** Overlay peer id, when known. */
  peerId?: string
}

/** What search sees of a service: its record's public fields, with its domain's size. */
export type ServiceSearchRecord = { kind: 'service', vcpus: number, memoryMiB: number }
  & Pick<ServiceRecord, 'id' | 'name' | 'template' | 'host' | 'state' | 'groups' | 'attributes' | 'endpoints' | 'owner' | 'mac' | 'guestHostname'>

export function toSearchRecord (s: ServiceRecord, spec: { vcpus: number, memoryMiB: number }): ServiceSearchRecord {
  return {
    kind: 'service',
    id: s.id,
    name: s.name,
    template: s.template,
    host: s.host,
    state: s.state,
    groups: [...s.groups],
    attributes: { ...s.attributes },
    endpoints: s.endpoints.map(e => ({ ...e })),
    owner: s.owner,
    mac: s.mac,
    guestHostname: s.guestHostname,
    vcpus: s.vcpus ?? spec.vcpus,
    memoryMiB: s.memoryMiB ?? spec.memoryMiB
  }
}

/** Room promised to an incoming migration, and the record to adopt if the commit never comes. */
export interface Reservation {
  memoryMiB: number
  diskBytes: number
  expiresAtMs: number
  preparedAtMs: number
  template?: string
  /** The template was fetched for this migration (dropped again on abort). */
  replicatedTemplate: boolean
  /** The service as the source described it at prepare time. */
  record?: ServiceRecord
  /** Host name of the source. */
  source?: string
}

/** Everything the coordinator keeps across restarts. */
export interface StateSnapshot {
  /** How many times the coordinator has started with this data directory. */
  bootCount: number
  services: ServiceRecord[]
  templates: TemplateRecord[]
  groups: GroupRecord[]
  /** Incoming migrations prepared and not yet committed, by migration id. */
  reservations?: Array<{ migrationId: string, reservation: Reservation }>
  /** The failover agent's records: guard records held for other hosts' services, and this host's own as last announced. */
  failover?: FailoverState<ServiceRecord>
}
