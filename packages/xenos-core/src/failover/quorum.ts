/**
 * Quorum: may this host act (take services over) or must it fence itself
 * (pause its guests)? A host has a quorum when it reaches, itself included,
 * more than half of its former peers: every member its table holds, alive,
 * suspect or failed (failed members stay in the table until they leave or an
 * administrator removes them). Exactly half has a quorum only when it holds
 * the lowest host name of them all (as corosync's `auto_tie_breaker`), so of
 * two halves exactly one acts, and a two-host pair keeps one host acting
 * when the other dies.
 *
 * Pure: the caller says who the former peers are and which of them answer.
 */

export interface QuorumInput {
  /** This host. */
  self: string
  /** Every other member the table holds (not the ones that left). */
  former: readonly string[]
  /** The members of `former` reachable now. */
  reachable: readonly string[]
}

export interface QuorumVerdict {
  quorum: boolean
  /** Members counted, this host included. */
  total: number
  /** Reachable members, this host included. */
  reached: number
}

export function quorum (input: QuorumInput): QuorumVerdict {
  const all = new Set([input.self, ...input.former])
  const reached = new Set([input.self, ...input.reachable.filter(h => all.has(h))])
  const total = all.size
  const n = reached.size
  if (2 * n > total) return { quorum: true, total, reached: n }
  if (2 * n === total) {
    const lowest = [...all].sort()[0]!
    return { quorum: reached.has(lowest), total, reached: n }
  }
  return { quorum: false, total, reached: n }
}
