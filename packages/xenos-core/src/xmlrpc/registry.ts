/**
 * The method registry and dispatcher. One registry serves every transport:
 * the HTTP server and the libp2p protocol both hand it request bytes with a
 * `CallContext` and send back the bytes it returns. `dispatch` never throws:
 * every failure becomes a fault.
 */
import type { CallContext } from './context.js'
import { decodeMethodCall } from './decode.js'
import { encodeFault, encodeMethodResponse, isValidMethodName } from './encode.js'
import { FaultCode, XmlRpcEncodeError, XmlRpcFault, XmlRpcParseError } from './fault.js'
import { splitSpecs, valueFits, type ParamSpec, type ParamsOf, type SignatureType } from './signature.js'
import { typeOfValue, type XmlRpcStruct, type XmlRpcValue } from './values.js'
import type { XmlLimits } from './xml-tree.js'

/** Who may call a method before any per-target check: anyone, or only authenticated callers. */
export type MethodAccess = 'public' | 'authenticated'

export interface MethodDefinition<P extends readonly ParamSpec[] = readonly ParamSpec[]> {
  /** Letters, digits, `_`, `.`, `:` or `/`, for example `xenos.getService`. */
  name: string
  /** Parameter types in order; a trailing `?` marks an optional trailing parameter. */
  params: P
  /** Type of the result, for `system.methodSignature`. */
  returns: SignatureType
  /** One paragraph for `system.methodHelp`. */
  help: string
  /** @default 'authenticated' */
  access?: MethodAccess
  /**
   * Returns any value the encoder can carry (records typed as interfaces
   * included); a value it cannot carry becomes a -32603 fault naming the path.
   */
  handler: (params: ParamsOf<P>, context: CallContext) => unknown
}

interface Registered {
  def: MethodDefinition
  types: SignatureType[]
  required: number
}

export interface MethodRegistryInit {
  /** Turns a handler's error into a fault; `undefined` falls back to -32603 internal error. */
  mapError?: (err: unknown) => XmlRpcFault | undefined
  /** Told about every error that became an internal-error fault (for logs). */
  onInternalError?: (err: unknown, methodName: string) => void
  /** Size and nesting limits of request documents. */
  limits?: XmlLimits
  /** Register `system.multicall`. @default true */
  multicall?: boolean
}

export class MethodRegistry {
  private readonly methods = new Map<string, Registered>()
  private readonly init: MethodRegistryInit

  constructor (init: MethodRegistryInit = {}) {
    this.init = init
    this.registerIntrospection()
  }

  /** Adds a method; throws if the name is invalid or already taken. */
  register<const P extends readonly ParamSpec[]> (def: MethodDefinition<P>): this {
    if (!isValidMethodName(def.name)) {
      throw new TypeError(`register: expected a method name of letters, digits, "_", ".", ":" or "/", found ${JSON.stringify(def.name)}`)
    }
    if (this.methods.has(def.name)) throw new TypeError(`register: expected a new method name, found "${def.name}" already registered`)
    const { types, required } = splitSpecs(def.params)
    this.methods.set(def.name, { def: def as unknown as MethodDefinition, types, required })
    return this
  }

  has (name: string): boolean {
    return this.methods.has(name)
  }

  /** Names of all methods, sorted. */
  listMethods (): string[] {
    return [...this.methods.keys()].sort()
  }

  /** Signatures as `system.methodSignature` returns them: `[[returnType, ...paramTypes], ...]`, one per arity. */
  signatures (name: string): string[][] {
    const m = this.lookup(name)
    const out: string[][] = []
    for (let n = m.required; n <= m.types.length; n++) out.push([m.def.returns, ...m.types.slice(0, n)])
    return out
  }

  help (name: string): string {
    return this.lookup(name).def.help
  }

  private lookup (name: string): Registered {
    const m = this.methods.get(name)
    if (m === undefined) throw new XmlRpcFault(FaultCode.METHOD_NOT_FOUND, `method not found: expected one of system.listMethods, found "${name}"`)
    return m
  }

