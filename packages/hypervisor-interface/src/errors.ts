/**
 * Typed errors of the driver contract. Match them by `err.name` (or
 * `instanceof` within one copy of this package). Each message says what was
 * expected and what was found.
 */

/** Base class: every driver error has a stable `code`. */
export class HypervisorError extends Error {
  static readonly code: string = 'ERR_HYPERVISOR'
  readonly code: string
  constructor (message: string, code = 'ERR_HYPERVISOR', options?: ErrorOptions) {
    super(message, options)
    this.name = 'HypervisorError'
    this.code = code
  }
}

export class DomainNotFoundError extends HypervisorError {
  static override readonly code = 'ERR_DOMAIN_NOT_FOUND'
  constructor (readonly domain: string, readonly hostname: string, options?: ErrorOptions) {
    super(`expected a domain named "${domain}" on host ${hostname}, found none`, DomainNotFoundError.code, options)
    this.name = 'DomainNotFoundError'
  }
}

export class DomainExistsError extends HypervisorError {
  static override readonly code = 'ERR_DOMAIN_EXISTS'
  constructor (readonly domain: string, readonly hostname: string, options?: ErrorOptions) {
    super(`expected the name "${domain}" to be free on host ${hostname}, found a domain already using it`, DomainExistsError.code, options)
    this.name = 'DomainExistsError'
  }
}

export class InsufficientMemoryError extends HypervisorError {
  static override readonly code = 'ERR_INSUFFICIENT_MEMORY'
  constructor (readonly requestedMiB: number, readonly freeMiB: number, readonly hostname: string, options?: ErrorOptions) {
    super(`expected ${requestedMiB} MiB of free memory on host ${hostname}, found ${freeMiB} MiB`, InsufficientMemoryError.code, options)
    this.name = 'InsufficientMemoryError'
  }
}

export class InsufficientDiskError extends HypervisorError {
  static override readonly code = 'ERR_INSUFFICIENT_DISK'
  constructor (readonly requestedBytes: number, readonly freeBytes: number, readonly hostname: string, options?: ErrorOptions) {
    super(`expected ${requestedBytes} bytes of free disk on host ${hostname}, found ${freeBytes} bytes`, InsufficientDiskError.code, options)
    this.name = 'InsufficientDiskError'
  }
}

export class InvalidStateError extends HypervisorError {
  static override readonly code = 'ERR_INVALID_STATE'
  constructor (readonly domain: string, readonly operation: string, readonly expected: readonly string[], readonly found: string, options?: ErrorOptions) {
    super(`${operation} "${domain}": expected state ${expected.join(' or ')}, found ${found}`, InvalidStateError.code, options)
    this.name = 'InvalidStateError'
  }
}

export class ImageNotFoundError extends HypervisorError {
  static override readonly code = 'ERR_IMAGE_NOT_FOUND'
  constructor (readonly path: string, readonly hostname: string, options?: ErrorOptions) {
    super(`expected an image at ${path} on host ${hostname}, found none`, ImageNotFoundError.code, options)
    this.name = 'ImageNotFoundError'
  }
}

export class ImageExistsError extends HypervisorError {
  static override readonly code = 'ERR_IMAGE_EXISTS'
  constructor (readonly path: string, readonly hostname: string, options?: ErrorOptions) {
    super(`expected no image at ${path} on host ${hostname}, found one`, ImageExistsError.code, options)
    this.name = 'ImageExistsError'
  }
}

export class ImageInUseError extends HypervisorError {
  static override readonly code = 'ERR_IMAGE_IN_USE'
  constructor (readonly path: string, readonly usedBy: string, options?: ErrorOptions) {
    super(`expected image ${path} to be unused, found it used by ${usedBy}`, ImageInUseError.code, options)
    this.name = 'ImageInUseError'
  }
}

export class MigrationFailedError extends HypervisorError {
  static override readonly code = 'ERR_MIGRATION_FAILED'
  constructor (readonly domain: string, readonly target: string, readonly reason: string, options?: ErrorOptions) {
    super(`expected domain "${domain}" to migrate to ${target}, found: ${reason}; the domain is left on the source`, MigrationFailedError.code, options)
    this.name = 'MigrationFailedError'
  }
}

export class BackendUnavailableError extends HypervisorError {
  static override readonly code = 'ERR_BACKEND_UNAVAILABLE'
  constructor (readonly backend: string, readonly reason: string, options?: ErrorOptions) {
    super(`expected the ${backend} backend to answer, found: ${reason}`, BackendUnavailableError.code, options)
    this.name = 'BackendUnavailableError'
  }
}

export class OperationTimeoutError extends HypervisorError {
  static override readonly code = 'ERR_OPERATION_TIMEOUT'
  constructor (readonly operation: string, readonly timeoutS: number, options?: ErrorOptions) {
    super(`expected ${operation} to finish within ${timeoutS} s, found it still running`, OperationTimeoutError.code, options)
    this.name = 'OperationTimeoutError'
  }
}

export class UnsupportedOperationError extends HypervisorError {
  static override readonly code = 'ERR_UNSUPPORTED'
  constructor (readonly operation: string, readonly backend: string, options?: ErrorOptions) {
    super(`expected the ${backend} backend to support ${operation}, found it does not (see capabilities())`, UnsupportedOperationError.code, options)
    this.name = 'UnsupportedOperationError'
  }
}

export class InvalidSpecError extends HypervisorError {
  static override readonly code = 'ERR_INVALID_SPEC'
  constructor (readonly field: string, readonly expected: string, readonly found: unknown, options?: ErrorOptions) {
    super(`${field}: expected ${expected}, found ${describe(found)}`, InvalidSpecError.code, options)
    this.name = 'InvalidSpecError'
  }
}

/** Names every error class above, so `err.name` can be checked without `instanceof`. */
export const HYPERVISOR_ERROR_NAMES = [
  'HypervisorError', 'DomainNotFoundError', 'DomainExistsError', 'InsufficientMemoryError',
  'InsufficientDiskError', 'InvalidStateError', 'ImageNotFoundError', 'ImageExistsError',
  'ImageInUseError', 'MigrationFailedError', 'BackendUnavailableError', 'OperationTimeoutError',
  'UnsupportedOperationError', 'InvalidSpecError'
] as const

export function describe (value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'string') return JSON.stringify(value)
  try { return JSON.stringify(value) ?? String(value) } catch { return String(value) }
}
