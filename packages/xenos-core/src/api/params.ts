/**
 * Parameters of API methods, declared once: the XML-RPC type
 * (`system.methodSignature`), the TypeScript type (handlers and the typed
 * client), how a value is checked (a bad one is `InvalidArgumentError`,
 * fault 400, naming the field), and how docs/api.md shows it.
 */
import { InvalidArgumentError } from '../coordinator/errors.js'
import type { SignatureType } from '../xmlrpc/signature.js'
import type { XmlRpcStruct, XmlRpcValue } from '../xmlrpc/values.js'

/** One positional parameter. `T` is what the handler receives and what the client sends. */
export interface Param<T = unknown, Optional extends boolean = boolean> {
  readonly name: string
  /** XML-RPC type, as `system.methodSignature` shows it. */
  readonly type: SignatureType
  readonly optional: Optional
  /** The value's form in docs/api.md, for example `{timeoutS?: number, force?: boolean}`. */
  readonly shape: string
  readonly doc: string
  /** Names the service the call acts on: the ownership check's target, and the host the client sends the call to. */
  readonly target?: boolean
  /** Checks a value of the right XML-RPC type; throws `InvalidArgumentError` naming `field`. */
  parse (value: XmlRpcValue, field: string): T
}

/** A member of a struct parameter; every member is optional. */
export interface Member<T = unknown> {
  readonly shape: string
  readonly doc?: string
  parse (value: XmlRpcValue, field: string): T
}

interface TextRules {
  /** @default 1 */
  minLength?: number
  /** @default 256 */
  maxLength?: number
}

function checkText (value: XmlRpcValue, field: string, rules: TextRules = {}): string {
  const min = rules.minLength ?? 1
  const max = rules.maxLength ?? 256
  if (typeof value !== 'string') throw new InvalidArgumentError(field, 'a string', value)
  if (value.length < min || value.length > max) {
    throw new InvalidArgumentError(field, min > 0 ? `a non-empty string of at most ${max} characters` : `a string of at most ${max} characters`, value)
  }
  return value
}

/** A string (non-empty, at most 256 characters unless told otherwise). */
export function text (name: string, doc: string, rules: TextRules = {}): Param<string, false> {
  return { name, type: 'string', optional: false, shape: textShape(rules), doc, parse: (v, f) => checkText(v, f, rules) }
}

/** `string (1-256 characters)`. */
function textShape (rules: TextRules): string {
  return `string (${rules.minLength ?? 1}-${rules.maxLength ?? 256} characters)`
}

/** The id or name of a service of the host that answers: the call's target. */
export function service (name = 'id', doc = 'service id or name'): Param<string, false> {
  return { ...text(name, doc), target: true }
}

/** A string that must be one of `values`. */
export function oneOf<const V extends string> (name: string, values: readonly V[], doc: string): Param<V, false> {
  return {
    name, type: 'string', optional: false, shape: values.map(v => JSON.stringify(v)).join(' | '), doc,
    parse: (v, f) => {
      if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) throw new InvalidArgumentError(f, values.map(x => `"${x}"`).join(' or '), v)
      return v as V
    }
  }
}

/** A 32-bit integer from `min` to `max`. */
export function integer (name: string, doc: string, range: { min?: number, max?: number } = {}): Param<number, false> {
  return {
    name, type: 'int', optional: false, shape: 'int', doc,
    parse: (v, f) => {
      const min = range.min ?? -2147483648
      const max = range.max ?? 2147483647
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new InvalidArgumentError(f, `an integer from ${min} to ${max}`, v)
      return v
    }
  }
}

/** Any XML-RPC array, passed on as it is (its items are checked by whoever reads them). */
export function list (name: string, doc: string): Param<XmlRpcValue[], false> {
  return { name, type: 'array', optional: false, shape: 'array', doc, parse: v => v as XmlRpcValue[] }
}

/** A struct whose content is checked further by the coordinator (peer protocol records). */
export function record<T> (name: string, doc: string): Param<T, false> {
  return { name, type: 'struct', optional: false, shape: 'struct', doc, parse: v => v as unknown as T }
}

/** Any value. */
export function anyValue (name: string, doc: string): Param<XmlRpcValue, false> {
  return { name, type: 'any', optional: false, shape: 'any', doc, parse: v => v }
}