  /**
   * Calls a method with decoded parameters: checks access and parameter
   * types, runs the handler, and returns its value. Throws `XmlRpcFault`.
   */
  async call (methodName: string, params: XmlRpcValue[], context: CallContext): Promise<unknown> {
    const m = this.lookup(methodName)
    if ((m.def.access ?? 'authenticated') !== 'public' && context.principal === undefined) {
      throw new XmlRpcFault(FaultCode.UNAUTHENTICATED, `${methodName}: authentication required:`
        + ` expected a valid token (Authorization: Bearer <token>, or basic auth user:token), found ${context.authFailure ?? 'no credentials'}`)
    }
    if (params.length < m.required || params.length > m.types.length) {
      const expected = m.required === m.types.length ? `${m.required}` : `${m.required} to ${m.types.length}`
      throw new XmlRpcFault(FaultCode.INVALID_PARAMS,
        `${methodName}: expected ${expected} parameters (${m.types.join(', ') || 'none'}), found ${params.length}`)
    }
    for (let i = 0; i < params.length; i++) {
      const type = m.types[i] ?? 'any'
      const value = params[i] as XmlRpcValue
      if (!valueFits(value, type)) {
        throw new XmlRpcFault(FaultCode.INVALID_PARAMS, `${methodName}: parameter ${i + 1}: expected ${type}, found ${typeOfValue(value)}`)
      }
    }
    try {
      return await m.def.handler(params as never, context)
    } catch (err) {
      throw this.toFault(err, methodName)
    }
  }

  private toFault (err: unknown, methodName: string): XmlRpcFault {
    if (err instanceof XmlRpcFault) return err
    let mapped: XmlRpcFault | undefined
    try {
      mapped = this.init.mapError?.(err)
    } catch (mapErr) {
      this.init.onInternalError?.(mapErr, methodName)
    }
    if (mapped !== undefined) return mapped
    this.init.onInternalError?.(err, methodName)
    const e = err instanceof Error ? err : new Error(String(err))
    return new XmlRpcFault(FaultCode.INTERNAL_ERROR, `${methodName}: internal error: ${e.name}: ${e.message}`, { cause: err })
  }

  /** Handles one request document and returns the response document. Never throws. */
  async dispatch (requestXml: Uint8Array, context: CallContext): Promise<Uint8Array> {
    return Buffer.from(await this.dispatchText(requestXml, context), 'utf8')
  }

  /** Like `dispatch`, returning the response as text. Never throws. */
  async dispatchText (requestXml: Uint8Array | string, context: CallContext): Promise<string> {
    let methodName = '(unparsed)'
    try {
      const call = decodeMethodCall(requestXml, this.init.limits)
      methodName = call.methodName
      const value = await this.call(call.methodName, call.params, context)
      return encodeMethodResponse(value)
    } catch (err) {
      if (err instanceof XmlRpcFault) return encodeFault(err.faultCode, err.faultString)
      if (err instanceof XmlRpcParseError) return encodeFault(err.faultCode, err.message)
      if (err instanceof XmlRpcEncodeError) {
        this.init.onInternalError?.(err, methodName)
        return encodeFault(FaultCode.INTERNAL_ERROR, `${methodName}: the result cannot be sent as XML-RPC: ${err.message}`)
      }
      this.init.onInternalError?.(err, methodName)
      return encodeFault(FaultCode.INTERNAL_ERROR, `${methodName}: internal error: ${String(err)}`)
    }
  }

  private registerIntrospection (): void {
    this.register({
      name: 'system.listMethods', params: [], returns: 'array', access: 'public',
      help: 'Returns the names of all methods this server offers.',
      handler: () => this.listMethods()
    })
    this.register({
      name: 'system.methodHelp', params: ['string'], returns: 'string', access: 'public',
      help: 'Returns the help text of the named method.',
      handler: ([name]) => this.help(name)
    })
    this.register({
      name: 'system.methodSignature', params: ['string'], returns: 'array', access: 'public',
      help: 'Returns the signatures of the named method: an array of arrays [returnType, paramType...], one per number of parameters it accepts.',
      handler: ([name]) => this.signatures(name)
    })
    if (this.init.multicall === false) return
    this.register({
      name: 'system.multicall', params: ['array'], returns: 'array', access: 'public',
      help: 'Runs several calls in one request, in order. Takes an array of structs {methodName, params};'
        + ' returns an array whose items are a one-element array holding the result, or a fault struct {faultCode, faultString}.',
      handler: async ([calls], context) => {
        const results: unknown[] = []
        for (const [i, c] of calls.entries()) {
          try {
            const s = c as XmlRpcStruct
            if (typeof s !== 'object' || s === null || typeof s.methodName !== 'string' || !Array.isArray(s.params ?? [])) {
              throw new XmlRpcFault(FaultCode.INVALID_PARAMS,
                `system.multicall: call ${i + 1}: expected a struct {methodName: string, params: array}, found ${typeOfValue(c)}`)
            }
            if (s.methodName === 'system.multicall') {
              throw new XmlRpcFault(FaultCode.INVALID_REQUEST, 'system.multicall: expected no nested system.multicall, found one')
            }
            results.push([await this.call(s.methodName, (s.params ?? []) as XmlRpcValue[], context)])
          } catch (err) {
            const f = err instanceof XmlRpcFault ? err : this.toFault(err, 'system.multicall')
            results.push({ faultCode: f.faultCode, faultString: f.faultString })
          }
        }
        return results
      }
    })
  }
}
