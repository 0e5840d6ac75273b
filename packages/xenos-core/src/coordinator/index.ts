/**
 * The coordinator of one host: registry, persistence, operations,
 * replication, migration and events. See `coordinator.ts`.
 */
export { coordinator, type Coordinator, type CoordinatorInit, type CoordinatorComponents } from './coordinator.js'
export * from './errors.js'
export type { ServiceRecord, ServiceState, TemplateRecord, TemplateImage, GroupRecord, HostRecord, ServiceSearchRecord, Endpoint } from './records.js'
export { SERVICE_STATES } from './records.js'
export type { CoordinatorEvent, CoordinatorEventKind, EventPage, EventListener } from './event-log.js'
export type {
  PeerNetwork, MemberView, MemberChange, SearchKind, SearchOutcome, ImageFetcher, FetchRequest, FetchResult, ReplicationMethod, QueryMatcher, IdSource,
  TemplateConfig, ServiceConfig, ConfigProblem, ServiceConfigSource
} from './ports.js'
export type { CreateInstanceOptions } from './instances.js'
export type { ReplicateOptions, ReplicateResult } from './replication.js'
export { chooseTarget, type MigrationDestination, type MigrateOptions, type MigrateResult, type PrepareRequest, type PrepareReply } from './migration.js'
export type { ServiceStats } from './service-ops.js'
export type { ReattachSummary } from './reattach.js'
export type { ConfigSyncResult } from './config-sync.js'
export { STATE_FILE, atomicWriteFile, memoryStateStore, stateStore, type MemoryStateFile, type StateStore, type StateSnapshot } from './state-store.js'
export { startXenosHost, type XenosHost, type XenosHostInit, type XenosHostComponents } from './xenos-host.js'
export { overlayNetwork, subscribeEvents, EVENTS_TOPIC, type OverlayNetwork } from './overlay-network.js'
export {
  imageFetcher, type ImageFetcherInit, type ImageFetcherComponents, type PublishingImageFetcher, type ImagePublication
} from './image-fetcher.js'
export { fileImageStore } from './file-image-store.js'
export { startHostFromConfig, hostInitFromConfig, hostTrustFromConfig, type HostFromConfigComponents } from './host-from-config.js'
