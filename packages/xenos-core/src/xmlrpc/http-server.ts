/**
 * XML-RPC over HTTP (node:http): POST only, `text/xml` bodies, a request
 * size limit answered by a fault, keep-alive, slow-client timeouts. Any
 * malformed input gets a fault or an HTTP error; the server keeps serving.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { Principal } from '../auth/principal.js'
import type { CallContext } from './context.js'
import { parseAuthorization, type Credentials } from './credentials.js'
import { encodeFault } from './encode.js'
import { FaultCode } from './fault.js'
import type { MethodRegistry } from './registry.js'
import { DEFAULT_MAX_BYTES } from './xml-tree.js'

export interface XmlRpcHttpServerInit {
  registry: MethodRegistry
  /**
   * Checks credentials; returns the caller, or throws an Error whose message
   * says why they were refused (sent back in the 401 fault).
   */
  authenticate?: (credentials: Credentials) => Principal | Promise<Principal>
  /** Largest request body, in bytes. @default 1 MiB */
  maxRequestBytes?: number
  /** Paths that accept calls. @default ['/', '/RPC2'] */
  paths?: string[]
  /** Idle time before a kept-alive connection is closed, in ms. @default 5000 */
  keepAliveTimeoutMs?: number
  /** Time a client has to send a whole request, in ms. @default 30000 */
  requestTimeoutMs?: number
  /** Told about unexpected server-side errors. */
  onError?: (err: unknown) => void
  /** Serve HTTPS with this certificate and key (PEM) instead of HTTP. */
  tls?: { cert: string | Buffer, key: string | Buffer }
}

export interface XmlRpcHttpServer {
  readonly server: Server | HttpsServer
  /** Starts listening; resolves to the bound address and the URL to call. */
  listen (port: number, host?: string): Promise<{ host: string, port: number, url: string }>
  /** Stops accepting, closes every connection. */
  close (): Promise<void>
}

const XML_TYPES = new Set(['text/xml', 'application/xml'])

function sendPlain (res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers })
  res.end(text)
}

function sendXml (res: ServerResponse, xml: string | Uint8Array, close = false): void {
  const body = typeof xml === 'string' ? Buffer.from(xml, 'utf8') : xml
  res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': body.byteLength, ...(close ? { Connection: 'close' } : {}) })
  res.end(body)
}

export function createXmlRpcHttpServer (init: XmlRpcHttpServerInit): XmlRpcHttpServer {
  const maxBytes = init.maxRequestBytes ?? DEFAULT_MAX_BYTES
  const paths = new Set(init.paths ?? ['/', '/RPC2'])
  const requestTimeoutMs = init.requestTimeoutMs ?? 30_000

  /** Reads and drops the rest of a refused body; closes the connection once it ends, or cuts it after the request timeout. */
  function discardThenClose (req: IncomingMessage): void {
    const cut = setTimeout(() => { req.socket.destroy() }, requestTimeoutMs)
    cut.unref()
    req.on('data', () => undefined)
    req.on('error', () => { clearTimeout(cut); req.destroy() })
    req.on('end', () => { clearTimeout(cut); req.socket.end() })
  }

  async function contextFor (req: IncomingMessage): Promise<CallContext> {
    const context: CallContext = { transport: 'http', remoteAddress: req.socket.remoteAddress ?? '' }
    let credentials: Credentials | undefined
    try {
      credentials = parseAuthorization(req.headers.authorization)
    } catch (err) {
      context.authFailure = `an unusable Authorization header (${(err as Error).message})`
      return context
    }
    if (credentials === undefined) return context
    if (init.authenticate === undefined) {
      context.authFailure = 'credentials, but this server has no user store'
      return context
    }
    try {
      context.principal = await init.authenticate(credentials)
      context.credentials = credentials
    } catch (err) {
      // AuthenticationError carries what was found; other errors give their message.
      const found = (err as { found?: unknown }).found
      context.authFailure = typeof found === 'string' ? found : err instanceof Error ? err.message : String(err)
    }
    return context
  }

  function handle (req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    if (!paths.has(path)) { sendPlain(res, 404, `expected a POST to ${[...paths].join(' or ')}, found path ${path}\n`); req.resume(); return }
    if (req.method !== 'POST') { sendPlain(res, 405, `expected POST, found ${req.method ?? '?'}\n`, { Allow: 'POST' }); req.resume(); return }
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
    if (!XML_TYPES.has(type)) {
      sendPlain(res, 415, `expected Content-Type text/xml, found ${type === '' ? 'none' : type}\n`)
      req.resume()
      return
    }
    const chunks: Buffer[] = []
    let sizeBytes = 0
    let tooLarge = false
    const declared = Number(req.headers['content-length'] ?? NaN)
    if (Number.isFinite(declared) && declared > maxBytes) {
      // Known too large before any byte: answer at once, read and drop the body, then close.
      // The connection is not cut while the client is still sending, which would reset it
      // and lose the answer for clients that read only after sending everything.
      sendXml(res, encodeFault(FaultCode.TOO_LARGE, `expected a request of at most ${maxBytes} bytes, found ${declared} bytes`))
      discardThenClose(req)
      return
    }
    req.on('data', (chunk: Buffer) => {
      sizeBytes += chunk.byteLength
      if (sizeBytes > maxBytes) {
        tooLarge = true
        chunks.length = 0
        return
      }
      chunks.push(chunk)
    })
    req.on('error', () => { req.destroy() })
    req.on('end', () => {
      if (tooLarge) {
        sendXml(res, encodeFault(FaultCode.TOO_LARGE, `expected a request of at most ${maxBytes} bytes, found ${sizeBytes} bytes`), true)
        return
      }
      const body = Buffer.concat(chunks, sizeBytes)
      const abort = new AbortController()
      res.on('close', () => { if (!res.writableFinished) abort.abort(new Error('client went away')) })
      contextFor(req)
        .then(async (context) => {
          context.signal = abort.signal
          return await init.registry.dispatch(body, context)
        })
        .then((out) => { if (!res.destroyed) sendXml(res, out) })
        .catch((err) => {
          init.onError?.(err)
          if (!res.headersSent) sendXml(res, encodeFault(FaultCode.INTERNAL_ERROR, `internal error: ${String(err)}`))
          else res.destroy()
        })
    })
  }

  const serverOptions = { keepAlive: true, requestTimeout: requestTimeoutMs, headersTimeout: 10_000 }
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      handle(req, res)
    } catch (err) {
      init.onError?.(err)
      if (!res.headersSent) sendPlain(res, 500, 'internal error\n')
      else res.destroy()
    }
  }
  const server = init.tls === undefined
    ? createServer(serverOptions, onRequest)
    : createHttpsServer({ ...serverOptions, cert: init.tls.cert, key: init.tls.key }, onRequest)
  server.keepAliveTimeout = init.keepAliveTimeoutMs ?? 5000
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (socket.writable && err.code !== 'ECONNRESET') socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    else socket.destroy()
  })

  return {
    server,
    async listen (port: number, host = '127.0.0.1') {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => { server.off('error', reject); resolve() })
      })
      const addr = server.address() as AddressInfo
      const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
      return { host: addr.address, port: addr.port, url: `${init.tls === undefined ? 'http' : 'https'}://${h}:${addr.port}/RPC2` }
    },
    async close () {
      if (!server.listening) return
      await new Promise<void>((resolve) => {
        server.close(() => { resolve() })
        server.closeAllConnections()
      })
    }
  }
}
