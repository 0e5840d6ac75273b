/**
 * One long-lived stream per pair of hosts for search traffic
 * (`/xenos/search/1.0.0`), used in both directions: whichever host opens it
 * first, either side may send frames on it. A frame is a length-prefixed JSON
 * object, a query (`t: 'q'`) or a reply (`t: 'r'`). Keeping the stream open
 * makes a query or a reply one frame on an open stream instead of a stream
 * negotiation.
 */
import type { Connection, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { OverlayLibp2p } from './node.js'
import { FrameReader, decodeJson, encodeJson, raceAbort, writeFrame } from './frames.js'

export const SEARCH_PROTOCOL = '/xenos/search/1.0.0'
/** A search stream unused for this long is closed by the muxer (and reopened when needed). */
const IDLE_MS = 10 * 60_000

export type FrameHandler = (peerId: string, frame: Record<string, unknown>, channel: SearchChannels) => void

export class SearchChannels {
  private readonly streams = new Map<string, Promise<Stream>>()
  private readonly open = new Set<Stream>()

  constructor (private readonly libp2p: OverlayLibp2p, private readonly maxFrameBytes: number, private readonly onFrame: FrameHandler) {}

  async start (): Promise<void> {
    await this.libp2p.handle(SEARCH_PROTOCOL, (stream, connection) => this.attach(stream, connection), { maxInboundStreams: 64 })
  }

  async stop (): Promise<void> {
    this.streams.clear()
    const streams = [...this.open]
    this.open.clear()
    await Promise.all(streams.map(async (s) => {
      try {
        await s.close({ signal: AbortSignal.timeout(500) })
      } catch (err) {
        s.abort(err as Error) // the peer is gone: drop the stream at once
      }
    }))
    if (this.libp2p.status === 'started') await this.libp2p.unhandle(SEARCH_PROTOCOL)
  }

  /**
   * Send one frame to `peerId`, on the open stream if there is one, else on a
   * new one (dialing `addrs` when not connected). One retry on a fresh stream
   * if the cached one turns out closed. Throws when the peer cannot be reached
   * before `signal` fires.
   */
  async send (peerId: string, frame: Record<string, unknown>, addrs: string[], signal: AbortSignal): Promise<void> {
    const body = encodeJson(frame)
    for (let attempt = 0; ; attempt++) {
      let stream: Stream | undefined
      try {
        stream = await this.streamTo(peerId, addrs, signal)
        await writeFrame(stream, body, signal)
        return
      } catch (err) {
        if (stream !== undefined) this.drop(peerId, stream, err as Error)
        if (attempt >= 1 || signal.aborted) throw err
      }
    }
  }

  private async streamTo (peerId: string, addrs: string[], signal: AbortSignal): Promise<Stream> {
    const cached = this.streams.get(peerId)
    if (cached !== undefined) {
      try {
        const stream = await cached
        if (stream.status === 'open' && stream.writeStatus === 'writable') return stream
      } catch {
        // the cached attempt failed; it is replaced below
      }
      if (this.streams.get(peerId) === cached) this.streams.delete(peerId)
    }
    const connection = this.libp2p.getConnections().find(c => c.remotePeer.toString() === peerId)
    const target = connection !== undefined ? connection.remotePeer : addrs.filter(a => a.endsWith(`/p2p/${peerId}`)).map(a => multiaddr(a))
    const opening = raceAbort(this.libp2p.dialProtocol(target, SEARCH_PROTOCOL, { signal }), signal).then((stream) => {
      this.watch(stream, peerId)
      return stream
    })
    this.streams.set(peerId, opening)
    opening.catch(() => {
      if (this.streams.get(peerId) === opening) this.streams.delete(peerId)
    })
    return opening
  }

  private attach (stream: Stream, connection: Connection): void {
    const peerId = connection.remotePeer.toString()
    if (!this.streams.has(peerId)) this.streams.set(peerId, Promise.resolve(stream))
    this.watch(stream, peerId)
  }

  /** Read frames from `stream` until it ends. */
  private watch (stream: Stream, peerId: string): void {
    stream.inactivityTimeout = IDLE_MS
    this.open.add(stream)
    const reader = new FrameReader(stream)
    void (async () => {
      try {
        for (;;) {
          const body = await reader.read(this.maxFrameBytes)
          if (body === null) break
          const frame = decodeJson(body, 'search frame')
          if (typeof frame === 'object' && frame !== null) this.onFrame(peerId, frame as Record<string, unknown>, this)
        }
        this.open.delete(stream)
        if (this.streams.get(peerId) !== undefined && (await this.streams.get(peerId)) === stream) this.streams.delete(peerId)
        await stream.close()
      } catch (err) {
        this.drop(peerId, stream, err as Error)
      }
    })()
  }

  private drop (peerId: string, stream: Stream, err: Error): void {
    this.open.delete(stream)
    const cached = this.streams.get(peerId)
    if (cached !== undefined) {
      cached.then((s) => {
        if (s === stream && this.streams.get(peerId) === cached) this.streams.delete(peerId)
      }, () => undefined)
    }
    stream.abort(err)
  }
}
