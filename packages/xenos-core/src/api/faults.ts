/**
 * How errors become XML-RPC faults, in one table: each fault code, when it
 * is sent, and the errors (of Xenos and of the driver contract) that map to
 * it. The fault string is the error's name and its own "expected ... found
 * ..." message. docs/api.md's fault table is rendered from `FAULTS`.
 */
import { FaultCode, XmlRpcFault } from '../xmlrpc/fault.js'

export interface FaultDescription {
  code: number
  name: string
  /** When it is sent. */
  when: string
  /** Names of the errors a method's failure maps to this code (the system codes come from the XML-RPC layer itself). */
  errors: readonly string[]
}

/** Every fault code Xenos sends. */
export const FAULTS: readonly FaultDescription[] = [
  fault(FaultCode.PARSE_ERROR, 'parse error', 'the request is not well-formed XML, or not valid UTF-8'),
  fault(FaultCode.UNSUPPORTED_ENCODING, 'unsupported encoding', 'the XML declaration names an encoding other than UTF-8, US-ASCII, ISO-8859-1'),
  fault(FaultCode.INVALID_REQUEST, 'invalid request',
    'well-formed XML that is not a valid `methodCall` (unknown type, bad int, duplicate struct member, DOCTYPE, nesting deeper than 256 elements)'),
  fault(FaultCode.METHOD_NOT_FOUND, 'method not found', 'no such method (see `system.listMethods`)'),
  fault(FaultCode.INVALID_PARAMS, 'invalid params', 'wrong number or types of parameters (the message names the parameter, the expected and the found type)'),
  fault(FaultCode.INTERNAL_ERROR, 'internal error',
    'the method failed for a reason that is not the caller\'s (the message says which), or its result cannot be sent as XML-RPC'),
  fault(FaultCode.TRANSPORT_ERROR, 'transport error', 'reserved for transport failures reported as faults'),
  fault(FaultCode.BAD_ARGUMENT, 'bad argument',
    'right types, bad value (a malformed search query: the message gives the position, what was expected and found)',
    ['InvalidArgumentError', 'QuerySyntaxError', 'InvalidSpecError']),
  fault(FaultCode.UNAUTHENTICATED, 'unauthenticated', 'no credentials, or credentials that match no user', ['AuthenticationError']),
  fault(FaultCode.FORBIDDEN, 'forbidden', 'the user may not make this call on this target', ['AuthorizationError']),
  fault(FaultCode.NOT_FOUND, 'not found', 'no such service, template, user, host (in the membership), domain or image',
    ['ServiceNotFoundError', 'TemplateNotFoundError', 'HostNotFoundError', 'UserNotFoundError', 'DomainNotFoundError', 'ImageNotFoundError']),
  fault(FaultCode.CONFLICT, 'conflict',
    'the target\'s state does not allow the operation (pausing a stopped service), a name is taken, or the backend cannot do it',
    ['InvalidStateError', 'AlreadyExistsError', 'DomainExistsError', 'ImageExistsError', 'ImageInUseError', 'UnsupportedOperationError',
      'NotGroupMemberError']),
  fault(FaultCode.TOO_LARGE, 'too large', 'the request body is larger than `api.maxRequestBytes` (see Limits)'),
  fault(FaultCode.UNAVAILABLE, 'unavailable',
    'a peer or the hypervisor did not answer in time, or is unreachable, a migration did not complete, or no holder could supply an image '
    + '(the message names the hosts and what happened to each)',
    ['MigrationFailedError', 'PeerError', 'UnreachableHostsError', 'TransferError', 'BackendUnavailableError', 'OperationTimeoutError', 'OverlayTimeoutError',
      'NotRunningError']),
  fault(FaultCode.INSUFFICIENT_RESOURCES, 'insufficient resources', 'the host lacks the memory or disk the operation needs',
    ['NoCapacityError', 'InsufficientMemoryError', 'InsufficientDiskError'])
]

function fault (code: number, name: string, when: string, errors: readonly string[] = []): FaultDescription {
  return { code, name, when, errors }
}

/** Fault code by error name. */
export const FAULT_CODES: Readonly<Record<string, number>> = Object.fromEntries(FAULTS.flatMap(f => f.errors.map(e => [e, f.code])))

/** The fault for `err`, or undefined for errors that are not the caller's business (internal errors). */
export function faultFor (err: unknown): XmlRpcFault | undefined {
  if (err instanceof XmlRpcFault) return err
  if (!(err instanceof Error)) return undefined
  const code = FAULT_CODES[err.name]
  if (code === undefined) return undefined
  return new XmlRpcFault(code, `${err.name}: ${err.message}`, { cause: err })
}
