import type { Platform } from '../platform/platform.js'
import type { ResourceModel } from './resource-model.js'
import type { HostUsers } from './host-users.js'
import type { Random } from '../engine/random.js'

/** What resources need from the engine (kept narrow to avoid import cycles). */
export interface SimContext {
  readonly model: ResourceModel
  readonly platform: Platform
  /** Running activities that use hosts (what a crash or a cut link fails). */
  readonly hostUsers: HostUsers
  /** The seeded random source of disk placement (fork it by a label; never consume it directly). */
  readonly placement: Random
  nowS (): number
  log (kind: string, detail: string): void
  /** True when the event log is kept (details are only formatted then). */
  readonly logging: boolean
}

export const MIB = 1024 * 1024
