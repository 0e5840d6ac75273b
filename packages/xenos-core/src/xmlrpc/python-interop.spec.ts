/**
 * Interoperability with Python's standard library: `xmlrpc.client` calling
 * our server, and our client calling `xmlrpc.server`. Skipped only when
 * python3 is not installed.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { XmlRpcClient, httpTransport } from './client.js'
import { XmlRpcFault } from './fault.js'
import { createXmlRpcHttpServer, type XmlRpcHttpServer } from './http-server.js'
import { MethodRegistry } from './registry.js'
import { xmlRpcDouble } from './values.js'

const hasPython = spawnSync('python3', ['--version']).status === 0

const PY_CLIENT = `
import sys, json, datetime, xmlrpc.client as x
url = sys.argv[1]
p = x.ServerProxy(url, allow_none=True, use_builtin_types=True)
out = {}
out['methods'] = p.system.listMethods()
out['help'] = p.system.methodHelp('demo.describe')
out['signature'] = p.system.methodSignature('demo.describe')
value = {'i': 7, 'neg': -3, 'b': True, 's': 'caf\\u00e9 <&>', 'f': 2.5, 'n': None,
         'd': datetime.datetime(2024, 5, 6, 7, 8, 9), 'raw': b'\\x00\\x01\\xff', 'list': [1, 'two', [False]]}
out['describe'] = p.demo.describe(value)
echo = p.demo.echo(value)
out['echo_equal'] = (echo == value)
out['echo_types'] = {k: type(v).__name__ for k, v in echo.items()}
big = p.demo.big()
out['big'] = [big['bytes'], big['double'], big['date'].isoformat()]
try:
    p.demo.denied()
except x.Fault as f:
    out['fault'] = [f.faultCode, f.faultString]
try:
    p.nope.nothing()
except x.Fault as f:
    out['missing'] = f.faultCode
mc = x.MultiCall(p)
mc.demo.echo(1)
mc.demo.echo('a')
out['multicall'] = list(mc())
anon = x.ServerProxy(url.replace('alice:s3cret@', ''), allow_none=True)
try:
    anon.demo.whoami()
except x.Fault as f:
    out['anonymous'] = f.faultCode
out['whoami'] = p.demo.whoami()
print(json.dumps(out))
`

const PY_SERVER = `
import sys, datetime
from xmlrpc.server import SimpleXMLRPCServer
s = SimpleXMLRPCServer(('127.0.0.1', 0), allow_none=True, logRequests=False, use_builtin_types=True)
s.register_introspection_functions()
s.register_multicall_functions()
def echo(v): return v
def types(v): return {k: type(x).__name__ for k, x in v.items()}
def fail(): raise ValueError('nope')
s.register_function(echo, 'py.echo')
s.register_function(types, 'py.types')
s.register_function(fail, 'py.fail')
print(s.server_address[1], flush=True)
s.serve_forever()
`

describe.skipIf(!hasPython)('Python xmlrpc interop', () => {
  let server: XmlRpcHttpServer
  let url: string
  let py: ChildProcess | undefined

  beforeAll(async () => {
    const registry = new MethodRegistry()
    registry.register({ name: 'demo.echo', params: ['any'], returns: 'any', help: 'Returns its argument.', handler: ([v]) => v })
    const typeName = (v: unknown): string =>
      v === null ? 'null' : v instanceof Date ? 'Date' : v instanceof Uint8Array ? 'Uint8Array' : Array.isArray(v) ? 'array' : typeof v
    registry.register({
      name: 'demo.describe',
      params: ['struct'],
      returns: 'struct',
      help: 'Names the JavaScript type of each member.',
      handler: ([s]) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeName(v)]))
    })
    registry.register({
      name: 'demo.big',
      params: [],
      returns: 'struct',
      help: 'Values Python must read: i8, a whole double, a date.',
      handler: () => ({ bytes: 5 * 2 ** 40, double: xmlRpcDouble(3), date: new Date(Date.UTC(2001, 1, 3, 4, 5, 6)) })
    })
    registry.register({
      name: 'demo.denied', params: [], returns: 'nil', help: 'Always refused.', handler: () => { throw new XmlRpcFault(403, 'alice may not do that') }
    })
    registry.register({ name: 'demo.whoami', params: [], returns: 'string', help: 'The caller.', handler: (_p, ctx) => ctx.principal?.user ?? '' })
    server = createXmlRpcHttpServer({
      registry,
      authenticate: (c) => {
        if (c.scheme === 'basic' && c.user === 'alice' && c.token === 's3cret') return { user: 'alice', role: 'user' }
        throw new Error('a token that matches no user')
      }
    })
    const { port } = await server.listen(0)
    url = `http://alice:s3cret@127.0.0.1:${port}/RPC2`
  })

  afterAll(async () => {
    py?.kill()
    await server.close()
  })

  it('xmlrpc.client calls our server: every type, introspection, faults, multicall, basic auth', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('python3', ['-c', PY_CLIENT, url], { timeout: 20_000 }, (err, out, errOut) => {
        if (err !== null) reject(new Error(`${err.message}\n${errOut}`))
        else resolve(out)
      })
    })
    const out = JSON.parse(stdout) as Record<string, unknown>
    expect(out.methods).toContain('demo.echo')
    expect(out.methods).toContain('system.methodSignature')
    expect(out.help).toBe('Names the JavaScript type of each member.')
    expect(out.signature).toEqual([['struct', 'struct']])
    expect(out.describe).toEqual({ i: 'number', neg: 'number', b: 'boolean', s: 'string', f: 'number', n: 'null', d: 'Date', raw: 'Uint8Array', list: 'array' })
    expect(out.echo_equal).toBe(true)
    expect(out.echo_types).toEqual({ i: 'int', neg: 'int', b: 'bool', s: 'str', f: 'float', n: 'NoneType', d: 'datetime', raw: 'bytes', list: 'list' })
    expect(out.big).toEqual([5 * 2 ** 40, 3, '2001-02-03T04:05:06'])
    expect(out.fault).toEqual([403, 'alice may not do that'])
    expect(out.missing).toBe(-32601)
    expect(out.multicall).toEqual([1, 'a'])
    expect(out.anonymous).toBe(401)
    expect(out.whoami).toBe('alice')
  })

  it('our client calls xmlrpc.server: every type round-trips, faults arrive as XmlRpcFault', async () => {
    const child = spawn('python3', ['-c', PY_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] })
    py = child
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => { resolve(Number(d.toString().trim())) })
      child.once('exit', (code) => { reject(new Error(`python server exited with ${String(code)}`)) })
    })
    const transport = httpTransport({ url: `http://127.0.0.1:${port}/RPC2` })
    const c = new XmlRpcClient({ transport })
    const value = {
      i: 7,
      b: false,
      s: 'x < y \u00e9',
      f: 0.125,
      n: null,
      d: new Date(Date.UTC(2020, 0, 2, 3, 4, 5)),
      raw: new Uint8Array([1, 2, 255]),
      list: [1, ['nested']],
      st: { a: {} }
    }
    expect(await c.call('py.echo', [value])).toEqual(value)
    expect(await c.call('py.types', [value]))
      .toEqual({ i: 'int', b: 'bool', s: 'str', f: 'float', n: 'NoneType', d: 'datetime', raw: 'bytes', list: 'list', st: 'dict' })
    expect(await c.call('system.listMethods')).toContain('py.echo')
    const err = await c.call('py.fail').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(XmlRpcFault)
    expect((err as XmlRpcFault).faultString).toMatch(/nope/)
    transport.close()
  })
})
