import { describe, expect, it } from 'vitest'
import type { CallContext } from './context.js'
import { decodeMethodResponse } from './decode.js'
import { encodeMethodCall } from './encode.js'
import { FaultCode, XmlRpcFault } from './fault.js'
import { MethodRegistry } from './registry.js'
import type { XmlRpcValue } from './values.js'

const admin: CallContext = { transport: 'test', principal: { user: 'root', role: 'admin' } }
const anonymous: CallContext = { transport: 'test' }

function registry (): MethodRegistry {
  const r = new MethodRegistry({
    mapError: err => (err as Error).name === 'NotFoundError' ? new XmlRpcFault(FaultCode.NOT_FOUND, (err as Error).message) : undefined
  })
  r.register({
    name: 'demo.add', params: ['int', 'int'], returns: 'int', help: 'Adds two integers.',
    handler: ([a, b]) => a + b
  })
  r.register({
    name: 'demo.greet', params: ['string', 'string?'], returns: 'string', help: 'Greets.', access: 'public',
    handler: ([name, greeting]) => `${greeting ?? 'hello'} ${name}`
  })
  r.register({
    name: 'demo.fail', params: ['string'], returns: 'nil', help: 'Throws.',
    handler: ([kind]) => {
      if (kind === 'missing') { const e = new Error('no service "x"'); e.name = 'NotFoundError'; throw e }
      if (kind === 'fault') throw new XmlRpcFault(409, 'busy')
      if (kind === 'unsendable') return Number.NaN
      throw new TypeError('boom')
    }
  })
  return r
}

async function dispatch (r: MethodRegistry, method: string, params: XmlRpcValue[], ctx = admin): Promise<XmlRpcValue> {
  const res = decodeMethodResponse(await r.dispatch(Buffer.from(encodeMethodCall(method, params)), ctx))
  if (res.kind === 'fault') throw res.fault
  return res.value
}

async function faultOf (p: Promise<unknown>): Promise<XmlRpcFault> {
  try { await p } catch (err) { expect(err).toBeInstanceOf(XmlRpcFault); return err as XmlRpcFault }
  throw new Error('expected a fault')
}

