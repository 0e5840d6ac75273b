import type { Platform } from '../platform/platform.js'
import type { ResourceModel } from './resource-model.js'
import type { SimHost } from './sim-host.js'

/** What resources need from the engine (kept narrow to avoid import cycles). */
export interface SimContext {
  readonly model: ResourceModel
  readonly platform: Platform
  nowS (): number
  log (kind: string, detail: string): void
}

/** A running activity as resources see it: it can be failed, paused, resumed. */
export interface ResourceUser {
  /** The resource it uses failed: fail with `reason`. */
  resourceFailed (reason: string): void
  /** Its VM was suspended / resumed. */
  pause (): void
  resume (): void
  /** True when it survives its VM's move to another host (computations do; I/O does not). */
  readonly movable: boolean
  /** Its VM moved to `target` (only called on movable users). */
  moved (target: SimHost): void
}

export const MIB = 1024 * 1024
