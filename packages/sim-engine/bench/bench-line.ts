/**
 * A bench figure as one JSON line, `{"bench", "value", "unit", "peer",
 * "ratio"}`, so figures can be compared across commits: `peer` is the same
 * figure measured on the peer (SimGrid) in the same run, or null; `ratio` is
 * ours over the peer's for rates (`higherIsBetter`), the peer's over ours for
 * times, so above 1 is better either way.
 */
export function benchLine (bench: string, value: number, unit: string, peer?: number, higherIsBetter = true): string {
  const ratio = peer === undefined || peer === 0 || value === 0 ? null : Number((higherIsBetter ? value / peer : peer / value).toPrecision(4))
  return JSON.stringify({ bench, value: Number(value.toPrecision(6)), unit, peer: peer === undefined ? null : Number(peer.toPrecision(6)), ratio })
}
