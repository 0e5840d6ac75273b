/**
 * Member records and the order between them, as in SWIM and memberlist.
 *
 * Every member owns an incarnation number that only it raises: when it
 * changes its own record (addresses, groups), when it refutes a suspicion or
 * failure declared about it, and when it restarts (it starts from its
 * wall-clock time in milliseconds, larger than any incarnation of its
 * previous run). Of two records about one member, the one with the larger
 * incarnation wins; at the same incarnation `left` beats `failed` beats
 * `suspect` beats `alive`. So a suspicion can only be undone by the member
 * itself, and a restarted member supersedes what was said of its past run.
 */
import { peerIdFromString } from '@libp2p/peer-id'

export const MEMBER_STATES = ['alive', 'suspect', 'failed', 'left'] as const

/**
 * - `alive`: answers probes (or was last heard of answering);
 * - `suspect`: a member failed to reach it directly and through others; it is
 *   still asked and expected, and has a bounded time to refute;
 * - `failed`: declared unreachable; named in every search result as not
 *   answering, redialled until it comes back, until it leaves or an
 *   administrator removes it;
 * - `left`: left gracefully or was removed; forgotten (kept as a tombstone
 *   so that stale records do not bring it back).
 */
export type MemberState = typeof MEMBER_STATES[number]

const RANK: Record<MemberState, number> = { alive: 0, suspect: 1, failed: 2, left: 3 }

/** What members tell each other about one member. */
export interface MemberRecord {
  peerId: string
  /** The member's host name as it announces itself (a coordinator's hostname), so that others can name it before any search. */
  name?: string
  /** Dialable multiaddrs, each ending in /p2p/<peer id>. */
  addrs: string[]
  /** Groups in which the member has at least one member. */
  groups: string[]
  incarnation: number
  state: MemberState
  /** For `suspect` and `failed`: the member that suspected or declared (Lifeguard's independent confirmations). */
  by?: string
  /** For `suspect`, `failed` and `left`: why, for humans ("no answer to probes", "connection refused", "left"). */
  reason?: string
}

/** True when `a` is newer information than `b` about the same member. */
export function supersedes (a: Pick<MemberRecord, 'incarnation' | 'state'>, b: Pick<MemberRecord, 'incarnation' | 'state'>): boolean {
  return a.incarnation > b.incarnation || (a.incarnation === b.incarnation && RANK[a.state] > RANK[b.state])
}

/** States in which a member is asked by searches and probed. */
export function isLive (state: MemberState): boolean {
  return state === 'alive' || state === 'suspect'
}

const MAX_ADDRS = 32
const MAX_GROUPS = 4096
const MAX_TEXT = 512
const MAX_NAME = 253

function isPeerId (text: string): boolean {
  try {
    peerIdFromString(text)
    return true
  } catch {
    return false // the answer is the boolean; the parse error itself carries nothing more
  }
}

function isStringArray (v: unknown, max: number): v is string[] {
  return Array.isArray(v) && v.length <= max && v.every(x => typeof x === 'string' && x.length <= MAX_TEXT)
}

/**
 * A record received from another member, checked field by field; `undefined`
 * for anything malformed (a buggy or hostile peer's record is ignored, never
 * fatal, and never half-applied).
 */
export function parseRecord (v: unknown): MemberRecord | undefined {
  if (typeof v !== 'object' || v === null) return undefined
  const r = v as Record<string, unknown>
  const { peerId, name, addrs, groups, incarnation, state, by, reason } = r
  if (typeof peerId !== 'string' || peerId.length > MAX_TEXT || !isPeerId(peerId)) return undefined
  if (name !== undefined && (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME)) return undefined
  if (!isStringArray(addrs, MAX_ADDRS) || !isStringArray(groups, MAX_GROUPS)) return undefined
  if (typeof incarnation !== 'number' || !Number.isSafeInteger(incarnation) || incarnation < 0) return undefined
  if (typeof state !== 'string' || !(MEMBER_STATES as readonly string[]).includes(state)) return undefined
  if (by !== undefined && (typeof by !== 'string' || by.length > MAX_TEXT)) return undefined
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_TEXT)) return undefined
  return {
    peerId, ...(name === undefined ? {} : { name }), addrs, groups, incarnation, state: state as MemberState,
    ...(by === undefined ? {} : { by }),
    ...(reason === undefined ? {} : { reason })
  }
}

/** `parseRecord` over a list, dropping what does not parse; `[]` when `v` is not an array. */
export function parseRecords (v: unknown, max: number): MemberRecord[] {
  if (!Array.isArray(v)) return []
  const out: MemberRecord[] = []
  for (const item of v.slice(0, max)) {
    const r = parseRecord(item)
    if (r !== undefined) out.push(r)
  }
  return out
}
