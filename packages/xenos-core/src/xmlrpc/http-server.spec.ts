import { request } from 'node:http'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { XmlRpcClient, httpTransport, type HttpTransport } from './client.js'
import { FaultCode, XmlRpcFault, XmlRpcTransportError } from './fault.js'
import { createXmlRpcHttpServer, type XmlRpcHttpServer } from './http-server.js'
import { MethodRegistry } from './registry.js'

const TOKENS: Record<string, { user: string, token: string }> = { alice: { user: 'alice', token: 's3cret' } }

let server: XmlRpcHttpServer
let url: string
const transports: HttpTransport[] = []

function client (init: Partial<Parameters<typeof httpTransport>[0]> = {}): XmlRpcClient {
  const t = httpTransport({ url, ...init })
  transports.push(t)
  return new XmlRpcClient({ transport: t })
}

async function post (
  body: string | Buffer, headers: Record<string, string> = { 'Content-Type': 'text/xml' }, method = 'POST'
): Promise<{ status: number, text: string }> {
  const res = await fetch(url, { method, headers, body: method === 'GET' ? undefined : body })
  return { status: res.status, text: await res.text() }
}

beforeAll(async () => {
  const registry = new MethodRegistry()
  registry.register({
    name: 'demo.whoami', params: [], returns: 'string', help: 'Who is calling.', handler: (_p, ctx) => `${ctx.principal?.user ?? '?'} via ${ctx.transport}`
  })
  registry.register({ name: 'demo.echo', params: ['any'], returns: 'any', help: 'Echo.', access: 'public', handler: ([v]) => v })
  server = createXmlRpcHttpServer({
    registry,
    maxRequestBytes: 64 * 1024,
    authenticate: (c) => {
      const u = TOKENS[c.scheme === 'basic' ? c.user : 'alice']
      if (u === undefined || u.token !== c.token) throw new Error('a token that matches no user')
      return { user: u.user, role: 'user' }
    }
  })
  url = (await server.listen(0)).url
})

afterAll(async () => {
  for (const t of transports) t.close()
  await server.close()
})

