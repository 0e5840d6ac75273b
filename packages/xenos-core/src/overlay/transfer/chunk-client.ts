/**
 * Client side of the chunk protocol on libp2p (see chunk-server.ts): one stream to one
 * holder, requests sent one after the other.
 */
import type { Stream } from '@libp2p/interface'
import type { OverlayLibp2p } from '../node.js'
import { FrameReader, encodeJson, raceAbort, writeFrame } from '../frames.js'
import { FrameError } from '../errors.js'
import { dialTarget } from '../target.js'
import { CHUNK_PROTOCOL } from './chunk-protocol.js'

export interface WireResponse {
  status: number
  body: Uint8Array
}

export class ChunkClient {
  private constructor (private readonly stream: Stream, private readonly reader: FrameReader) {}

  static async open (libp2p: OverlayLibp2p, holder: string, timeoutMs: number): Promise<ChunkClient> {
    const signal = AbortSignal.timeout(timeoutMs)
    const stream = await raceAbort(libp2p.dialProtocol(dialTarget(holder), CHUNK_PROTOCOL, { signal }), signal)
    return new ChunkClient(stream, new FrameReader(stream))
  }

  /** One request; `giveUp` aborting fails it as its deadline does (the stream is aborted: it is not used again). */
  async request (request: Record<string, unknown>, maxBodyBytes: number, timeoutMs: number, giveUp?: AbortSignal): Promise<WireResponse> {
    const signal = giveUp === undefined ? AbortSignal.timeout(timeoutMs) : AbortSignal.any([AbortSignal.timeout(timeoutMs), giveUp])
    try {
      await writeFrame(this.stream, encodeJson(request), signal)
      const frame = await this.reader.read(maxBodyBytes + 1, signal)
      if (frame === null || frame.byteLength === 0) throw new FrameError('expected a chunk response, found end of stream')
      return { status: frame[0]!, body: frame.subarray(1) }
    } catch (err) {
      this.stream.abort(err as Error)
      throw err
    }
  }

  async close (): Promise<void> {
    try {
      await this.stream.close({ signal: AbortSignal.timeout(1000) })
    } catch (err) {
      this.stream.abort(err as Error)
    }
  }
}
