/**
 * Distributed search: every host answers from its own live registry; the
 * querier collects the answers within a deadline and names the hosts that did
 * not answer. Two ways to reach the hosts (see docs/search-design.md):
 *
 * - `direct` (default): the querier sends the query to every host of its
 *   membership table (membership.ts) on a long-lived search stream per host
 *   (search-channel.ts); each host answers on the same stream. 2(N-1) frames
 *   per query, no duplicates; a host that joined too recently to be in the
 *   querier's table (a gossip round, milliseconds on a LAN) is not asked.
 * - `flood`: the querier floods the query on the floodsub topic
 *   `/xenos/search/1` (signed, de-duplicated by message id, so each host
 *   handles it once) and each host replies on its search stream to the
 *   querier. Reaches hosts the querier does not know yet, at the price of
 *   about 2E flood messages for E overlay links, most of them duplicates.
 *
 * Either way: cost O(N) messages per query (plus the flood's duplicates);
 * staleness none, since each host matches the query against its registry when
 * the query arrives.
 *
 * Who is named: every host of the membership table that did not answer is in
 * `missing`, with why in `missingReasons`. The querier does not wait for a
 * host the membership has declared failed (it is named at once), nor for one
 * whose query could not be sent (a refused connection), nor for one that
 * fails or leaves while the search runs. A host answers only once it is ready
 * (`setReady`): a query that arrives while it starts waits, within its
 * deadline, for it to be ready, so a starting host never passes an empty
 * answer for a real one.
 *
 * @example
 * ```ts
 * const search = new OverlaySearch(node.libp2p, membership, { matcher: async (q, kind) => registry.match(q, kind) })
 * await search.start()
 * const result = await search.search('template=hadoop-slave state=running', { timeoutMs: 1000 })
 * console.log(result.matches, result.missing)
 * ```
 */
import { randomUUID } from 'node:crypto'
import type { Message } from '@libp2p/floodsub'
import type { OverlayLibp2p } from './node.js'
import type { Membership } from './membership/index.js'
import { decodeJson, encodeJson } from './frames.js'
import { SearchChannels } from './search-channel.js'
import { InvalidArgumentError } from '../errors.js'
import { unreachable } from './unreachable.js'

export const SEARCH_TOPIC = '/xenos/search/1'

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
  /** How queries reach the hosts (see module comment). @default 'direct' */
  strategy?: SearchStrategy
  /** Whether this host answers queries from the start; when false, queries wait for `setReady(true)`. @default true */
  ready?: boolean
}

export interface PeerMatches {
  peerId: string
  records: Record<string, unknown>[]
}

export interface SearchResult {
  queryId: string
  /** Matches per host that answered (this host first), hosts without matches included. */
  matches: PeerMatches[]
  /** Hosts known to the querier that did not answer: declared failed, unreachable, gone during the search, or silent until the deadline. */
  missing: string[]
  /** Why each host of `missing` did not answer ("declared failed: connection refused", "no answer within 2000 ms", ...). */
  missingReasons: Record<string, string>
  /** Hosts that answered with an error (for example a query they could not parse). */
  errors: Array<{ peerId: string, message: string }>
  durationMs: number
}

interface Pending {
  expected: Set<string>
  matches: PeerMatches[]
  errors: Array<{ peerId: string, message: string }>
  answered: Set<string>
  /** Hosts no longer waited for, and why. */
  givenUp: Map<string, string>
  done: () => void
}

export type SearchStrategy = 'direct' | 'flood'

export class OverlaySearch {
  private readonly matcher: SearchMatcher
  private readonly timeoutMs: number
  private readonly maxQueryBytes: number
  private readonly maxReplyBytes: number
  private readonly strategy: SearchStrategy
  private readonly pending = new Map<string, Pending>()
  /** Query ids answered recently (a query may arrive twice: flood and direct). */
  private readonly answered = new Set<string>()
  private readonly channels: SearchChannels
  private running = false
  private ready: boolean
  private readonly readyWaiters = new Set<() => void>()
  private unsubscribeTransitions: (() => void) | undefined

