/**
 * The membership protocol's messages (`/xenos/membership/1.0.0`): one
 * request and one reply per stream, each a length-prefixed JSON frame.
 * Every frame carries its sender's own record (`from`, checked against the
 * connection's authenticated peer id) and a few updates to spread
 * (piggybacked gossip, as in SWIM).
 *
 * | request | reply | purpose |
 * |---|---|---|
 * | `ping` | `ack` | direct probe |
 * | `ping-req` (target, addrs, timeoutMs) | `ack`, or `nack` with why | indirect probe through another member |
 * | `gossip` | `ack` | spread updates (`updates`) |
 * | `sync` (members) | `sync` (members) | push-pull of the whole table (anti-entropy, joins, heals) |
 */
import { FrameError } from '../errors.js'
import { parseRecord, parseRecords, type MemberRecord } from './records.js'

export const MEMBERSHIP_PROTOCOL = '/xenos/membership/1.0.0'

export type UnreachableKind = 'refused' | 'timeout' | 'unreachable'

export type FrameType = 'ping' | 'ping-req' | 'gossip' | 'sync' | 'ack' | 'nack'

const FRAME_TYPES: readonly string[] = ['ping', 'ping-req', 'gossip', 'sync', 'ack', 'nack']
const KINDS: readonly string[] = ['refused', 'timeout', 'unreachable']

export interface Frame {
  t: FrameType
  /** The sender's record of itself. */
  from: MemberRecord
  /** Updates to spread. */
  updates: MemberRecord[]
  /** `sync`: the sender's whole table, itself included. */
  members?: MemberRecord[]
  /** `ping-req`: whom to probe, at which addresses, within how long. */
  target?: string
  addrs?: string[]
  timeoutMs?: number
  /** `nack`: why the target did not answer. */
  reason?: UnreachableKind
}

/** A member to send to: its peer id and the addresses to dial when not connected. */
export interface PeerRef {
  peerId: string
  addrs: string[]
}

/** Deadlines of one request: to connect when not connected, then to get the answer. */
export interface Deadlines {
  connectMs: number
  answerMs: number
  /** Told once a connection to the peer is open (at once when one already was), before the request is sent. */
  onConnected?: () => void
}

/** How members reach each other; rejects with `MemberUnreachableError` when the peer cannot be reached in time. */
export interface MembershipTransport {
  request (peer: PeerRef, frame: Frame, deadlines: Deadlines): Promise<Frame>
  /** Whether a connection to the peer is open (gossip prefers members it need not connect to). */
  connected (peerId: string): boolean
}

/** Checks a received frame; throws `FrameError` saying what was expected. Malformed records inside are dropped. */
export function parseFrame (v: unknown, maxRecords: number): Frame {
  const r = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>
  const from = parseRecord(r['from'])
  if (typeof r['t'] !== 'string' || !FRAME_TYPES.includes(r['t']) || from === undefined) {
    throw new FrameError(`expected a membership frame { t, from, updates }, found ${JSON.stringify(v)?.slice(0, 200)}`)
  }
  const frame: Frame = { t: r['t'] as FrameType, from, updates: parseRecords(r['updates'], maxRecords) }
  if (r['members'] !== undefined) frame.members = parseRecords(r['members'], maxRecords)
  if (frame.t === 'ping-req') {
    const { target, addrs, timeoutMs } = r
    if (typeof target !== 'string' || !Array.isArray(addrs) || !addrs.every(a => typeof a === 'string') || typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
      throw new FrameError(`expected a ping-req with target, addrs and timeoutMs, found ${JSON.stringify(v)?.slice(0, 200)}`)
    }
    Object.assign(frame, { target, addrs: addrs.slice(0, 32), timeoutMs: Math.min(timeoutMs, 60_000) })
  }
  if (frame.t === 'nack') frame.reason = typeof r['reason'] === 'string' && KINDS.includes(r['reason']) ? r['reason'] as UnreachableKind : 'unreachable'
  return frame
}
