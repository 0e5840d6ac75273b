/**
 * How coordinator, driver and query errors become XML-RPC faults: the fault
 * code says the kind of failure (see docs/api.md), the fault string is the
 * error's own "expected ... found ..." message prefixed with its name.
 */
import { authFault } from '../auth/fault-map.js'
import { FaultCode, XmlRpcFault } from '../xmlrpc/fault.js'

const CODES: Record<string, number> = {
  ServiceNotFoundError: FaultCode.NOT_FOUND,
  TemplateNotFoundError: FaultCode.NOT_FOUND,
  UserNotFoundError: FaultCode.NOT_FOUND,
  DomainNotFoundError: FaultCode.NOT_FOUND,
  ImageNotFoundError: FaultCode.NOT_FOUND,
  InvalidArgumentError: FaultCode.BAD_ARGUMENT,
  InvalidSpecError: FaultCode.BAD_ARGUMENT,
  QuerySyntaxError: FaultCode.BAD_ARGUMENT,
  ServiceStateError: FaultCode.CONFLICT,
  InvalidStateError: FaultCode.CONFLICT,
  AlreadyExistsError: FaultCode.CONFLICT,
  DomainExistsError: FaultCode.CONFLICT,
  ImageExistsError: FaultCode.CONFLICT,
  ImageInUseError: FaultCode.CONFLICT,
  UnsupportedOperationError: FaultCode.CONFLICT,
  NoCapacityError: FaultCode.INSUFFICIENT_RESOURCES,
  InsufficientMemoryError: FaultCode.INSUFFICIENT_RESOURCES,
  InsufficientDiskError: FaultCode.INSUFFICIENT_RESOURCES,
  MigrationError: FaultCode.UNAVAILABLE,
  MigrationFailedError: FaultCode.UNAVAILABLE,
  PeerError: FaultCode.UNAVAILABLE,
  UnreachableHostsError: FaultCode.UNAVAILABLE,
  BackendUnavailableError: FaultCode.UNAVAILABLE,
  OperationTimeoutError: FaultCode.UNAVAILABLE,
  OverlayTimeoutError: FaultCode.UNAVAILABLE,
  NotRunningError: FaultCode.UNAVAILABLE,
  NotGroupMemberError: FaultCode.CONFLICT
}

/** The fault for `err`, or undefined for errors that are not the caller's business (internal errors). */
export function faultFor (err: unknown): XmlRpcFault | undefined {
  if (err instanceof XmlRpcFault) return err
  const auth = authFault(err)
  if (auth !== undefined) return auth
  if (!(err instanceof Error)) return undefined
  const code = CODES[err.name]
  if (code === undefined) return undefined
  return new XmlRpcFault(code, `${err.name}: ${err.message}`, { cause: err })
}
