/**
 * XML-RPC client. The transport is pluggable: `httpTransport` posts over
 * HTTP with a keep-alive agent; a libp2p stream transport has the same shape
 * (request bytes in, response bytes out).
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { httpsAgent, type ClientTls } from './tls-client.js'
import { formatAuthorization, type Credentials } from './credentials.js'
import { decodeMethodResponse } from './decode.js'
import { encodeMethodCall } from './encode.js'
import { XmlRpcTransportError } from './fault.js'
import type { XmlRpcValue } from './values.js'
import { DEFAULT_MAX_BYTES, type XmlLimits } from './xml-tree.js'

/** Sends one request document, resolves to the response document. */
export type XmlRpcTransport = (requestXml: Uint8Array, signal?: AbortSignal) => Promise<Uint8Array>

export interface HttpTransportInit {
  /** For example `http://127.0.0.1:8080/RPC2`; `user:token@` in the URL becomes basic auth. */
  url: string
  /** Credentials; overrides any in the URL. */
  credentials?: Credentials
  /** Whole-call timeout, in ms. @default 30000 */
  timeoutMs?: number
  /** Largest response accepted, in bytes. @default 16 MiB */
  maxResponseBytes?: number
  /** Sockets kept open per host. @default 8 */
  maxSockets?: number
  /** For https: the CA to trust or the certificate fingerprint to pin (the system's CAs without it). */
  tls?: ClientTls
}

export interface HttpTransport extends XmlRpcTransport {
  /** Closes the kept-alive sockets. */
  close: () => void
}

export function httpTransport (init: HttpTransportInit): HttpTransport {
  const url = new URL(init.url)
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`url: expected http: or https:, found ${url.protocol}`)
  const credentials: Credentials | undefined = init.credentials
    ?? (url.username !== '' ? { scheme: 'basic', user: decodeURIComponent(url.username), token: decodeURIComponent(url.password) } : undefined)
  const https = url.protocol === 'https:'
  const agentOptions = { keepAlive: true, maxSockets: init.maxSockets ?? 8 }
  const agent = https ? httpsAgent(init.tls, agentOptions) : new HttpAgent(agentOptions)
  const maxResponseBytes = init.maxResponseBytes ?? 16 * 1024 * 1024
  const timeoutMs = init.timeoutMs ?? 30_000
  const send = https ? httpsRequest : httpRequest

  const transport = (async (body: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> => {
    return await new Promise<Uint8Array>((resolve, reject) => {
      const headers: Record<string, string | number> = { 'Content-Type': 'text/xml', 'Content-Length': body.byteLength, 'User-Agent': 'xenos-xmlrpc' }
      if (credentials !== undefined) headers.Authorization = formatAuthorization(credentials)
      const target = { protocol: url.protocol, hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, path: url.pathname + url.search }
      const req = send({ ...target, method: 'POST', headers, agent, signal, timeout: timeoutMs }, (res) => {
        const status = res.statusCode ?? 0
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (c: Buffer) => {
          size += c.byteLength
          if (size > maxResponseBytes) {
            res.destroy(new XmlRpcTransportError(`expected a response of at most ${maxResponseBytes} bytes, found more`, status))
            return
          }
          chunks.push(c)
        })
        res.on('error', reject)
        res.on('end', () => {
          const out = Buffer.concat(chunks)
          if (status !== 200) {
            reject(new XmlRpcTransportError(`expected HTTP 200 from ${url.host}, found ${status}: ${out.toString('utf8').slice(0, 200).trim()}`, status))
          } else resolve(out)
        })
      })
      req.on('timeout', () => { req.destroy(new XmlRpcTransportError(`expected an answer from ${url.host} within ${timeoutMs} ms, found none`)) })
      req.on('error', (err) => {
        reject(err instanceof XmlRpcTransportError
          ? err
          : new XmlRpcTransportError(`expected to reach ${url.host}, found: ${err.message}`, undefined, { cause: err }))
      })
      req.end(body)
    })
  }) as HttpTransport
  transport.close = () => { agent.destroy() }
  return transport
}

export interface XmlRpcClientInit {
  transport: XmlRpcTransport
  /** Limits on response documents. @default 16 MiB, depth 256 */
  limits?: XmlLimits
}

/**
 * Calls methods; resolves to the result, rejects with `XmlRpcFault` when the
 * server sends a fault, `XmlRpcTransportError` when it cannot be reached,
 * `XmlRpcParseError` when its answer is not XML-RPC.
 */
export class XmlRpcClient {
  private readonly transport: XmlRpcTransport
  private readonly limits: XmlLimits

  constructor (init: XmlRpcClientInit) {
    this.transport = init.transport
    this.limits = { maxBytes: 16 * 1024 * 1024, ...init.limits }
    if ((this.limits.maxBytes ?? DEFAULT_MAX_BYTES) <= 0) throw new RangeError('limits.maxBytes: expected a positive number')
  }

  async call (methodName: string, params: readonly unknown[] = [], signal?: AbortSignal): Promise<XmlRpcValue> {
    const body = Buffer.from(encodeMethodCall(methodName, params), 'utf8')
    const response = decodeMethodResponse(await this.transport(body, signal), this.limits)
    if (response.kind === 'fault') throw response.fault
    return response.value
  }
}
