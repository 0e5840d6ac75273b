/**
 * Typed errors of the coordinator. Each has `name` set (match on `err.name`)
 * and a message saying what was expected and what was found. The API layer
 * maps them to XML-RPC fault codes by `code`.
 */

/** Base class: every coordinator error has a stable `code`. */
export class CoordinatorError extends Error {
  readonly code: string
  constructor (message: string, code = 'ERR_COORDINATOR', options?: ErrorOptions) {
    super(message, options)
    this.name = 'CoordinatorError'
    this.code = code
  }
}

/** No service with that id (or name) on this host. */
export class ServiceNotFoundError extends CoordinatorError {
  constructor (readonly service: string, readonly hostname: string, options?: ErrorOptions) {
    super(`expected a service "${service}" on host ${hostname}, found none`, 'ERR_SERVICE_NOT_FOUND', options)
    this.name = 'ServiceNotFoundError'
  }
}

/** No template with that name on this host (or on any peer asked). */
export class TemplateNotFoundError extends CoordinatorError {
  constructor (readonly template: string, readonly where: string, options?: ErrorOptions) {
    super(`expected a template "${template}" on ${where}, found none`, 'ERR_TEMPLATE_NOT_FOUND', options)
    this.name = 'TemplateNotFoundError'
  }
}

/** A service name, id or template name is already taken. */
export class AlreadyExistsError extends CoordinatorError {
  constructor (readonly kind: string, readonly key: string, readonly hostname: string, options?: ErrorOptions) {
    super(`expected ${kind} "${key}" to be free on host ${hostname}, found it already in use`, 'ERR_ALREADY_EXISTS', options)
    this.name = 'AlreadyExistsError'
  }
}

/** A value passed to the coordinator is malformed. */
export class InvalidArgumentError extends CoordinatorError {
  constructor (readonly field: string, readonly expected: string, readonly found: unknown, options?: ErrorOptions) {
    super(`${field}: expected ${expected}, found ${show(found)}`, 'ERR_INVALID_ARGUMENT', options)
    this.name = 'InvalidArgumentError'
  }
}

/** The service is in a state that does not allow the operation. */
export class ServiceStateError extends CoordinatorError {
  constructor (readonly service: string, readonly operation: string, readonly expected: readonly string[], readonly found: string, options?: ErrorOptions) {
    super(`${operation} service "${service}": expected state ${expected.join(' or ')}, found ${found}`, 'ERR_SERVICE_STATE', options)
    this.name = 'ServiceStateError'
  }
}

/** A migration did not complete; the service is still on the source. */
export class MigrationError extends CoordinatorError {
  constructor (readonly service: string, readonly target: string, readonly reason: string, options?: ErrorOptions) {
    super(`expected service "${service}" to migrate to ${target}, found: ${reason}; the service is left on the source`, 'ERR_MIGRATION', options)
    this.name = 'MigrationError'
  }
}

/** No host matched a search, or the chosen host has no room. */
export class NoCapacityError extends CoordinatorError {
  constructor (readonly what: string, readonly found: string, options?: ErrorOptions) {
    super(`expected ${what}, found ${found}`, 'ERR_NO_CAPACITY', options)
    this.name = 'NoCapacityError'
  }
}

/** The state files in the data directory cannot be read. */
export class StateFileError extends CoordinatorError {
  constructor (readonly path: string, readonly reason: string, options?: ErrorOptions) {
    super(`expected a readable coordinator state file at ${path}, found: ${reason}`, 'ERR_STATE_FILE', options)
    this.name = 'StateFileError'
  }
}

/** A peer coordinator could not be reached or refused a step. */
export class PeerError extends CoordinatorError {
  constructor (readonly peer: string, readonly step: string, readonly reason: string, options?: ErrorOptions) {
    super(`expected host ${peer} to ${step}, found: ${reason}`, 'ERR_PEER', options)
    this.name = 'PeerError'
  }
}

/**
 * An operation needed hosts that could not be reached: a search found no
 * suitable host among those that answered while others did not, or a call's
 * target is down. `hosts` maps each host to what happened to it.
 */
export class UnreachableHostsError extends CoordinatorError {
  constructor (readonly expected: string, readonly found: string, readonly hosts: Record<string, string>, options?: ErrorOptions) {
    const notReached = Object.entries(hosts).map(([h, why]) => `${h} (${why})`).join(', ')
    super(`expected ${expected}, found ${found}; not reached: ${notReached}`, 'ERR_UNREACHABLE', options)
    this.name = 'UnreachableHostsError'
  }
}

/** The coordinator was used before `start()` or after `stop()`. */
export class NotRunningError extends CoordinatorError {
  constructor (readonly hostname: string, readonly found: string) {
    super(`expected the coordinator of host ${hostname} to be running, found it ${found}`, 'ERR_NOT_RUNNING')
    this.name = 'NotRunningError'
  }
}

function show (value: unknown): string {
  if (value === undefined) return 'nothing'
  try { return JSON.stringify(value) ?? String(value) } catch { return String(value) }
}
