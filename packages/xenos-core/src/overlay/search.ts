/**
 * Distributed search by query flooding with direct replies.
 *
 * Design (see docs/search-design.md for the comparison with a gossiped index
 * and a DHT):
 * 1. The querier floods `{ id, query, timeoutMs, replyAddrs }` on the floodsub
 *    topic `/xenos/search/1`. Floodsub signs the message (so `from` is
 *    authenticated) and drops duplicates by message id, so every host handles
 *    a query once however many paths reach it.
 * 2. Each host runs the matcher on its own live registry and sends its matches
 *    straight to the querier on the protocol `/xenos/search-reply/1.0.0` (one
 *    length-prefixed JSON frame), dialing it if not already connected. The
 *    reply stream stays open and carries the host's later replies to the same
 *    querier, so a reply costs one frame, not a stream negotiation.
 * 3. The querier runs the matcher locally too, collects answers until every
 *    member it knows of (membership table) has answered or the deadline
 *    passes, and returns the matches together with the members that did not
 *    answer in time and those that answered with an error.
 *
 * Cost per query: one flood (about 2E floodsub messages for E overlay
 * connections, each host forwarding once) plus N-1 replies: O(N) messages.
 * Staleness: none: each host answers from its live registry at the moment the
 * query arrives. The price is that every query reaches every host.
 *
 * @example
 * ```ts
 * const search = new OverlaySearch(node.libp2p, membership, { matcher: (q) => registry.match(q) })
 * await search.start()
 * const result = await search.search('template=hadoop-slave state=running', { timeoutMs: 1000 })
 * console.log(result.matches, result.missing)
 * ```
 */
