/**
 * "Make the next operation of a kind fail": the fault knob of a mock driver
 * (Nomad's mock driver, CRI's fake runtime), for a simulated host.
 *
 * A planned failure is consumed by the first matching operation that gets
 * past input validation; it throws the given error, or a typed default:
 * `MigrationFailedError` for `migrate` (thrown at the switch-over, after the
 * bytes have moved, so the clean-up path is exercised), and
 * `BackendUnavailableError` for everything else (thrown before the operation
 * changes anything).
 */
import { BackendUnavailableError } from '@xenos/hypervisor-interface'

/** The driver operations a failure can be planned for. */
export const FAULTABLE_OPERATIONS = [
  'create', 'start', 'pause', 'unpause', 'shutdown', 'destroy', 'remove', 'save', 'restore',
  'createImage', 'copyImage', 'cloneImage', 'deleteImage', 'migrate'
] as const
export type FaultableOperation = typeof FAULTABLE_OPERATIONS[number]

export interface FailNextOptions {
  /** Only operations on this host's driver (the source, for `migrate`). Any host when absent. */
  host?: string
  /** The error to throw. A typed default when absent (see the module comment). */
  error?: Error
  /** How many operations fail. @default 1 */
  times?: number
}

interface Planned { operation: FaultableOperation, host?: string, error?: Error, left: number }

/** The failures planned on a cluster, consumed in the order they were planned. */
export class FailurePlan {
  private readonly planned: Planned[] = []

  /** Plan the next `times` operations of kind `operation` to fail. */
  failNext (operation: FaultableOperation, options: FailNextOptions = {}): void {
    if (!(FAULTABLE_OPERATIONS as readonly string[]).includes(operation)) {
      throw new RangeError(`failNext: expected one of ${FAULTABLE_OPERATIONS.join(', ')}, found ${String(operation)}`)
    }
    const times = options.times ?? 1
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`failNext: expected times to be an integer >= 1, found ${times}`)
    const p: Planned = { operation, left: times }
    if (options.host !== undefined) p.host = options.host
    if (options.error !== undefined) p.error = options.error
    this.planned.push(p)
  }

  /** Failures still planned. */
  get pending (): number { return this.planned.reduce((n, p) => n + p.left, 0) }

  /** Forget every planned failure. */
  clear (): void { this.planned.length = 0 }

  /**
   * Consume a planned failure for `operation` on `host`, if any: returns the
   * error to throw (`makeDefault` builds the default), or undefined.
   */
  take (operation: FaultableOperation, host: string, makeDefault?: () => Error): Error | undefined {
    const i = this.planned.findIndex(p => p.operation === operation && (p.host === undefined || p.host === host))
    if (i < 0) return undefined
    const p = this.planned[i] as Planned
    p.left -= 1
    if (p.left === 0) this.planned.splice(i, 1)
    return p.error ?? makeDefault?.() ?? new BackendUnavailableError('sim', `injected fault: the next ${operation} on ${host} was planned to fail`)
  }
}
