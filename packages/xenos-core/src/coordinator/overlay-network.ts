/**
 * The coordinator's `PeerNetwork` over the libp2p overlay: flooded search
 * (`OverlaySearch`, with the kind of record searched), XML-RPC calls to
 * other coordinators through the `/xenos/xmlrpc/1.0.0` tunnel, groups as
 * pubsub topics, and events published on `/xenos/events/1`.
 *
 * Hosts are named by host name in the coordinator and by peer id in the
 * overlay: host records carry both, so the mapping is learnt from every
 * host search, and a call to an unknown host name first searches for it.
 * On a closed overlay a host's name is the one its admission record binds
 * (`admittedName`): an answer from a host under another name is ignored and
 * the host named as answering falsely, and a call by name goes only to the
 * peer admitted under that name, so that an admitted host cannot pass for
 * another one.
 *
 * Failures say what happened: a search reports why each host did not
 * answer (declared failed, connection refused, no answer within the
 * deadline); a call to a host the membership has declared failed fails at
 * once, and a call that fails says whether the connection was refused, no
 * answer came (after how long, of which deadline) or the remote handler
 * failed. A refused connection is reported to the membership as evidence.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { decodeMethodResponse } from '../xmlrpc/decode.js'
import { encodeMethodCall } from '../xmlrpc/encode.js'
import type { XmlRpcValue } from '../xmlrpc/values.js'
import type { Groups } from '../overlay/groups.js'
import type { Membership } from '../overlay/membership/index.js'
import { unreachable } from '../overlay/unreachable.js'
import type { OverlayLibp2p } from '../overlay/node.js'
import type { RpcTunnel } from '../overlay/rpc-tunnel.js'
import type { OverlaySearch } from '../overlay/search.js'
import { PeerError } from './errors.js'
import type { CoordinatorEvent } from './event-log.js'
import type { PeerNetwork, SearchKind, SearchOutcome } from './ports.js'

export const EVENTS_TOPIC = '/xenos/events/1'

export interface OverlayNetworkComponents {
  libp2p: OverlayLibp2p
  search: OverlaySearch
  tunnel: RpcTunnel
  groups: Groups
  /** Who is alive or failed: calls to failed hosts fail at once, refused connections are reported to it. */
  membership?: Membership
  /** This host's name and peer id (calls to itself stay local). */
  self: { hostname: string, peerId: string }
  /**
   * On a closed overlay, the host name a peer's admission binds to it
   * (`HostTrust.admittedName`), known once the peer has connected: names are
   * then believed only as admitted. Without it (an open overlay) a host is
   * named as it announces itself.
   */
  admittedName?: (peerId: string) => string | undefined
  /** Where failures that have no caller to go to are reported (event publishing). */
  onError?: (err: unknown) => void
}

export interface OverlayNetwork extends PeerNetwork {
  /** Peer id of a host name, when known. */
  peerOf (hostname: string): string | undefined
  /** Host name of a peer id, when known. */
  hostOf (peerId: string): string | undefined
}

