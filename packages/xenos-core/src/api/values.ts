/**
 * Converting between coordinator records and XML-RPC values, and checking
 * the members of struct parameters.
 */
import { InvalidArgumentError } from '../coordinator/errors.js'
import type { XmlRpcStruct, XmlRpcValue } from '../xmlrpc/values.js'

/** A plain JSON copy (drops `undefined` members) that XML-RPC can carry. */
export function toXmlRpc (value: unknown): XmlRpcValue {
  return JSON.parse(JSON.stringify(value ?? null)) as XmlRpcValue
}

/** Reads optional typed members of a struct parameter, naming bad fields. */
export class StructReader {
  constructor (private readonly struct: XmlRpcStruct | undefined, private readonly param: string, allowed: readonly string[]) {
    for (const k of Object.keys(struct ?? {})) {
      if (!allowed.includes(k)) throw new InvalidArgumentError(`${param}.${k}`, `one of the members ${allowed.join(', ')}`, k)
    }
  }

  private raw (key: string): unknown {
    return this.struct?.[key] ?? undefined
  }

  string (key: string): string | undefined {
    const v = this.raw(key)
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'string') throw new InvalidArgumentError(`${this.param}.${key}`, 'a string', v)
    return v
  }

  boolean (key: string): boolean | undefined {
    const v = this.raw(key)
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'boolean') throw new InvalidArgumentError(`${this.param}.${key}`, 'a boolean', v)
    return v
  }

  number (key: string): number | undefined {
    const v = this.raw(key)
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError(`${this.param}.${key}`, 'a number', v)
    return v
  }

  strings (key: string): string[] | undefined {
    const v = this.raw(key)
    if (v === undefined || v === null) return undefined
    if (!Array.isArray(v) || v.some(x => typeof x !== 'string')) throw new InvalidArgumentError(`${this.param}.${key}`, 'an array of strings', v)
    return v as string[]
  }

  stringMap (key: string): Record<string, string> | undefined {
    const v = this.raw(key)
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some(x => typeof x !== 'string')) throw new InvalidArgumentError(`${this.param}.${key}`, 'a struct of strings', v)
    return v as Record<string, string>
  }
}

/** Throws unless `value` is a non-empty string of at most `max` characters. */
export function nonEmpty (value: string, field: string, max = 256): string {
  if (value.length === 0 || value.length > max) throw new InvalidArgumentError(field, `a non-empty string of at most ${max} characters`, value)
  return value
}
