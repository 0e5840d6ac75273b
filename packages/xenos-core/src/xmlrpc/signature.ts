/**
 * Parameter signatures of registered methods: the XML-RPC type names, an
 * optional trailing `?`, and the TypeScript types handlers receive.
 */
import { INT32_MAX, INT32_MIN, XmlRpcDouble, type XmlRpcStruct, type XmlRpcType, type XmlRpcValue } from './values.js'

/** A type name in a signature; `any` accepts every value (shown as `any` by `system.methodSignature`). */
export type SignatureType = XmlRpcType | 'any'
/** A parameter: a type, or a type followed by `?` for an optional trailing parameter. */
export type ParamSpec = SignatureType | `${SignatureType}?`

/** The TypeScript type a handler receives for one XML-RPC type. */
export type TsTypeOf<T extends string>
  = T extends 'int' | 'double' ? number
    : T extends 'i8' ? number | bigint
    : T extends 'boolean' ? boolean
    : T extends 'string' ? string
    : T extends 'dateTime.iso8601' ? Date
    : T extends 'base64' ? Uint8Array
    : T extends 'struct' ? XmlRpcStruct
    : T extends 'array' ? XmlRpcValue[]
    : T extends 'nil' ? null
    : XmlRpcValue

/** The handler's parameter tuple for a list of `ParamSpec`. */
export type ParamsOf<P extends readonly ParamSpec[]> = {
  -readonly [K in keyof P]: P[K] extends `${infer T}?` ? TsTypeOf<T> | undefined : TsTypeOf<P[K] & string>
}

function isStruct (v: XmlRpcValue): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Uint8Array) && !(v instanceof XmlRpcDouble)
}

/** True when a decoded value fits the type (numbers are compared by value: an int fits `double`). */
export function valueFits (value: XmlRpcValue, type: SignatureType): boolean {
  switch (type) {
    case 'any': return true
    case 'int': return typeof value === 'number' && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX
    case 'i8': return (typeof value === 'number' && Number.isSafeInteger(value)) || typeof value === 'bigint'
    case 'double': return typeof value === 'number'
    case 'boolean': return typeof value === 'boolean'
    case 'string': return typeof value === 'string'
    case 'dateTime.iso8601': return value instanceof Date
    case 'base64': return value instanceof Uint8Array
    case 'array': return Array.isArray(value)
    case 'struct': return isStruct(value)
    case 'nil': return value === null || value === undefined
  }
}

/** Splits specs into required and optional parts; throws if an optional one precedes a required one. */
export function splitSpecs (specs: readonly ParamSpec[]): { types: SignatureType[], required: number } {
  const types: SignatureType[] = []
  let required = 0
  let seenOptional = false
  for (const spec of specs) {
    const optional = spec.endsWith('?')
    if (!optional && seenOptional) throw new TypeError(`signature: expected optional parameters last, found required "${spec}" after an optional one`)
    if (optional) seenOptional = true
    else required++
    types.push((optional ? spec.slice(0, -1) : spec) as SignatureType)
  }
  return { types, required }
}
