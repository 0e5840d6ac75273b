/**
 * XML-RPC over the overlay: the protocol `/xenos/xmlrpc/1.0.0` carries one
 * XML-RPC request's bytes to a peer and its response back, so a client that
 * reaches one host can call any host without a TCP connection to its HTTP API
 * (the paper's "XML-RPC over JXTA protocols").
 *
 * One call per stream. The client sends one frame (the request bytes); the
 * server answers with one frame whose first byte is a status: 0 then the
 * response bytes, or 1 then a UTF-8 error message when the handler threw (an
 * XML-RPC fault is a normal response, status 0). Frames are length-prefixed
 * (frames.ts), limited in size on both sides, and the exchange has a deadline.
 *
 * @example
 * ```ts
 * const tunnel = new RpcTunnel(node.libp2p)
 * await tunnel.serve(async (request, remotePeer) => dispatcher.handle(request, remotePeer))
 * const response = await tunnel.call(otherPeerId, xmlBytes)
 * ```
 */
import type { Stream, Connection } from '@libp2p/interface'
import type { OverlayLibp2p } from './node.js'
import { FrameReader, raceAbort, writeFrame } from './frames.js'
import { FrameError, RemoteError } from './errors.js'
import { dialTarget } from './target.js'

export const XMLRPC_PROTOCOL = '/xenos/xmlrpc/1.0.0'

/** Answers one XML-RPC request; `remotePeer` is the caller's authenticated peer id. */
export type RpcTunnelHandler = (requestBytes: Uint8Array, remotePeer: string) => Promise<Uint8Array>

export interface RpcTunnelInit {
  /** Largest request accepted by the server and sent by the client. @default 1048576 */
  maxRequestBytes?: number
  /** Largest response accepted by the client and sent by the server. @default 16777216 */
  maxResponseBytes?: number
  /** Deadline of one call, dial included. @default 10000 */
  timeoutMs?: number
}

const STATUS_OK = 0
const STATUS_ERROR = 1

export class RpcTunnel {
  private readonly maxRequestBytes: number
  private readonly maxResponseBytes: number
  private readonly timeoutMs: number
  private serving = false

  constructor (private readonly libp2p: OverlayLibp2p, init: RpcTunnelInit = {}) {
    this.maxRequestBytes = init.maxRequestBytes ?? 1024 * 1024
    this.maxResponseBytes = init.maxResponseBytes ?? 16 * 1024 * 1024
    this.timeoutMs = init.timeoutMs ?? 10_000
  }

  /** Register the server side; calls arriving afterwards go to `handler`. */
  async serve (handler: RpcTunnelHandler): Promise<void> {
    await this.libp2p.handle(XMLRPC_PROTOCOL, (stream, connection) => this.onStream(handler, stream, connection), {
      maxInboundStreams: 256
    })
    this.serving = true
  }

  /** Unregister the server side; idempotent. */
  async stop (): Promise<void> {
    if (!this.serving) return
    this.serving = false
    await this.libp2p.unhandle(XMLRPC_PROTOCOL)
  }

  /**
   * Send `requestBytes` to `peer` (a peer id or a multiaddr) and return the
   * response bytes. Throws RemoteError when the remote handler failed,
   * OverlayTimeoutError after the deadline, FrameError on a bad or oversized answer.
   */
  async call (peer: string, requestBytes: Uint8Array, options: { timeoutMs?: number } = {}): Promise<Uint8Array> {
    if (requestBytes.byteLength > this.maxRequestBytes) {
      throw new FrameError(`expected a request of at most ${this.maxRequestBytes} bytes, found ${requestBytes.byteLength} bytes`)
    }
    const signal = AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs)
    const stream = await raceAbort(this.libp2p.dialProtocol(dialTarget(peer), XMLRPC_PROTOCOL, { signal }), signal)
    try {
      await writeFrame(stream, requestBytes, signal)
      await raceAbort(stream.close({ signal }), signal)
      const answer = await new FrameReader(stream).read(this.maxResponseBytes + 1, signal)
      if (answer === null || answer.byteLength === 0) {
        throw new FrameError(`expected a response frame from ${peer}, found end of stream`)
      }
      if (answer[0] === STATUS_ERROR) {
        throw new RemoteError(`remote peer ${peer} failed to handle the call: ${new TextDecoder().decode(answer.subarray(1))}`)
      }
      if (answer[0] !== STATUS_OK) throw new FrameError(`expected response status 0 or 1, found ${answer[0]}`)
      return answer.subarray(1)
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }

  private async onStream (handler: RpcTunnelHandler, stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.timeout(this.timeoutMs)
    try {
      const request = await new FrameReader(stream).read(this.maxRequestBytes, signal)
      if (request === null) throw new FrameError('expected a request frame, found end of stream')
      let status = STATUS_OK
      let body: Uint8Array
      try {
        body = await handler(request, connection.remotePeer.toString())
        if (body.byteLength > this.maxResponseBytes) {
          throw new FrameError(`expected a response of at most ${this.maxResponseBytes} bytes, found ${body.byteLength} bytes`)
        }
      } catch (err) {
        // The handler's failure is reported to the caller, who raises it as a RemoteError.
        status = STATUS_ERROR
        body = new TextEncoder().encode(`${(err as Error).name}: ${(err as Error).message}`)
      }
      const out = new Uint8Array(body.byteLength + 1)
      out[0] = status
      out.set(body, 1)
      await writeFrame(stream, out, signal)
      await stream.close({ signal })
    } catch (err) {
      // A malformed or oversized request, or a caller that went away: the
      // stream is reset so the caller sees the failure; the server keeps serving.
      stream.abort(err as Error)
    }
  }
}
