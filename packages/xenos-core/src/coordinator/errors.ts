/**
 * Typed errors of the coordinator, on the package's base `XenosError`: each
 * has `name` set to its class's name (match on `err.name`) and a message
 * saying what was expected and what was found. Their fault codes are in the
 * one table of `api/faults.ts`. A service in the wrong state for an
 * operation, and a migration that did not complete, are the driver
 * contract's `InvalidStateError` and `MigrationFailedError`.
 */
import { XenosError } from '../errors.js'

export { InvalidArgumentError } from '../errors.js'

/** No service with that id (or name) on this host. */
export class ServiceNotFoundError extends XenosError {
  constructor (readonly service: string, readonly hostname: string, options?: ErrorOptions) {
    super(`expected a service "${service}" on host ${hostname}, found none`, options)
  }
}

/** No template with that name on this host (or on any peer asked). */
export class TemplateNotFoundError extends XenosError {
  constructor (readonly template: string, readonly where: string, options?: ErrorOptions) {
    super(`expected a template "${template}" on ${where}, found none`, options)
  }
}

/** No host of that name or peer id in the overlay's membership. */
export class HostNotFoundError extends XenosError {
  constructor (readonly host: string, readonly hostname: string, options?: ErrorOptions) {
    super(`expected a host "${host}" in the membership of host ${hostname}, found none`, options)
  }
}

/** A service name, id or template name is already taken. */
export class AlreadyExistsError extends XenosError {
  constructor (readonly kind: string, readonly key: string, readonly hostname: string, options?: ErrorOptions) {
    super(`expected ${kind} "${key}" to be free on host ${hostname}, found it already in use`, options)
  }
}

/** No host matched a search, or the chosen host has no room. */
export class NoCapacityError extends XenosError {
  constructor (readonly what: string, readonly found: string, options?: ErrorOptions) {
    super(`expected ${what}, found ${found}`, options)
  }
}

/** The state files in the data directory cannot be read. */
export class StateFileError extends XenosError {
  constructor (readonly path: string, readonly reason: string, options?: ErrorOptions) {
    super(`expected a readable coordinator state file at ${path}, found: ${reason}`, options)
  }
}

/** A peer coordinator could not be reached or refused a step. */
export class PeerError extends XenosError {
  constructor (readonly peer: string, readonly step: string, readonly reason: string, options?: ErrorOptions) {
    super(`expected host ${peer} to ${step}, found: ${reason}`, options)
  }
}

/**
 * An operation needed hosts that could not be reached: a search found no
 * suitable host among those that answered while others did not, or a call's
 * target is down. `hosts` maps each host to what happened to it.
 */
export class UnreachableHostsError extends XenosError {
  constructor (readonly expected: string, readonly found: string, readonly hosts: Record<string, string>, options?: ErrorOptions) {
    const notReached = Object.entries(hosts).map(([h, why]) => `${h} (${why})`).join(', ')
    super(`expected ${expected}, found ${found}; not reached: ${notReached}`, options)
  }
}

/** The coordinator was used before `start()` or after `stop()`. */
export class NotRunningError extends XenosError {
  constructor (readonly hostname: string, readonly found: string) {
    super(`expected the coordinator of host ${hostname} to be running, found it ${found}`)
  }
}