export function overlayNetwork (init: { callTimeoutMs?: number, searchDeadlineMs?: number }, components: OverlayNetworkComponents): OverlayNetwork {
  const { libp2p, search, tunnel, groups, self, membership } = components
  const callTimeoutMs = init.callTimeoutMs ?? 10_000
  const peerByHost = new Map<string, string>([[self.hostname, self.peerId]])
  const hostByPeer = new Map<string, string>([[self.peerId, self.hostname]])
  const admittedName = components.admittedName
  /** Why a peer's own word on its name is not taken: `undefined` when it may be. */
  const falseName = (hostname: string, peerId: string): string | undefined => {
    if (admittedName === undefined || peerId === self.peerId) return undefined
    const bound = admittedName(peerId)
    if (bound === hostname) return undefined
    return `it named itself "${hostname}" but is admitted ${bound === undefined ? 'under no name' : `as "${bound}"`}`
  }
  /** A host's name: as admitted, else from searches, else as it announces itself in the membership. */
  const nameOf = (peerId: string): string | undefined => admittedName?.(peerId) ?? hostByPeer.get(peerId) ?? membership?.get(peerId)?.name
  /** The peer of a host name: from searches, else a member admitted under it, else one that announces it and is not admitted under another. */
  const peerNamed = (hostname: string): string | undefined => {
    const known = peerByHost.get(hostname)
    if (known !== undefined || membership === undefined) return known
    const named = [...membership.members(), ...membership.failed()].filter(m => (admittedName?.(m.peerId) ?? m.name) === hostname)
    return (named.find(m => admittedName?.(m.peerId) === hostname) ?? named[0])?.peerId
  }
  const learn = (hostname: unknown, peerId: unknown): void => {
    if (typeof hostname === 'string' && typeof peerId === 'string' && falseName(hostname, peerId) === undefined) {
      peerByHost.set(hostname, peerId)
      hostByPeer.set(peerId, hostname)
    }
  }

  async function doSearch (kind: SearchKind, query: string, options?: { deadlineMs?: number }): Promise<SearchOutcome> {
    const result = await search.search(query, { kind, timeoutMs: options?.deadlineMs ?? init.searchDeadlineMs ?? 2000 })
    const results: Array<Record<string, unknown>> = []
    const reasons: Record<string, string> = {}
    for (const m of result.matches) {
      for (const r of m.records) {
        const name = kind === 'hosts' ? r.hostname : r.host
        const lie = typeof name === 'string' ? falseName(name, m.peerId) : 'its answer names no host'
        if (lie !== undefined) {
          reasons[admittedName?.(m.peerId) ?? m.peerId] = `answered falsely (${lie}); its answer is ignored`
          break
        }
        learn(name, m.peerId)
        results.push(r)
      }
    }
    for (const p of result.missing) reasons[nameOf(p) ?? p] = result.missingReasons[p] ?? 'no answer'
    for (const e of result.errors) reasons[nameOf(e.peerId) ?? e.peerId] = `answered with an error: ${e.message}`
    return { results, nonResponders: Object.keys(reasons).sort(), reasons }
  }

  async function resolve (host: string): Promise<string> {
    let peer = peerNamed(host)
    if (peer === undefined) {
      if (!/^[A-Za-z0-9._-]+$/.test(host)) throw new PeerError(host, 'be a host name', 'characters a host name cannot have')
      await doSearch('hosts', `hostname=${host}`)
      peer = peerNamed(host)
      if (peer === undefined) throw new PeerError(host, 'be found in the overlay', 'no host of that name answered a search')
    }
    return peer
  }

  return {
    peerOf: peerNamed,
    hostOf: nameOf,
    search: doSearch,
    async call (host, method, params) {
      const peer = await resolve(host)
      const known = membership?.get(peer)
      if (known?.state === 'failed') {
        const why = `the host is declared failed (for ${Math.round(known.stateAgeMs / 1000)} s: ${known.reason ?? 'no reason given'}); not called`
        throw new PeerError(host, `answer ${method}`, why)
      }
      const request = Buffer.from(encodeMethodCall(method, params as XmlRpcValue[]), 'utf8')
      let response: Uint8Array
      const startMs = performance.now()
      if (admittedName !== undefined && peer !== self.peerId && admittedName(peer) === undefined) {
        // a name the membership announced, of a peer not met yet: its admission comes with the connection
        try {
          await libp2p.dial(peerIdFromString(peer), { signal: AbortSignal.timeout(callTimeoutMs) })
        } catch (err) {
          throw new PeerError(host, `answer ${method}`, describeCallFailure(peer, err, performance.now() - startMs, callTimeoutMs, membership), { cause: err })
        }
      }
      const lie = falseName(host, peer)
      if (lie !== undefined) throw new PeerError(host, `be the peer admitted as "${host}"`, `peer ${peer}: ${lie}; not called`)
      try {
        response = await tunnel.call(peer, request, { timeoutMs: callTimeoutMs })
      } catch (err) {
        throw new PeerError(host, `answer ${method}`, describeCallFailure(peer, err, performance.now() - startMs, callTimeoutMs, membership), { cause: err })
      }
      const decoded = decodeMethodResponse(response)
      if (decoded.kind === 'fault') throw decoded.fault
      return decoded.value
    },
    publishEvent (event: CoordinatorEvent) {
      // an operation that ends while its host stops (a fetch cut short) still
      // records its event locally; there is no overlay left to tell it to
      if (libp2p.status !== 'started') return
      libp2p.services.pubsub.publish(EVENTS_TOPIC, Buffer.from(JSON.stringify(event), 'utf8')).catch((err: unknown) => components.onError?.(err))
    },
    members () {
      if (membership === undefined) return []
      return [...membership.members(), ...membership.failed()].map(m => ({
        host: nameOf(m.peerId) ?? m.peerId, peerId: m.peerId, state: m.state, sinceS: Math.round(m.stateAgeMs / 100) / 10,
        ...(m.reason === undefined ? {} : { reason: m.reason })
      })).sort((a, b) => a.host.localeCompare(b.host))
    },
    removeMember (host) {
      return membership?.remove(peerNamed(host) ?? host) ?? false
    },
    onMemberChange (listener) {
      if (membership === undefined) return () => undefined
      return membership.onTransition((t) => {
        const host = admittedName?.(t.peerId) ?? hostByPeer.get(t.peerId) ?? t.name ?? t.peerId
        listener({ host, peerId: t.peerId, from: t.from, to: t.to, ...(t.reason === undefined ? {} : { reason: t.reason }) })
      })
    },
    async joinGroup (group, memberId) { await groups.join(group, memberId) },
    async leaveGroup (group, memberId) { await groups.leave(group, memberId) },
    async publish (group, message) {
      const { recipients } = await groups.publish(group, encodeGroupMessage(self.hostname, message))
      return { delivered: recipients.length }
    }
  }
}

