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