describe('XML-RPC over HTTP', () => {
  it('serves calls over one kept-alive connection', async () => {
    const c = client({ credentials: { scheme: 'bearer', token: 's3cret' } })
    const sockets = new Set<unknown>()
    server.server.on('connection', s => sockets.add(s))
    for (let i = 0; i < 20; i++) expect(await c.call('demo.echo', [{ i, big: 5 * 2 ** 32 }])).toEqual({ i, big: 5 * 2 ** 32 })
    expect(sockets.size).toBeLessThanOrEqual(1)
    expect(await c.call('demo.whoami')).toBe('alice via http')
  })

  it('authenticates with Bearer, basic auth in the URL, and refuses bad or missing tokens with 401 faults', async () => {
    const u = new URL(url)
    u.username = 'alice'; u.password = 's3cret'
    expect(await client({ url: u.toString() }).call('demo.whoami')).toBe('alice via http')
    const bad = await client({ credentials: { scheme: 'bearer', token: 'nope' } }).call('demo.whoami').catch((e: unknown) => e)
    expect(bad).toBeInstanceOf(XmlRpcFault)
    expect((bad as XmlRpcFault).faultCode).toBe(FaultCode.UNAUTHENTICATED)
    expect((bad as XmlRpcFault).faultString).toMatch(/matches no user/)
    const none = await client().call('demo.whoami').catch((e: unknown) => e)
    expect((none as XmlRpcFault).faultCode).toBe(FaultCode.UNAUTHENTICATED)
    const malformed = await post('<methodCall><methodName>demo.whoami</methodName></methodCall>', { 'Content-Type': 'text/xml', 'Authorization': 'Digest x y' })
    expect(malformed.text).toMatch(/<int>401<\/int>[\s\S]*Bearer or Basic/)
  })

  it('answers an oversized request with a 413 fault and keeps serving', async () => {
    const big = `<methodCall><methodName>demo.echo</methodName><params><param><value>${'x'.repeat(100 * 1024)}</value></param></params></methodCall>`
    const r = await post(big)
    expect(r.status).toBe(200)
    expect(r.text).toMatch(/<int>413<\/int>[\s\S]*at most 65536 bytes/)
    expect(await client().call('demo.echo', ['still here'])).toBe('still here')
  })

  it('answers a huge declared length at once, and an oversized chunked body after reading it, with 413 faults', async () => {
    const { port } = new URL(url)
    const send = async (headers: Record<string, string | number>, chunks: Buffer[], end: boolean): Promise<string> => await new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/RPC2', headers }, (res) => {
        let text = ''
        res.on('data', (d: Buffer) => { text += d.toString() })
        res.on('end', () => { resolve(text) })
      })
      req.on('error', reject)
      for (const c of chunks) req.write(c)
      if (end) req.end()
    })
    expect(await send({ 'Content-Type': 'text/xml', 'Content-Length': 2 ** 31 }, [Buffer.alloc(10)], false))
      .toMatch(/<int>413<\/int>[\s\S]*found 2147483648 bytes/)
    expect(await send({ 'Content-Type': 'text/xml', 'Transfer-Encoding': 'chunked' }, Array.from({ length: 100 }, () => Buffer.alloc(1024, 120)), true))
      .toMatch(/<int>413<\/int>[\s\S]*found 102400 bytes/)
    expect(await client().call('demo.echo', ['after'])).toBe('after')
  })

  it('answers a body just over 64 MiB with a 413 fault that a client reading only after sending all of it receives, and keeps serving', async () => {
    const { port } = new URL(url)
    const sizeBytes = 64 * 1024 * 1024 + 1
    for (const framing of ['length', 'chunked'] as const) {
      // as Python's xmlrpc.client does: the whole request is written before anything is read
      const answer = await new Promise<{ text: string, error?: string }>((resolve) => {
        const chunks: Buffer[] = []
        let error: string | undefined
        const s = connect(Number(port), '127.0.0.1')
        s.on('data', (d: Buffer) => { chunks.push(d) })
        s.on('error', (err: NodeJS.ErrnoException) => { error ??= err.code ?? err.message })
        s.on('close', () => { resolve({ text: Buffer.concat(chunks).toString(), ...(error === undefined ? {} : { error }) }) })
        void (async () => {
          const head = framing === 'length' ? `Content-Length: ${sizeBytes}` : 'Transfer-Encoding: chunked'
          s.write(`POST /RPC2 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n${head}\r\n\r\n`)
          const piece = Buffer.alloc(1024 * 1024, 120)
          for (let sent = 0; sent < sizeBytes && !s.destroyed;) {
            const n = Math.min(piece.length, sizeBytes - sent)
            const data = piece.subarray(0, n)
            const body = framing === 'length' ? data : Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), data, Buffer.from('\r\n')])
            sent += n
            if (!s.write(body)) await new Promise(resolve => s.once('drain', resolve))
          }
          if (framing === 'chunked' && !s.destroyed) s.write('0\r\n\r\n')
        })()
      })
      expect(answer.error, `${framing}: ${answer.text.slice(0, 200)}`).toBeUndefined()
      expect(answer.text).toMatch(/^HTTP\/1.1 200/)
      expect(answer.text).toMatch(/<int>413<\/int>[\s\S]*at most 65536 bytes/)
    }
    expect(await client().call('demo.echo', ['after'])).toBe('after')
  })

  it('answers malformed XML with a parse fault, wrong verbs and types with HTTP errors, and keeps serving', async () => {
    expect((await post('<methodCall><oops')).text).toMatch(/<int>-32700<\/int>/)
    expect((await post('<!DOCTYPE x [<!ENTITY a "b">]><methodCall/>')).text).toMatch(/<int>-32600<\/int>/)
    expect((await post('', {}, 'GET')).status).toBe(405)
    expect((await post('<x/>', { 'Content-Type': 'application/json' })).status).toBe(415)
    expect((await fetch(url.replace('/RPC2', '/other'), { method: 'POST', body: '<x/>', headers: { 'Content-Type': 'text/xml' } })).status).toBe(404)
    const echo = '<methodCall><methodName>demo.echo</methodName><params><param><value>ok</value></param></params></methodCall>'
    expect((await post(echo, { 'Content-Type': 'text/xml; charset=utf-8' })).text).toMatch(/<string>ok<\/string>/)
  })

  it('survives garbage on the socket', async () => {
    const { port } = new URL(url)
    await new Promise<void>((resolve) => {
      const s = connect(Number(port), '127.0.0.1', () => { s.write('\x00\x01 NOT HTTP AT ALL\r\n\r\n') })
      s.on('data', () => undefined)
      s.on('close', () => { resolve() })
      s.on('error', () => { resolve() })
    })
    expect(await client().call('demo.echo', [1])).toBe(1)
  })

  it('client reports transport failures as XmlRpcTransportError', async () => {
    const dead = new XmlRpcClient({ transport: httpTransport({ url: 'http://127.0.0.1:1/RPC2', timeoutMs: 2000 }) })
    await expect(dead.call('x.y')).rejects.toBeInstanceOf(XmlRpcTransportError)
    const wrongPath = client({ url: url.replace('/RPC2', '/nowhere') })
    const err = await wrongPath.call('demo.echo', [1]).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(XmlRpcTransportError)
    expect((err as XmlRpcTransportError).statusCode).toBe(404)
  })
})