describe('MethodRegistry', () => {
  it('calls handlers with checked parameters', async () => {
    const r = registry()
    expect(await dispatch(r, 'demo.add', [2, 3])).toBe(5)
    expect(await dispatch(r, 'demo.greet', ['bob'])).toBe('hello bob')
    expect(await dispatch(r, 'demo.greet', ['bob', 'hi'])).toBe('hi bob')
  })

  it('answers introspection: listMethods, methodHelp, methodSignature (one signature per arity)', async () => {
    const r = registry()
    const names = await dispatch(r, 'system.listMethods', [], anonymous)
    expect(names).toEqual(['demo.add', 'demo.fail', 'demo.greet', 'system.listMethods', 'system.methodHelp', 'system.methodSignature', 'system.multicall'])
    expect(await dispatch(r, 'system.methodHelp', ['demo.add'], anonymous)).toBe('Adds two integers.')
    expect(await dispatch(r, 'system.methodSignature', ['demo.greet'], anonymous)).toEqual([['string', 'string'], ['string', 'string', 'string']])
    expect((await faultOf(dispatch(r, 'system.methodHelp', ['nope'], anonymous))).faultCode).toBe(FaultCode.METHOD_NOT_FOUND)
  })

  it('gives interop fault codes for unknown methods and bad parameters', async () => {
    const r = registry()
    expect((await faultOf(dispatch(r, 'demo.nope', []))).faultCode).toBe(FaultCode.METHOD_NOT_FOUND)
    const arity = await faultOf(dispatch(r, 'demo.add', [1]))
    expect(arity.faultCode).toBe(FaultCode.INVALID_PARAMS)
    expect(arity.faultString).toMatch(/expected 2 parameters \(int, int\), found 1/)
    const type = await faultOf(dispatch(r, 'demo.add', [1, 'two']))
    expect(type.faultString).toMatch(/parameter 2: expected int, found string/)
    expect((await faultOf(dispatch(r, 'demo.add', [1, 2 ** 40]))).faultCode).toBe(FaultCode.INVALID_PARAMS)
  })

  it('refuses non-public methods without a principal, naming why the credentials failed', async () => {
    const r = registry()
    const f = await faultOf(dispatch(r, 'demo.add', [1, 2], anonymous))
    expect(f.faultCode).toBe(FaultCode.UNAUTHENTICATED)
    expect(f.faultString).toMatch(/found no credentials/)
    const g = await faultOf(dispatch(r, 'demo.add', [1, 2], { transport: 'test', authFailure: 'a token that matches no user' }))
    expect(g.faultString).toMatch(/found a token that matches no user/)
    expect(await dispatch(r, 'demo.greet', ['anon'], anonymous)).toBe('hello anon')
  })

  it('maps handler errors to faults: own faults pass, mapped errors, internal errors, unsendable results', async () => {
    const internal: unknown[] = []
    const r = registry()
    const r2 = new MethodRegistry({ onInternalError: err => internal.push(err) })
    r2.register({ name: 'x.boom', params: [], returns: 'nil', help: '', handler: () => { throw new TypeError('boom') } })
    expect((await faultOf(dispatch(r, 'demo.fail', ['fault']))).faultCode).toBe(409)
    expect((await faultOf(dispatch(r, 'demo.fail', ['missing']))).faultCode).toBe(FaultCode.NOT_FOUND)
    const boom = await faultOf(dispatch(r2, 'x.boom', []))
    expect(boom.faultCode).toBe(FaultCode.INTERNAL_ERROR)
    expect(boom.faultString).toMatch(/TypeError: boom/)
    expect(internal).toHaveLength(1)
    expect((await faultOf(dispatch(r, 'demo.fail', ['unsendable']))).faultString).toMatch(/cannot be sent/)
  })

  it('answers malformed requests with faults and never throws', async () => {
    const r = registry()
    const malformed = [
      [Buffer.from('<<<'), FaultCode.PARSE_ERROR], [Buffer.from('<a/>'), FaultCode.INVALID_REQUEST],
      [Buffer.alloc(0), FaultCode.PARSE_ERROR], [Buffer.from([0xc3, 0x28]), FaultCode.PARSE_ERROR]
    ] as const
    for (const [bytes, code] of malformed) {
      const res = decodeMethodResponse(await r.dispatch(bytes, admin))
      expect(res.kind === 'fault' && res.fault.faultCode).toBe(code)
    }
  })

  it('runs system.multicall with per-call results and faults', async () => {
    const r = registry()
    const out = await dispatch(r, 'system.multicall', [[
      { methodName: 'demo.add', params: [1, 2] },
      { methodName: 'demo.nope', params: [] },
      { methodName: 'system.multicall', params: [[]] },
      'not a struct'
    ]])
    expect(out).toEqual([
      [3],
      { faultCode: FaultCode.METHOD_NOT_FOUND, faultString: expect.stringMatching(/demo.nope/) },
      { faultCode: FaultCode.INVALID_REQUEST, faultString: expect.stringMatching(/nested/) },
      { faultCode: FaultCode.INVALID_PARAMS, faultString: expect.stringMatching(/call 4/) }
    ])
    // multicall is public, but the calls inside keep their own access rule
    expect(await dispatch(r, 'system.multicall', [[{ methodName: 'demo.add', params: [1, 2] }]], anonymous))
      .toEqual([{ faultCode: FaultCode.UNAUTHENTICATED, faultString: expect.any(String) }])
  })

  it('refuses duplicate or invalid registrations and misplaced optional parameters', () => {
    const r = registry()
    expect(() => r.register({ name: 'demo.add', params: [], returns: 'int', help: '', handler: () => 1 })).toThrow(/already registered/)
    expect(() => r.register({ name: 'bad name', params: [], returns: 'int', help: '', handler: () => 1 })).toThrow(/method name/)
    expect(() => r.register({ name: 'x.y', params: ['int?', 'int'], returns: 'int', help: '', handler: () => 1 })).toThrow(/optional parameters last/)
  })
})
