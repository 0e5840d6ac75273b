import type { Platform } from '../platform/platform.js'
import type { ResourceModel } from './resource-model.js'

/** What resources need from the engine (kept narrow to avoid import cycles). */
export interface SimContext {
  readonly model: ResourceModel
  readonly platform: Platform
  nowS (): number
  log (kind: string, detail: string): void
}

export const MIB = 1024 * 1024
