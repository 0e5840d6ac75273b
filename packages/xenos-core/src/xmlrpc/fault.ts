/**
 * XML-RPC faults and their codes.
 *
 * System codes follow the widely used "specification for fault code
 * interoperability" (xmlrpc-epi, also used by Apache XML-RPC and PHP):
 * -32700 parse error, -32600 invalid request, -32601 method not found,
 * -32602 invalid params, -32603 internal error. Application codes are
 * positive and borrow the meaning of the HTTP status of the same number.
 */
import { XenosError } from '../errors.js'

/** Fault codes Xenos sends. Every code is documented in docs/api.md. */
export const FaultCode = {
  /** The request is not well-formed XML (or is not valid in its declared encoding). */
  PARSE_ERROR: -32700,
  /** The request declares an encoding the server does not support. */
  UNSUPPORTED_ENCODING: -32701,
  /** The XML is well formed but is not an XML-RPC `methodCall`, or it is too large or too deep. */
  INVALID_REQUEST: -32600,
  /** No method of that name. */
  METHOD_NOT_FOUND: -32601,
  /** Wrong number or types of parameters. */
  INVALID_PARAMS: -32602,
  /** The method failed for a reason that is not the caller's fault. */
  INTERNAL_ERROR: -32603,
  /** A transport-level problem reported as a fault (for example a request that is too large). */
  TRANSPORT_ERROR: -32300,
  /** The arguments have the right types but a bad value (for example a malformed search query). */
  BAD_ARGUMENT: 400,
  /** No credentials, or credentials that match no user. */
  UNAUTHENTICATED: 401,
  /** The user is known but may not make this call on this target. */
  FORBIDDEN: 403,
  /** The service, host, template or group named does not exist. */
  NOT_FOUND: 404,
  /** The target is in a state that does not allow the operation (for example pausing a stopped service). */
  CONFLICT: 409,
  /** The request body is larger than the server accepts. */
  TOO_LARGE: 413,
  /** The host lacks the resources (memory, disk) the operation needs. */
  INSUFFICIENT_RESOURCES: 507,
  /** A peer or the hypervisor did not answer in time, or is unreachable. */
  UNAVAILABLE: 503
} as const

export type FaultCodeName = keyof typeof FaultCode

/**
 * An XML-RPC fault: thrown by a handler to send a fault, and thrown by the
 * client when a server answers with one.
 */
export class XmlRpcFault extends XenosError {
  readonly faultCode: number
  readonly faultString: string
  constructor (faultCode: number, faultString: string, options?: ErrorOptions) {
    super(`XML-RPC fault ${faultCode}: ${faultString}`, options)
    if (!Number.isInteger(faultCode) || faultCode < -2147483648 || faultCode > 2147483647) {
      throw new RangeError(`faultCode: expected a 32-bit integer, found ${String(faultCode)}`)
    }
    this.faultCode = faultCode
    this.faultString = faultString
  }
}

/** The XML is malformed, or the message is not valid XML-RPC. Raised by the decoder. */
export class XmlRpcParseError extends XenosError {
  readonly faultCode: number
  constructor (message: string, faultCode: number = FaultCode.PARSE_ERROR, options?: ErrorOptions) {
    super(message, options)
    this.faultCode = faultCode
  }
}

/** A value that XML-RPC cannot carry (NaN, a function, a cycle...). Raised by the encoder. */
export class XmlRpcEncodeError extends XenosError {
  constructor (readonly path: string, readonly expected: string, readonly found: string) {
    super(`${path}: expected ${expected}, found ${found}`)
  }
}

/** The transport failed: HTTP status other than 200, connection refused, timeout, oversized response. */
export class XmlRpcTransportError extends XenosError {
  constructor (message: string, readonly statusCode?: number, options?: ErrorOptions) {
    super(message, options)
  }
}
