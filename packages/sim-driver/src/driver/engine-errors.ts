/**
 * The driver's boundary with the engine: the engine's own errors become the
 * contract's, so a caller of a `HypervisorDriver` only ever sees the errors
 * the contract names (the engine's error is kept as the `cause`).
 */
import {
  BackendUnavailableError, DomainExistsError, InsufficientDiskError, InsufficientMemoryError, InvalidSpecError
} from '@xenos/hypervisor-interface'
import {
  ActivityCanceledError, ActivityFailedError, InsufficientDiskSpaceError, InsufficientHostMemoryError, VmArgumentError, VmExistsError
} from '@xenos/sim-engine'

/** The contract's backend name of simulated hosts. */
export const SIM_BACKEND = 'sim'

/**
 * `err` as the contract's error for a call on `hostname`: a guest that does
 * not fit or whose name is taken, a disk that is full, a bad guest field,
 * and simulated work that failed or was canceled (the host is then
 * unavailable). Anything else is returned as it is.
 */
export function contractError (err: unknown, hostname: string): Error {
  const options = { cause: err }
  if (err instanceof ActivityFailedError || err instanceof ActivityCanceledError) {
    return new BackendUnavailableError(SIM_BACKEND, `simulated work on ${hostname} failed: ${err.message}`, options)
  }
  if (err instanceof VmExistsError) return new DomainExistsError(err.vmName, err.hostname, options)
  if (err instanceof InsufficientHostMemoryError) return new InsufficientMemoryError(err.requestedMiB, err.freeMiB, err.hostname, options)
  if (err instanceof InsufficientDiskSpaceError) return new InsufficientDiskError(err.requestedBytes, err.freeBytes, err.hostname, options)
  if (err instanceof VmArgumentError) return new InvalidSpecError(err.field, err.expected, err.found, options)
  return err instanceof Error ? err : new Error(String(err))
}
