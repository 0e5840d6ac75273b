/** No host of that name on the engine's platform. */
export class HostNotFoundError extends Error {
  constructor (readonly hostname: string, readonly known: readonly string[] = []) {
    super(`expected a host named "${hostname}" on the platform, found ${known.length === 0 ? 'none' : `only ${known.length > 5 ? `${known.slice(0, 5).join(', ')}, ... (${known.length} hosts)` : known.join(', ')}`}`)
    this.name = 'HostNotFoundError'
  }
}

/** `run`/`runUntil` called while the engine is already running (or live). */
export class EngineBusyError extends Error {
  constructor (readonly operation: string, readonly found: string) {
    super(`${operation}: expected an idle engine, found it ${found}`)
    this.name = 'EngineBusyError'
  }
}

/** A bad argument to an engine method (negative delay, time in the past). */
export class EngineArgumentError extends Error {
  constructor (readonly operation: string, readonly expected: string, readonly found: unknown) {
    super(`${operation}: expected ${expected}, found ${String(found)}`)
    this.name = 'EngineArgumentError'
  }
}

/** A guest of that name is already placed on the host. */
export class VmExistsError extends Error {
  constructor (readonly vmName: string, readonly hostname: string) {
    super(`expected the name "${vmName}" to be free on host ${hostname}, found a guest already using it`)
    this.name = 'VmExistsError'
  }
}

/** A guest does not fit in a host's free memory. */
export class InsufficientHostMemoryError extends Error {
  constructor (readonly requestedMiB: number, readonly freeMiB: number, readonly hostname: string) {
    super(`expected ${requestedMiB} MiB of free memory on host ${hostname}, found ${freeMiB} MiB`)
    this.name = 'InsufficientHostMemoryError'
  }
}

/** A reservation does not fit on a disk. */
export class InsufficientDiskSpaceError extends Error {
  constructor (readonly requestedBytes: number, readonly freeBytes: number, readonly hostname: string, readonly disk: string) {
    super(`expected ${requestedBytes} bytes free on disk ${disk} of host ${hostname}, found ${freeBytes} bytes`)
    this.name = 'InsufficientDiskSpaceError'
  }
}

/** A guest could not be placed or moved as asked: a bad field, a crashed or native host, a guest already gone. */
export class VmArgumentError extends Error {
  constructor (readonly field: string, readonly expected: string, readonly found: unknown) {
    super(`${field}: expected ${expected}, found ${typeof found === 'string' ? JSON.stringify(found) : String(found)}`)
    this.name = 'VmArgumentError'
  }
}

/** A guest name the engine accepts: it names constraints and event-log fields, so no whitespace and no "/". */
const VM_NAME_RE = /^[^\s/]{1,128}$/

/** Throws `VmArgumentError` unless `name` is 1-128 characters without whitespace or "/". */
export function assertVmName (name: unknown, field = 'name'): asserts name is string {
  if (typeof name !== 'string' || !VM_NAME_RE.test(name)) throw new VmArgumentError(field, 'a guest name of 1-128 characters without whitespace or "/"', name)
}
