/**
 * What the coordinator needs from the rest of xenos-core, as small
 * interfaces: the overlay (search, calls to other hosts, image transfer,
 * events and groups over pubsub), the query matcher, the id source and the
 * config loader. The composition root (`xenosNode`) passes the real ones;
 * tests may pass in-process ones.
 */
import type { HypervisorDriver } from '@xenos/hypervisor-interface'
import type { CoordinatorEvent } from './event-log.js'
import type { Endpoint, TemplateImage } from './records.js'
import type { DomainSpec } from '@xenos/hypervisor-interface'
import type { RestartPolicy } from '../failover/policy.js'

export type SearchKind = 'services' | 'hosts'

/** Search results from the whole overlay. */
export interface SearchOutcome<R = Record<string, unknown>> {
  results: R[]
  /** Hosts (or peer ids) that did not answer: declared failed, unreachable, gone, silent until the deadline, or answering with an error. */
  nonResponders: string[]
  /** Why each non-responder did not answer, by host (for error messages; not part of the API's answer). */
  reasons?: Record<string, string>
}

/** One host of the overlay's membership, as this host sees it. */
export interface MemberView {
  /** Host name (as it announces itself in the membership, or learnt from searches), else the peer id. */
  host: string
  peerId: string
  state: 'alive' | 'suspect' | 'failed'
  /** Seconds since its state last changed. */
  sinceS: number
  /** For suspect and failed members: why. */
  reason?: string
}

/** A host of the membership changed state (as this host sees it). */
export interface MemberChange {
  host: string
  peerId: string
  from: string | undefined
  to: 'alive' | 'suspect' | 'failed' | 'left'
  reason?: string
}

/** The overlay, as the coordinator uses it. */
export interface PeerNetwork {
  /** Flood a query; every reachable coordinator answers with its local matches (this one included). */
  search (kind: SearchKind, query: string, options?: { deadlineMs?: number }): Promise<SearchOutcome>
  /** Call an API method on the coordinator of `host` (a host name from a host record). */
  call (host: string, method: string, params: unknown[]): Promise<unknown>
  /** Publish an event to subscribers (pubsub topic); best effort. */
  publishEvent? (event: CoordinatorEvent): void
  /** Make a local service (`memberId`, or `host` for the host itself) a member of a group on the overlay. */
  joinGroup? (group: string, memberId: string): Promise<void>
  /** Remove a local service from a group on the overlay. */
  leaveGroup? (group: string, memberId: string): Promise<void>
  /** Publish a message to a group; only its members receive it. */
  publish? (group: string, message: string): Promise<{ delivered: number }>
  /** The other hosts of the membership: live and failed (not those that left). */
  members? (): MemberView[]
  /** Remove a host (a host name or peer id) from every member's table; false when unknown. */
  removeMember? (host: string): boolean
  /** Called on every change of another host's state. Returns the unsubscribe function. */
  onMemberChange? (listener: (change: MemberChange) => void): () => void
}

/** One image to fetch: what it is, from which holders (host names), to which path of `driver`'s store, by which method. */
export interface FetchRequest {
  image: TemplateImage
  /** The template it belongs to (a whole copy stages it under the template's name). */
  template: string
  holders: string[]
  destination: string
  method: ReplicationMethod
  driver: HypervisorDriver
}

/** Fetches an image this host lacks from peers that hold it. */
export interface ImageFetcher {
  /**
   * Make `destination` exist in `driver`'s image store with the content of
   * `image` as held by `holders` (host names). `method`:
   * - `chunked`: content-addressed chunks from several holders at once, verified, resumable;
   * - `whole-copy`: the paper's method, the whole image from one holder to a staging path, then a second local copy.
   * On failure nothing is left at `destination`.
   */
  fetch (req: FetchRequest): Promise<FetchResult>
  /** Holder side, for fetchers that move real bytes: serve an image, returning its content id. */
  publish? (path: string): Promise<{ manifestHash: string, sizeBytes: number }>
}

export type ReplicationMethod = 'chunked' | 'whole-copy'

/** What one image fetch moved. */
export interface FetchResult {
  /** Bytes received over the network. */
  bytes: number
  /** Bytes each source sent (host name, or peer id when the overlay does not know its name); a swarm fetch names the other fetchers too. */
  bytesBySource?: Record<string, number>
  /** How long the network part took, in seconds of the transport's clock (simulated time on a simulated backend). */
  networkS?: number
  /** Bytes copied locally after the transfer (a whole copy: the image once more). */
  localCopyBytes?: number
  /** How long the local copy took, in seconds of the driver's clock. */
  localCopyS?: number
}

/** Compiles a search query (`template=hadoop state=running freeMemoryMiB>=512`). */
export interface QueryMatcher {
  /** Throws a typed error naming the bad condition when `query` is malformed. */
  compile (query: string): (record: Record<string, unknown>) => boolean
}

/** Overlay-unique identifiers. */
export interface IdSource {
  /** A new service id that no other host will generate. */
  serviceId (): string
  /** A new locally administered unicast MAC address (`xx:xx:...`). */
  mac (): string
}

/** Where a config item was read: its file, and the line and column of its fields (`name`, `template`). */
export interface ConfigOrigin {
  file: string
  fields: Record<string, { line: number, column: number }>
}

/** A template as a config file describes it. */
export interface TemplateConfig {
  name: string
  spec: DomainSpec
  images: TemplateImage[]
  groups: string[]
  attributes: Record<string, string>
  endpoints: Endpoint[]
  /** Where it was read from (file:line), for messages. */
  source: string
  /** Where its fields are, so problems found later (a missing image) name the line. */
  at?: ConfigOrigin
}

/** A service as a config file describes it. */
export interface ServiceConfig {
  name: string
  template: string
  groups: string[]
  attributes: Record<string, string>
  endpoints: Endpoint[]
  owner: string
  /** Start it when the coordinator starts. @default false */
  autostart: boolean
  /** A fixed service id (else one is generated). */
  id?: string
  /** Override the template's VCPUs. */
  vcpus?: number
  /** Override the template's memory, in MiB. */
  memoryMiB?: number
  /** What survivors do with it when its host fails (absent: never). */
  restart?: RestartPolicy
  source: string
  /** Where its fields are, so problems found later (an unknown template) name the line. */
  at?: ConfigOrigin
}

/** One config file that could not be used, and why. */
export interface ConfigProblem {
  file: string
  /** 1-based, when known. */
  line?: number
  column?: number
  field?: string
  /** `file:line:column: field: expected ..., found ...`. */
  message: string
}

/** Reads the service config directory. A broken file is a problem, never a throw. */
export interface ServiceConfigSource {
  load (): Promise<{ templates: TemplateConfig[], services: ServiceConfig[], problems: ConfigProblem[] }>
}
