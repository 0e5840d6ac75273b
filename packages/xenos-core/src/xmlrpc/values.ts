/**
 * The XML-RPC data model as JavaScript values.
 *
 * | XML-RPC            | JavaScript (decoded)                         | JavaScript (encoded from)                     |
 * |--------------------|----------------------------------------------|-----------------------------------------------|
 * | int, i4            | number (32-bit integer)                       | an integer number in the 32-bit range         |
 * | i8 (extension)     | number, or bigint beyond 2^53                 | an integer number beyond 32 bits, or a bigint |
 * | boolean            | boolean                                       | boolean                                       |
 * | string, untyped    | string                                        | string                                        |
 * | double             | number                                        | a non-integer number, or `xmlRpcDouble(x)`    |
 * | dateTime.iso8601   | Date (read as UTC when no zone is given)      | Date (written in UTC, no zone, as Python does)|
 * | base64             | Uint8Array                                    | Uint8Array (Buffer included)                  |
 * | struct             | plain object                                  | plain object (undefined members are left out) |
 * | array              | array                                         | array                                         |
 * | nil (extension)    | null                                          | null or undefined                             |
 *
 * `i8` is needed because byte counts (free disk, image sizes) pass 2^31;
 * Python's `xmlrpc.client`, Apache XML-RPC and most others read it.
 */
export type XmlRpcValue =
  | number
  | bigint
  | boolean
  | string
  | Date
  | Uint8Array
  | null
  | undefined
  | XmlRpcDouble
  | XmlRpcValue[]
  | XmlRpcStruct

export interface XmlRpcStruct { [member: string]: XmlRpcValue }

/** Forces a number to be sent as `<double>` even when it has no fractional part. */
export class XmlRpcDouble {
  constructor (readonly value: number) {}
}

/** Wraps `value` so that it is encoded as `<double>`. */
export function xmlRpcDouble (value: number): XmlRpcDouble {
  return new XmlRpcDouble(value)
}

/** Type names used in method signatures (`system.methodSignature`). */
export const XML_RPC_TYPES = ['int', 'i8', 'boolean', 'string', 'double', 'dateTime.iso8601', 'base64', 'struct', 'array', 'nil'] as const
export type XmlRpcType = typeof XML_RPC_TYPES[number]

export const INT32_MIN = -2147483648
export const INT32_MAX = 2147483647
export const INT64_MIN = -(2n ** 63n)
export const INT64_MAX = 2n ** 63n - 1n

/** The XML-RPC type a decoded value has (how `system.methodSignature` names it). */
export function typeOfValue (value: XmlRpcValue): XmlRpcType {
  if (value === null || value === undefined) return 'nil'
  if (typeof value === 'boolean') return 'boolean'
  if (typeof value === 'string') return 'string'
  if (typeof value === 'bigint') return 'i8'
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return 'double'
    return value >= INT32_MIN && value <= INT32_MAX ? 'int' : 'i8'
  }
  if (value instanceof XmlRpcDouble) return 'double'
  if (value instanceof Date) return 'dateTime.iso8601'
  if (value instanceof Uint8Array) return 'base64'
  if (Array.isArray(value)) return 'array'
  return 'struct'
}