/** What a failed tunnel call says about the peer, in words; a refused connection is reported to the membership. */
function describeCallFailure (peer: string, err: unknown, elapsedMs: number, deadlineMs: number, membership: Membership | undefined): string {
  if (err instanceof Error && (err.name === 'RemoteError' || err.name === 'FrameError')) return err.message
  const why = unreachable(peer, err, deadlineMs)
  if (why.kind === 'refused') {
    membership?.reportUnreachable(peer)
    return 'connection refused at every known address (the coordinator is not running there)'
  }
  if (why.kind === 'timeout') {
    return `no answer: the call timed out after ${(elapsedMs / 1000).toFixed(2)} s of its ${(deadlineMs / 1000).toFixed(0)} s deadline`
  }
  return why.message
}

/**
 * Receive the events every coordinator publishes on `/xenos/events/1` (for
 * a client or service that is itself an overlay peer). Returns the function
 * that stops the subscription.
 */
export function subscribeEvents (libp2p: OverlayLibp2p, listener: (event: CoordinatorEvent) => void, onError?: (err: unknown) => void): () => void {
  const pubsub = libp2p.services.pubsub
  const onMessage = (evt: CustomEvent<{ topic: string, data: Uint8Array }>): void => {
    if (evt.detail.topic !== EVENTS_TOPIC) return
    try {
      listener(JSON.parse(Buffer.from(evt.detail.data).toString('utf8')) as CoordinatorEvent)
    } catch (err) {
      onError?.(err)
    }
  }
  pubsub.addEventListener('message', onMessage as never)
  pubsub.subscribe(EVENTS_TOPIC)
  return () => {
    pubsub.removeEventListener('message', onMessage as never)
    pubsub.unsubscribe(EVENTS_TOPIC)
  }
}

/** A group message on the wire: the sender's host name and the text, as JSON. */
export function encodeGroupMessage (host: string, text: string): Uint8Array {
  return Buffer.from(JSON.stringify({ host, text }), 'utf8')
}

/** Reads a group message; bytes from other publishers are taken as plain text from `fromPeer`. */
export function decodeGroupMessage (data: Uint8Array, fromPeer: string): { host: string, text: string } {
  const raw = Buffer.from(data).toString('utf8')
  try {
    const m = JSON.parse(raw) as { host?: unknown, text?: unknown }
    if (typeof m.host === 'string' && typeof m.text === 'string') return { host: m.host, text: m.text }
  } catch {
    // not JSON: a message from a publisher that is not a coordinator
  }
  return { host: fromPeer, text: raw }
}