type MembersOf<M extends Record<string, Member>> = { [K in keyof M]?: M[K] extends Member<infer T> ? T : never }

/** An options struct: every member optional, unknown members refused. */
export function options<const M extends Record<string, Member>> (name: string, doc: string, members: M): Param<MembersOf<M>, false> {
  const keys = Object.keys(members)
  return {
    name, type: 'struct', optional: false, doc,
    shape: `{${keys.map(k => `${k}?: ${(members[k] as Member).shape}`).join(', ')}}`,
    parse: (v, f) => {
      const struct = v as XmlRpcStruct
      const out: Record<string, unknown> = {}
      for (const k of Object.keys(struct)) {
        if (!keys.includes(k)) throw new InvalidArgumentError(`${f}.${k}`, `one of the members ${keys.join(', ')}`, k)
      }
      for (const k of keys) {
        const value = struct[k]
        if (value === undefined || value === null) continue
        out[k] = (members[k] as Member).parse(value, `${f}.${k}`)
      }
      return out as MembersOf<M>
    }
  }
}

/** The same parameter, optional (it must come after the required ones). */
export function optional<T> (p: Param<T, false>): Param<T | undefined, true> {
  return { ...p, optional: true, parse: p.parse }
}

/** Members of options structs. */
export const member = {
  string (doc?: string, rules: TextRules = {}): Member<string> {
    return { shape: textShape({ minLength: 0, ...rules }), ...(doc === undefined ? {} : { doc }), parse: (v, f) => checkText(v, f, { minLength: 0, ...rules }) }
  },
  oneOf<const V extends string> (values: readonly V[], doc?: string): Member<V> {
    return {
      shape: values.map(v => JSON.stringify(v)).join(' | '), ...(doc === undefined ? {} : { doc }),
      parse: (v, f) => {
        if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) throw new InvalidArgumentError(f, values.map(x => `"${x}"`).join(' or '), v)
        return v as V
      }
    }
  },
  boolean (doc?: string): Member<boolean> {
    return {
      shape: 'boolean', ...(doc === undefined ? {} : { doc }),
      parse: (v, f) => { if (typeof v !== 'boolean') throw new InvalidArgumentError(f, 'a boolean', v); return v }
    }
  },
  number (doc?: string, range: { min?: number, max?: number, integer?: boolean } = {}): Member<number> {
    const bounds = `${range.min === undefined ? '' : ` >= ${range.min}`}${range.max === undefined ? '' : ` <= ${range.max}`}`
    const what = `${range.integer === true ? 'an integer' : 'a number'}${bounds}`
    return {
      shape: range.integer === true ? 'int' : 'number', ...(doc === undefined ? {} : { doc }),
      parse: (v, f) => {
        if (typeof v !== 'number' || !Number.isFinite(v) || (range.integer === true && !Number.isInteger(v))) throw new InvalidArgumentError(f, what, v)
        if ((range.min !== undefined && v < range.min) || (range.max !== undefined && v > range.max)) throw new InvalidArgumentError(f, what, v)
        return v
      }
    }
  },
  strings (doc?: string): Member<string[]> {
    return {
      shape: '[string]', ...(doc === undefined ? {} : { doc }),
      parse: (v, f) => {
        if (!Array.isArray(v) || v.some(x => typeof x !== 'string')) throw new InvalidArgumentError(f, 'an array of strings', v)
        return v as string[]
      }
    }
  },
  stringMap (doc?: string): Member<Record<string, string>> {
    return {
      shape: '{string: string}', ...(doc === undefined ? {} : { doc }),
      parse: (v, f) => {
        const plain = typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Uint8Array)
        if (!plain || Object.values(v).some(x => typeof x !== 'string')) {
          throw new InvalidArgumentError(f, 'a struct of strings', v)
        }
        return v as Record<string, string>
      }
    }
  }
}

/** The declared result of a method: its XML-RPC type and, for the typed client, its TypeScript type. */
export interface Result<T> {
  readonly type: SignatureType
  readonly doc: string
  /** Never set: carries `T` for the client's types. */
  readonly __type?: T
}

export function returns<T> (type: SignatureType, doc: string): Result<T> {
  return { type, doc }
}
