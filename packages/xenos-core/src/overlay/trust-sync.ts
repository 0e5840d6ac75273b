/**
 * Revocation lists reach every member of the overlay, and stay: a list
 * adopted here (from the API or a peer) is flooded on the pubsub topic
 * `xenos/trust/1`; every connection that opens pulls the other side's lists
 * over `/xenos/trust/1.0.0` (one JSON frame, the signed lists it holds), so
 * a host that was away or partitioned catches up as soon as it reconnects;
 * and a random connected peer is asked again every `pullIntervalMs`. Lists
 * are signed by the cluster's keys and versioned, so it does not matter who
 * relays them: a forged list is refused, an older one ignored. A newly
 * revoked host's connections are closed at once.
 */
import type { Stream, Connection } from '@libp2p/interface'
import type { OverlayLibp2p } from './node.js'
import type { OverlayTrust } from './admission.js'
import { FrameReader, decodeJson, encodeJson, raceAbort, writeFrame } from './frames.js'
import { dialTarget } from './target.js'

export const TRUST_TOPIC = 'xenos/trust/1'
export const TRUST_SYNC_PROTOCOL = '/xenos/trust/1.0.0'

const MAX_LISTS_BYTES = 4 * 1024 * 1024

export interface TrustSyncInit {
  /** Time between pulls from a random connected peer, in ms. @default 30000 */
  pullIntervalMs?: number
  /** Deadline of one pull, in ms. @default 10000 */
  timeoutMs?: number
  /** Told about lists that could not be adopted (forged, foreign) and failed pulls. */
  onError?: (err: unknown) => void
}

export class TrustSync {
  private timer: ReturnType<typeof setInterval> | undefined
  private unsubscribeRevoked: (() => void) | undefined
  private running = false
  private readonly pullIntervalMs: number
  private readonly timeoutMs: number
  private readonly onError: (err: unknown) => void

  constructor (private readonly libp2p: OverlayLibp2p, readonly trust: OverlayTrust, init: TrustSyncInit = {}) {
    this.pullIntervalMs = init.pullIntervalMs ?? 30_000
    this.timeoutMs = init.timeoutMs ?? 10_000
    this.onError = init.onError ?? (() => {})
  }

  async start (): Promise<void> {
    this.running = true
    await this.libp2p.handle(TRUST_SYNC_PROTOCOL, stream => this.serve(stream), { maxInboundStreams: 16 })
    this.libp2p.services.pubsub.addEventListener('message', this.onMessage)
    this.libp2p.services.pubsub.subscribe(TRUST_TOPIC)
    this.libp2p.addEventListener('peer:connect', this.onConnect)
    this.unsubscribeRevoked = this.trust.onHostsRevoked((peers) => { this.disconnect(peers) })
    this.timer = setInterval(() => {
      const peers = this.libp2p.getPeers()
      const peer = peers[Math.floor(Math.random() * peers.length)]
      if (peer !== undefined) this.pull(peer.toString()).catch(this.onError)
    }, this.pullIntervalMs)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    clearInterval(this.timer)
    this.unsubscribeRevoked?.()
    this.libp2p.removeEventListener('peer:connect', this.onConnect)
    this.libp2p.services.pubsub.removeEventListener('message', this.onMessage)
    if (this.libp2p.status === 'started') {
      this.libp2p.services.pubsub.unsubscribe(TRUST_TOPIC)
      await this.libp2p.unhandle(TRUST_SYNC_PROTOCOL)
    }
  }

  /**
   * Adopts a list given here (the administrator's, through the API) and,
   * when it is newer than the one held, floods it to the overlay.
   */
  async publish (doc: { payload: string, signature: string }): Promise<{ kind: string, version: number, adopted: boolean }> {
    const r = await this.trust.adopt(doc)
    if (r.adopted) await this.libp2p.services.pubsub.publish(TRUST_TOPIC, encodeJson(doc)).catch(this.onError)
    return r
  }

  /** Asks `peerId` for its lists and adopts the newer ones. */
  async pull (peerId: string): Promise<void> {
    const signal = AbortSignal.timeout(this.timeoutMs)
    const stream = await raceAbort(this.libp2p.dialProtocol(dialTarget(peerId), TRUST_SYNC_PROTOCOL, { signal }), signal)
    try {
      await raceAbort(stream.close({ signal }), signal)
      const frame = await new FrameReader(stream).read(MAX_LISTS_BYTES, signal)
      const docs = frame === null ? [] : decodeJson(frame, 'list of revocation lists')
      if (!Array.isArray(docs)) throw new TypeError(`trust sync from ${peerId}: expected an array of signed lists, found ${typeof docs}`)
      for (const d of docs) await this.trust.adopt(d as { payload: string, signature: string })
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }

  private async serve (stream: Stream): Promise<void> {
    const signal = AbortSignal.timeout(this.timeoutMs)
    try {
      await writeFrame(stream, encodeJson(this.trust.revocations()), signal)
      await stream.close({ signal })
    } catch (err) {
      stream.abort(err as Error)
    }
  }

  private readonly onConnect = (evt: CustomEvent<{ toString(): string }>): void => {
    if (!this.running) return
    const peer = evt.detail.toString()
    const connected = (): boolean => this.running && this.libp2p.getConnections().some(c => c.remotePeer.toString() === peer)
    // A connection that closes at once (a duplicate of a simultaneous dial, a host
    // going down) fails the pull: try once more while the peer is still connected;
    // a peer that went away is pulled from when it connects again.
    this.pull(peer).catch(async () => {
      await new Promise(resolve => setTimeout(resolve, 1000))
      if (connected()) await this.pull(peer)
    }).catch((err: unknown) => { if (connected()) this.onError(err) })
  }

  private readonly onMessage = (evt: CustomEvent<{ topic: string, data: Uint8Array }>): void => {
    if (evt.detail.topic !== TRUST_TOPIC) return
    Promise.resolve().then(async () => {
      await this.trust.adopt(decodeJson(evt.detail.data, 'revocation list') as { payload: string, signature: string })
    }).catch(this.onError)
  }

  private disconnect (peerIds: string[]): void {
    const revoked = new Set(peerIds)
    for (const c of this.libp2p.getConnections() as Connection[]) {
      if (revoked.has(c.remotePeer.toString())) c.abort(new Error(`peer ${c.remotePeer.toString()} was revoked from the cluster`))
    }
  }
}
