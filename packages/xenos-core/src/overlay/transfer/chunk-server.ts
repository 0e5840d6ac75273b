/**
 * The chunk protocol `/xenos/chunks/1.0.0` over libp2p: the server side
 * (each stream carries any number of requests, one after the other,
 * answered by a `ChunkHandler`, by default a `ChunkService` over the
 * host's shelf) and the overlay's `ChunkTransport` (the fetch's default: the
 * libp2p overlay, on the wall clock).
 *
 * Request: a JSON frame `{ op: 'manifest' | 'have' | 'get', hash, index?,
 * waitMs?, wanted? }` (`waitMs` and `wanted`: a waiting `have`).
 * Response: a frame whose first byte is a status (0 ok, 1 error + message,
 * 2 not held), then the canonical manifest, the bitmap(s) of `have` (and
 * why a waiting one was answered), or the chunk bytes (see chunk-service.ts).
 * A waiting `have` is answered on its stream when it is; the asker that
 * gives up on it aborts the stream.
 */
import type { Connection, Stream } from '@libp2p/interface'
import { realClock, type ChunkChannel, type ChunkHandler, type ChunkRequest, type ChunkResponse, type ChunkTransport } from '@xenos/hypervisor-interface'
import type { OverlayLibp2p } from '../node.js'
import { FrameReader, decodeJson, writeFrameParts } from '../frames.js'
import { ChunkClient } from './chunk-client.js'
import { CHUNK_PROTOCOL, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, WIRE_STATUS, chunkStatusOf } from './chunk-protocol.js'
import { ChunkService, type ChunkServiceInit, type ImageShelf } from './chunk-service.js'
import { joinSwarm } from './swarm.js'
import type { Groups } from '../groups.js'
import type { Membership } from '../membership/index.js'
import { InvalidArgumentError } from '../../errors.js'

export interface ChunkServerInit extends ChunkServiceInit {
  /** Idle time after which a serving stream is closed. @default 30000 */
  idleTimeoutMs?: number
}

export class ChunkServer {
  private readonly idleTimeoutMs: number
  private serving = false
  /** The shelf's answers, paced on the wall clock. */
  readonly service: ChunkService
  private handler: ChunkHandler

  constructor (private readonly libp2p: OverlayLibp2p, shelf: ImageShelf, init: ChunkServerInit = {}) {
    this.idleTimeoutMs = init.idleTimeoutMs ?? 30_000
    this.service = new ChunkService(shelf, realClock(), init)
    this.handler = this.service.answer
  }

  /** Bytes of chunks sent since start. */
  get sentBytes (): number { return this.service.sentBytes }

  /** Answer with `handler` from now on (the service over the shelf by default). */
  serve (handler: ChunkHandler): void {
    this.handler = handler
  }

  async start (): Promise<void> {
    await this.libp2p.handle(CHUNK_PROTOCOL, (stream, connection) => this.onStream(stream, connection), { maxInboundStreams: 256 })
    this.serving = true
  }

  async stop (): Promise<void> {
    if (!this.serving) return
    this.serving = false
    // waiting `have` requests are answered (not held) rather than left to their deadline
    this.service.close()
    if (this.libp2p.status === 'started') await this.libp2p.unhandle(CHUNK_PROTOCOL)
  }

  private async onStream (stream: Stream, connection: Connection): Promise<void> {
    const reader = new FrameReader(stream)
    const from = connection.remotePeer.toString()
    try {
      for (;;) {
        const frame = await reader.read(MAX_REQUEST_BYTES, AbortSignal.timeout(this.idleTimeoutMs))
        if (frame === null) break
        const response = await this.answer(decodeJson(frame, 'chunk request') as ChunkRequest, from)
        await writeFrameParts(stream, [Uint8Array.of(WIRE_STATUS[response.status]), response.body], AbortSignal.timeout(this.idleTimeoutMs))
      }
      await stream.close()
    } catch (err) {
      // A client that went away, idled, or sent garbage: drop its stream.
      stream.abort(err as Error)
    }
  }

  /**
   * The handler's answer; when the handler fails, an error answer naming the failure (the asker
   * raises it, and the stream serves its next request), and the failure in the log.
   */
  private async answer (request: ChunkRequest, from: string): Promise<ChunkResponse> {
    try {
      return await this.handler(request, from)
    } catch (err) {
      const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
      this.libp2p.logger.forComponent('xenos:chunks').error('answering %s of %s for %s failed: %e', request.op, request.hash, from, err)
      const body = new TextEncoder().encode(what)
      return { status: 'error', body, sizeBytes: body.byteLength }
    }
  }
}

/**
 * The overlay's chunk transport: requests on libp2p streams, waits on the
 * wall clock, chance from `Math.random` (the real hosts' fetches need no
 * reproducible draws), swarms as overlay groups (swarm.ts; without
 * `swarms`, a fetch has no swarm to join).
 */
export function libp2pChunkTransport (libp2p: OverlayLibp2p, server: ChunkServer, swarms?: { groups: Groups, membership: Membership }): ChunkTransport {
  return {
    async joinSwarm (manifestHash) {
      if (swarms === undefined) throw new InvalidArgumentError('swarms', 'an overlay\'s groups and membership to join a swarm through', 'none')
      return await joinSwarm(swarms, manifestHash)
    },
    clock: realClock(),
    random: () => Math.random(),
    async listen (_peerId, handler) {
      server.serve(handler)
      return async () => { server.serve(server.service.answer) }
    },
    async open (_fromPeer, peerId, timeoutMs): Promise<ChunkChannel> {
      const client = await ChunkClient.open(libp2p, peerId, timeoutMs)
      return {
        request: async (request: ChunkRequest, limits: { timeoutMs: number, maxBytes: number, signal?: AbortSignal }): Promise<ChunkResponse> => {
          const maxBytes = Math.min(limits.maxBytes, MAX_RESPONSE_BYTES)
          const r = await client.request(request as unknown as Record<string, unknown>, maxBytes, limits.timeoutMs, limits.signal)
          return { status: chunkStatusOf(r.status), body: r.body, sizeBytes: r.body.byteLength }
        },
        close: async () => { await client.close() }
      }
    }
  }
}
