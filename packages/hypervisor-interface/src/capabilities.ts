import type { StorageMigrationMode } from './migration.js'

/** What a driver can do. The compliance suite skips what a driver lacks. */
export interface DriverCapabilities {
  /** `pauseDomain` / `unpauseDomain`. */
  pause: boolean
  /** `shutdownDomain` asks the guest; without it, shutdown is a destroy. */
  gracefulShutdown: boolean
  /** `saveDomain` / `restoreDomain`. */
  checkpoint: boolean
  /** Live migration (memory pre-copy). */
  liveMigration: boolean
  /** Storage modes `migrateDomain` supports. */
  storageMigration: StorageMigrationMode[]
  /** `cloneImage(..., 'cow')` makes a copy-on-write clone. */
  copyOnWriteClone: boolean
  /** `reattach` finds domains after a restart of the caller. */
  reattach: boolean
}
