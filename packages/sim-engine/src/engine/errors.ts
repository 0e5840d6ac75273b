/**
 * Errors of the simulation engine. All extend `SimEngineError`, whose `name`
 * is the class's own name (match on `err.name`); each message says what was
 * expected and what was found.
 */

/** Base class of every error @xenos/sim-engine throws: sets `name` to the class's own name. */
export class SimEngineError extends Error {
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}

/** A found value as messages show it: strings quoted, everything else as `String` gives it. */
function showFound (found: unknown): string {
  return typeof found === 'string' ? JSON.stringify(found) : String(found)
}

/** No host of that name on the engine's platform. */
export class HostNotFoundError extends SimEngineError {
  constructor (readonly hostname: string, readonly known: readonly string[] = []) {
    const shown = known.length > 5 ? `${known.slice(0, 5).join(', ')}, ... (${known.length} hosts)` : known.join(', ')
    super(`expected a host named "${hostname}" on the platform, found ${known.length === 0 ? 'none' : `only ${shown}`}`)
  }
}

/** `run`/`runUntil` called while the engine is already running (or live). */
export class EngineBusyError extends SimEngineError {
  constructor (readonly operation: string, readonly found: string) {
    super(`${operation}: expected an idle engine, found it ${found}`)
  }
}

/**
 * A bad argument given to the engine: `field` names the method or field
 * (negative delay, time in the past, a bad guest field). The package's one
 * argument error; the subclasses below only say which part refused it.
 */
export class EngineArgumentError extends SimEngineError {
  constructor (readonly field: string, readonly expected: string, readonly found: unknown) {
    super(`${field}: expected ${expected}, found ${showFound(found)}`)
  }
}

/** A guest of that name is already placed on the host. */
export class VmExistsError extends SimEngineError {
  constructor (readonly vmName: string, readonly hostname: string) {
    super(`expected the name "${vmName}" to be free on host ${hostname}, found a guest already using it`)
  }
}

/** A guest does not fit in a host's free memory. */
export class InsufficientHostMemoryError extends SimEngineError {
  constructor (readonly requestedMiB: number, readonly freeMiB: number, readonly hostname: string) {
    super(`expected ${requestedMiB} MiB of free memory on host ${hostname}, found ${freeMiB} MiB`)
  }
}

/** A reservation does not fit on a disk. */
export class InsufficientDiskSpaceError extends SimEngineError {
  constructor (readonly requestedBytes: number, readonly freeBytes: number, readonly hostname: string, readonly disk: string) {
    super(`expected ${requestedBytes} bytes free on disk ${disk} of host ${hostname}, found ${freeBytes} bytes`)
  }
}

/** An `EngineArgumentError` of a guest that could not be placed or moved as asked: a bad field, a crashed or native host, a guest already gone. */
export class VmArgumentError extends EngineArgumentError {}

/** A guest name the engine accepts: it names constraints and event-log fields, so no whitespace and no "/". */
const VM_NAME_RE = /^[^\s/]{1,128}$/

/** Throws `VmArgumentError` unless `name` is 1-128 characters without whitespace or "/". */
export function assertVmName (name: unknown, field = 'name'): asserts name is string {
  if (typeof name !== 'string' || !VM_NAME_RE.test(name)) throw new VmArgumentError(field, 'a guest name of 1-128 characters without whitespace or "/"', name)
}
