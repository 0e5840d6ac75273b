/**
 * How long a suspect has to refute before it is declared failed (Lifeguard's
 * "dogpile" timeout): from `maxMs` with no confirmation down to `minMs` once
 * `expected` other members have independently suspected it, logarithmically.
 * So a member is declared failed quickly only when several members fail to
 * reach it, and a lone suspicion (perhaps the suspector's own trouble) waits
 * longest.
 */
export function suspicionTimeoutMs (minMs: number, maxMs: number, expected: number, confirmations: number): number {
  if (expected < 1 || confirmations >= expected) return minMs
  const fraction = Math.log(confirmations + 1) / Math.log(expected + 1)
  return Math.max(minMs, Math.floor(maxMs - fraction * (maxMs - minMs)))
}

/** memberlist's scale: `multiplier * max(1, log10(members)) * probeIntervalMs`. */
export function suspicionMinMs (multiplier: number, members: number, probeIntervalMs: number): number {
  return Math.round(multiplier * Math.max(1, Math.log10(Math.max(1, members))) * probeIntervalMs)
}