  constructor (private readonly libp2p: OverlayLibp2p, private readonly membership: Membership, init: OverlaySearchInit) {
    if (typeof init.matcher !== 'function') throw new InvalidArgumentError('matcher', 'a function', typeof init.matcher)
    if (init.strategy !== undefined && init.strategy !== 'direct' && init.strategy !== 'flood') {
      throw new InvalidArgumentError('strategy', '"direct" or "flood"', init.strategy)
    }
    this.matcher = init.matcher
    this.timeoutMs = init.timeoutMs ?? 2000
    this.maxQueryBytes = init.maxQueryBytes ?? 4096
    this.maxReplyBytes = init.maxReplyBytes ?? 4 * 1024 * 1024
    this.strategy = init.strategy ?? 'direct'
    this.ready = init.ready ?? true
    this.channels = new SearchChannels(libp2p, this.maxReplyBytes + 1024, (peerId, frame) => this.onFrame(peerId, frame))
  }

  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    const msg = evt.detail
    if (msg.topic !== SEARCH_TOPIC || msg.type !== 'signed' || msg.from.equals(this.libp2p.peerId)) return
    if (msg.data.byteLength > this.maxQueryBytes + 2048) return
    let frame: unknown
    try {
      frame = decodeJson(msg.data, 'query')
    } catch (err) {
      this.log('dropping an undecodable flooded query from %s: %e', msg.from.toString(), err)
      return
    }
    this.answer(msg.from.toString(), frame)
  }

  async start (): Promise<void> {
    this.running = true
    this.unsubscribeTransitions = this.membership.onTransition((t) => {
      if (t.to !== 'failed' && t.to !== 'left') return
      const why = t.to === 'left' ? 'left the overlay during the search' : `declared failed during the search: ${t.reason ?? 'no reason given'}`
      for (const p of this.pending.values()) this.giveUp(p, t.peerId, why)
    })
    await this.channels.start()
    this.libp2p.services.pubsub.addEventListener('message', this.onMessage)
    this.libp2p.services.pubsub.subscribe(SEARCH_TOPIC)
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    this.unsubscribeTransitions?.()
    this.libp2p.services.pubsub.removeEventListener('message', this.onMessage)
    for (const p of this.pending.values()) p.done()
    for (const w of this.readyWaiters) w()
    if (this.libp2p.status === 'started') this.libp2p.services.pubsub.unsubscribe(SEARCH_TOPIC)
    await this.channels.stop()
  }

  /**
   * Whether this host answers queries. Queries that arrived while it was not
   * ready are answered when it becomes ready (if their deadline has not passed).
   */
  setReady (ready: boolean): void {
    this.ready = ready
    if (!ready) return
    for (const w of this.readyWaiters) w()
    this.readyWaiters.clear()
  }

  /** Search the whole overlay (see module comment). */
  async search (query: string, options: { timeoutMs?: number, kind?: string, strategy?: SearchStrategy } = {}): Promise<SearchResult> {
    const kind = options.kind ?? 'services'
    if (typeof kind !== 'string' || !/^[a-z][a-z0-9-]{0,31}$/.test(kind)) {
      throw new InvalidArgumentError('kind', 'a lowercase word such as "services" or "hosts"', kind)
    }
    if (typeof query !== 'string' || new TextEncoder().encode(query).byteLength > this.maxQueryBytes) {
      const found = typeof query === 'string' ? `${query.length} characters` : typeof query
      throw new InvalidArgumentError('query', `a string of at most ${this.maxQueryBytes} bytes`, found)
    }
    const timeoutMs = options.timeoutMs ?? this.timeoutMs
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs <= 600_000)) {
      throw new InvalidArgumentError('timeoutMs', 'a number in (0, 600000]', timeoutMs)
    }
    const strategy = options.strategy ?? this.strategy
    const startMs = performance.now()
    const queryId = randomUUID()
    const self = this.libp2p.peerId.toString()
    let timer: ReturnType<typeof setTimeout> | undefined
    let resolveDone!: () => void
    const finished = new Promise<void>(r => (resolveDone = r))
    const members = this.membership.members()
    const failed = this.membership.failed()
    const pending: Pending = {
      expected: new Set([...members, ...failed].map(m => m.peerId)), matches: [], errors: [], answered: new Set(), givenUp: new Map(), done: resolveDone
    }
    for (const f of failed) pending.givenUp.set(f.peerId, `declared failed ${Math.round(f.stateAgeMs / 1000)} s ago: ${f.reason ?? 'no reason given'}`)
    this.pending.set(queryId, pending)
    const signal = AbortSignal.timeout(timeoutMs)
    try {
      const replyAddrs = this.libp2p.getMultiaddrs().map(a => a.toString())
      const frame = { t: 'q', v: 1, id: queryId, query, kind, timeoutMs, replyAddrs }
      if (strategy === 'flood') {
        await this.libp2p.services.pubsub.publish(SEARCH_TOPIC, encodeJson(frame))
      } else {
        for (const m of members) {
          this.channels.send(m.peerId, frame, m.addrs, signal).catch((err: unknown) => {
            const why = unreachable(m.peerId, err, timeoutMs)
            // a refused connection is evidence for the membership; a deadline that passed is not the peer's fault alone
            if (why.kind !== 'timeout') {
              this.membership.reportUnreachable(m.peerId)
              this.giveUp(pending, m.peerId, `query not delivered: ${why.kind === 'refused' ? 'connection refused' : why.message}`)
            }
          })
        }
      }
      try {
        pending.matches.unshift({ peerId: self, records: await this.matcher(query, kind) })
      } catch (err) {
        pending.errors.push({ peerId: self, message: errorText(err) })
      }
      if (!settled(pending)) {
        timer = setTimeout(resolveDone, Math.max(0, timeoutMs - (performance.now() - startMs)))
        await finished
      }
    } finally {
      clearTimeout(timer)
      this.pending.delete(queryId)
    }
    const missing = [...pending.expected].filter(p => !pending.answered.has(p)).sort()
    const missingReasons: Record<string, string> = {}
    for (const p of missing) missingReasons[p] = pending.givenUp.get(p) ?? `no answer within ${timeoutMs} ms`
    return { queryId, matches: pending.matches, missing, missingReasons, errors: pending.errors, durationMs: performance.now() - startMs }
  }

  /** Stop waiting for `peerId` in a pending search (it is failed, gone, or its query was not delivered). */
  private giveUp (pending: Pending, peerId: string, reason: string): void {
    if (!pending.expected.has(peerId) || pending.answered.has(peerId) || pending.givenUp.has(peerId)) return
    pending.givenUp.set(peerId, reason)
    if (settled(pending)) pending.done()
  }

  private onFrame (peerId: string, frame: Record<string, unknown>): void {
    if (frame['t'] === 'q') this.answer(peerId, frame)
    else if (frame['t'] === 'r') this.onReply(peerId, frame)
  }

  /** A query arrived (by flood or directly): match locally and reply to the querier. */
  private answer (from: string, frame: unknown): void {
    const receivedMs = performance.now()
    let message: ParsedQuery
    try {
      message = parseQuery(frame)
    } catch (err) {
      // A malformed query cannot be answered (no valid id to reply to); log and drop it.
      this.log('dropping a malformed query from %s: %e', from, err)
      return
    }
    if (this.answered.has(message.id)) return
    this.answered.add(message.id)
    if (this.answered.size > 4096) this.answered.delete(this.answered.values().next().value!)
    void (async () => {
      if (!this.ready) {
        // a starting host answers once ready, or not at all: an empty answer would pass for a real one
        const waitMs = message.timeoutMs - (performance.now() - receivedMs)
        if (!(await this.untilReady(waitMs))) return
      }
      let reply: Record<string, unknown>
      try {
        reply = { t: 'r', id: message.id, records: await this.matcher(message.query, message.kind) }
      } catch (err) {
        reply = { t: 'r', id: message.id, error: errorText(err) }
      }
      if (encodeJson(reply).byteLength > this.maxReplyBytes) {
        reply = { t: 'r', id: message.id, error: `reply exceeds the limit of ${this.maxReplyBytes} bytes` }
      }
      const remainingMs = message.timeoutMs - (performance.now() - receivedMs)
      if (remainingMs <= 0 || !this.running) return
      try {
        await this.channels.send(from, reply, message.replyAddrs, AbortSignal.timeout(Math.ceil(remainingMs)))
      } catch (err) {
        // The querier is gone or too slow: it will list this host as missing.
        this.log('reply to %s not sent: %e', from, err)
      }
    })()
  }

  private onReply (peerId: string, reply: Record<string, unknown>): void {
    const pending = typeof reply['id'] === 'string' ? this.pending.get(reply['id']) : undefined
    if (pending === undefined || pending.answered.has(peerId)) return
    pending.answered.add(peerId)
    if (typeof reply['error'] === 'string') pending.errors.push({ peerId, message: reply['error'] })
    else if (Array.isArray(reply['records'])) pending.matches.push({ peerId, records: reply['records'] as Record<string, unknown>[] })
    else pending.errors.push({ peerId, message: 'malformed reply: expected records or error' })
    if (settled(pending)) pending.done()
  }

  /** Resolves true once ready, false if `waitMs` passes first or the search stops. */
  private async untilReady (waitMs: number): Promise<boolean> {
    if (this.ready) return true
    if (waitMs <= 0 || !this.running) return false
    return await new Promise<boolean>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer)
        this.readyWaiters.delete(wake)
        resolve(this.ready && this.running)
      }
      const timer = setTimeout(wake, waitMs)
      this.readyWaiters.add(wake)
    })
  }

  private log (format: string, ...args: unknown[]): void {
    this.libp2p.logger.forComponent('xenos:search').error(format, ...args)
  }
}

interface ParsedQuery {
  id: string
  query: string
  kind: string
  timeoutMs: number
  replyAddrs: string[]
}

function parseQuery (v: unknown): ParsedQuery {
  const r = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>
  const { id, query, kind, timeoutMs, replyAddrs } = r
  if (
    typeof id !== 'string' || typeof query !== 'string' || typeof kind !== 'string' || typeof timeoutMs !== 'number'
    || !(timeoutMs > 0) || !Array.isArray(replyAddrs) || !replyAddrs.every(a => typeof a === 'string')
  ) {
    throw new InvalidArgumentError('query message', 'a query { id, query, kind, timeoutMs, replyAddrs }', JSON.stringify(v).slice(0, 200))
  }
  return { id, query, kind, timeoutMs: Math.min(timeoutMs, 600_000), replyAddrs }
}

/** Every host expected has answered or is no longer waited for. */
function settled (p: Pending): boolean {
  for (const peer of p.expected) if (!p.answered.has(peer) && !p.givenUp.has(peer)) return false
  return true
}

function errorText (err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}