import { randomUUID } from 'node:crypto'
import type { Message } from '@libp2p/floodsub'
import type { Connection, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { OverlayLibp2p } from './node.js'
import type { Membership } from './membership.js'
import { FrameReader, decodeJson, encodeJson, raceAbort, writeFrame } from './frames.js'
import { OverlayConfigError } from './errors.js'

export const SEARCH_TOPIC = '/xenos/search/1'
export const SEARCH_REPLY_PROTOCOL = '/xenos/search-reply/1.0.0'
/** A reply stream unused for this long is closed (and reopened on the next reply). */
const REPLY_STREAM_IDLE_MS = 10 * 60_000

/**
 * Answers a query from the local registry; the query language plugs in here.
 * `kind` is what the querier searches for (for example "services" or
 * "hosts"; "services" unless the querier said otherwise).
 */
export type SearchMatcher = (query: string, kind: string) => Promise<Record<string, unknown>[]>

export interface OverlaySearchInit {
  matcher: SearchMatcher
  /** Default deadline of a search. @default 2000 */
  timeoutMs?: number
  /** Largest query text. @default 4096 */
  maxQueryBytes?: number
  /** Largest reply of one host. @default 4194304 */
  maxReplyBytes?: number
}

export interface PeerMatches {
  peerId: string
  records: Record<string, unknown>[]
}

export interface SearchResult {
  queryId: string
  /** Matches per host that answered (this host first), hosts without matches included. */
  matches: PeerMatches[]
  /** Hosts known to the querier that did not answer before the deadline. */
  missing: string[]
  /** Hosts that answered with an error (for example a query they could not parse). */
  errors: Array<{ peerId: string; message: string }>
  durationMs: number
}

interface Pending {
  expected: Set<string>
  matches: PeerMatches[]
  errors: Array<{ peerId: string; message: string }>
  answered: Set<string>
  done: () => void
}

export class OverlaySearch {
  private readonly matcher: SearchMatcher
  private readonly timeoutMs: number
  private readonly maxQueryBytes: number
  private readonly maxReplyBytes: number
  private readonly pending = new Map<string, Pending>()
  private readonly replyStreams = new Map<string, Promise<Stream>>()
  private running = false

  constructor(private readonly libp2p: OverlayLibp2p, private readonly membership: Membership, init: OverlaySearchInit) {
    if (typeof init.matcher !== 'function') throw new OverlayConfigError(`matcher: expected a function, found ${typeof init.matcher}`)
    this.matcher = init.matcher
    this.timeoutMs = init.timeoutMs ?? 2000
    this.maxQueryBytes = init.maxQueryBytes ?? 4096
    this.maxReplyBytes = init.maxReplyBytes ?? 4 * 1024 * 1024
  }

  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    const msg = evt.detail
    if (msg.topic !== SEARCH_TOPIC || msg.type !== 'signed' || msg.from.equals(this.libp2p.peerId)) return
    this.answer(msg.from.toString(), msg.data).catch((err: unknown) => {
      this.libp2p.logger.forComponent('xenos:search').error('answering a query failed: %e', err)
    })
  }

  async start(): Promise<void> {
    this.running = true
    await this.libp2p.handle(SEARCH_REPLY_PROTOCOL, (stream, connection) => this.onReply(stream, connection), { maxInboundStreams: 1024 })
    this.libp2p.services.pubsub.addEventListener('message', this.onMessage)
    this.libp2p.services.pubsub.subscribe(SEARCH_TOPIC)
  }

  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    this.libp2p.services.pubsub.removeEventListener('message', this.onMessage)
    for (const p of this.pending.values()) p.done()
    const streams = [...this.replyStreams.values()]
    this.replyStreams.clear()
    await Promise.all(streams.map(async (opening) => {
      try {
        await (await opening).close({ signal: AbortSignal.timeout(500) })
      } catch {
        // closing replies to a querier that is already gone: nothing left to release
      }
    }))
    if (this.libp2p.status === 'started') {
      this.libp2p.services.pubsub.unsubscribe(SEARCH_TOPIC)
      await this.libp2p.unhandle(SEARCH_REPLY_PROTOCOL)
    }
  }

  /** Search the whole overlay (see module comment). */
  async search(query: string, options: { timeoutMs?: number; kind?: string } = {}): Promise<SearchResult> {
    const kind = options.kind ?? 'services'
    if (typeof kind !== 'string' || !/^[a-z][a-z0-9-]{0,31}$/.test(kind)) {
      throw new OverlayConfigError(`kind: expected a lowercase word such as "services" or "hosts", found ${JSON.stringify(kind)}`)
    }
    if (typeof query !== 'string' || new TextEncoder().encode(query).byteLength > this.maxQueryBytes) {
      throw new OverlayConfigError(`query: expected a string of at most ${this.maxQueryBytes} bytes, found ${typeof query === 'string' ? `${query.length} characters` : typeof query}`)
    }
    const timeoutMs = options.timeoutMs ?? this.timeoutMs
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs <= 600_000)) {
      throw new OverlayConfigError(`timeoutMs: expected a number in (0, 600000], found ${timeoutMs}`)
    }
    const startMs = performance.now()
    const queryId = randomUUID()
    const self = this.libp2p.peerId.toString()
    let timer: ReturnType<typeof setTimeout> | undefined
    let resolveDone!: () => void
    const finished = new Promise<void>((r) => (resolveDone = r))
    const pending: Pending = {
      expected: new Set(this.membership.members().map((m) => m.peerId)),
      matches: [],
      errors: [],
      answered: new Set(),
      done: resolveDone,
    }
    this.pending.set(queryId, pending)
    try {
      const message = { v: 1, id: queryId, query, kind, timeoutMs, replyAddrs: this.libp2p.getMultiaddrs().map((a) => a.toString()) }
      await this.libp2p.services.pubsub.publish(SEARCH_TOPIC, encodeJson(message))
      try {
        pending.matches.unshift({ peerId: self, records: await this.matcher(query, kind) })
      } catch (err) {
        pending.errors.push({ peerId: self, message: errorText(err) })
      }
      if (pending.expected.size > 0 && ![...pending.expected].every((p) => pending.answered.has(p))) {
        timer = setTimeout(resolveDone, Math.max(0, timeoutMs - (performance.now() - startMs)))
        await finished
      }
    } finally {
      clearTimeout(timer)
      this.pending.delete(queryId)
    }
    return {
      queryId,
      matches: pending.matches,
      missing: [...pending.expected].filter((p) => !pending.answered.has(p)).sort(),
      errors: pending.errors,
      durationMs: performance.now() - startMs,
    }
  }

  /** A query arrived by flood: match locally and reply to the querier. */
  private async answer(from: string, data: Uint8Array): Promise<void> {
    const receivedMs = performance.now()
    if (data.byteLength > this.maxQueryBytes + 1024) return
    let message: ParsedQuery
    try {
      message = parseQuery(decodeJson(data, 'query'))
    } catch (err) {
      // A malformed query cannot be answered (no valid id to reply to); log and drop it.
      this.libp2p.logger.forComponent('xenos:search').error('dropping malformed query from %s: %e', from, err)
      return
    }
    let reply: Record<string, unknown>
    try {
      reply = { id: message.id, records: await this.matcher(message.query, message.kind) }
    } catch (err) {
      reply = { id: message.id, error: errorText(err) }
    }
    const remainingMs = message.timeoutMs - (performance.now() - receivedMs)
    if (remainingMs <= 0 || !this.running) return
    const signal = AbortSignal.timeout(Math.ceil(remainingMs))
    let body = encodeJson(reply)
    if (body.byteLength > this.maxReplyBytes) {
      body = encodeJson({ id: message.id, error: `reply of ${body.byteLength} bytes exceeds the limit of ${this.maxReplyBytes} bytes` })
    }
    // A reused stream may have been closed by the querier meanwhile: one retry on a fresh one.
    for (let attempt = 0; attempt < 2; attempt++) {
      let stream: Stream | undefined
      try {
        stream = await this.replyStream(from, message.replyAddrs, signal)
        await writeFrame(stream, body, signal)
        return
      } catch (err) {
        if (stream !== undefined && this.replyStreams.get(from) !== undefined) {
          this.replyStreams.delete(from)
          stream.abort(err as Error)
        }
        // The querier is gone or too slow: it will list this host as missing.
        if (attempt === 1 || signal.aborted) return
      }
    }
  }

  /**
   * The stream carrying this host's replies to one querier: opened on the
   * first reply, then reused, so a reply costs one frame on an open stream.
   */
  private async replyStream(querier: string, replyAddrs: string[], signal: AbortSignal): Promise<Stream> {
    const cached = this.replyStreams.get(querier)
    if (cached !== undefined) {
      const stream = await cached
      if (stream.status === 'open' && stream.writeStatus === 'writable') return stream
      this.replyStreams.delete(querier)
    }
    const connection = this.libp2p.getConnections().find((c) => c.remotePeer.toString() === querier)
    const target = connection !== undefined ? connection.remotePeer : replyAddrs.filter((a) => a.endsWith(`/p2p/${querier}`)).map((a) => multiaddr(a))
    const opening = raceAbort(this.libp2p.dialProtocol(target, SEARCH_REPLY_PROTOCOL, { signal }), signal)
    this.replyStreams.set(querier, opening)
    try {
      const stream = await opening
      stream.inactivityTimeout = REPLY_STREAM_IDLE_MS
      return stream
    } catch (err) {
      if (this.replyStreams.get(querier) === opening) this.replyStreams.delete(querier)
      throw err
    }
  }

  /** Replies from one host arrive on one long-lived stream, one frame each. */
  private async onReply(stream: Stream, connection: Connection): Promise<void> {
    const peerId = connection.remotePeer.toString()
    stream.inactivityTimeout = REPLY_STREAM_IDLE_MS
    const reader = new FrameReader(stream)
    try {
      for (;;) {
        const body = await reader.read(this.maxReplyBytes)
        if (body === null) break
        this.onReplyFrame(peerId, body)
      }
      await stream.close()
    } catch (err) {
      stream.abort(err as Error)
    }
  }

  private onReplyFrame(peerId: string, body: Uint8Array): void {
    const reply = decodeJson(body, 'search reply') as Record<string, unknown>
    const pending = typeof reply['id'] === 'string' ? this.pending.get(reply['id']) : undefined
    if (pending === undefined || pending.answered.has(peerId)) return
    pending.answered.add(peerId)
    if (typeof reply['error'] === 'string') pending.errors.push({ peerId, message: reply['error'] })
    else if (Array.isArray(reply['records'])) pending.matches.push({ peerId, records: reply['records'] as Record<string, unknown>[] })
    else pending.errors.push({ peerId, message: 'malformed reply: expected records or error' })
    if ([...pending.expected].every((p) => pending.answered.has(p))) pending.done()
  }
}

interface ParsedQuery {
  id: string
  query: string
  kind: string
  timeoutMs: number
  replyAddrs: string[]
}

function parseQuery(v: unknown): ParsedQuery {
  const r = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>
  const { id, query, kind, timeoutMs, replyAddrs } = r
  if (
    typeof id !== 'string' || typeof query !== 'string' || typeof kind !== 'string' || typeof timeoutMs !== 'number' ||
    !(timeoutMs > 0) || !Array.isArray(replyAddrs) || !replyAddrs.every((a) => typeof a === 'string')
  ) {
    throw new OverlayConfigError(`expected a query { id, query, kind, timeoutMs, replyAddrs }, found ${JSON.stringify(v).slice(0, 200)}`)
  }
  return { id, query, kind, timeoutMs: Math.min(timeoutMs, 600_000), replyAddrs }
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}
