/**
 * Which chunk to ask a holder for next: the rule of a swarm fetch
 * (fetch.ts), on bitmaps.
 *
 * Rarest first: among the chunks this host wants (lacks and is not already
 * fetching) and the holder has, take the one the fewest live sources have;
 * ties go to the first at or after `startAt` (a per-fetch starting point, so
 * hosts fetching the same image at once begin on different chunks and trade
 * them afterwards). A complete holder (a seed) is asked only for chunks that
 * no partial holder has or is fetching now (`elsewhere`): its upload,
 * usually the scarce link, is spent on chunks nobody in the swarm has yet.
 *
 * Bitmaps: bit i of byte i>>3, most significant first; bits past the last
 * chunk are zero. A pick scans a byte (8 chunks) at a time and stops at the
 * first chunk only the holder has, so it stays cheap on images of
 * thousands of chunks.
 */

export interface PickInput {
  chunksTotal: number
  /** Where the tie-break scan starts, in 0..chunksTotal-1. */
  startAt: number
  /** Chunks this host lacks and is not fetching. */
  wanted: Uint8Array
  /** Chunks the asked holder has. */
  holder: Uint8Array
  /** For a complete holder: chunks some other, partial source has or is fetching now. */
  elsewhere?: Uint8Array
  /** How many live sources (the asked holder included) have each chunk. */
  availability: Uint16Array
}

/** The chunk to ask the holder for, or undefined when it has none this host needs now. */
export function pickChunk (input: PickInput): number | undefined {
  const { chunksTotal: total, wanted, holder, elsewhere, availability } = input
  if (total <= 0) return undefined
  const bytes = (total + 7) >> 3
  const start = ((input.startAt % total) + total) % total
  const firstByte = start >> 3
  const headMask = 0xff >> (start & 7)
  let best: number | undefined
  let bestRarity = Infinity
  // bytes firstByte..end (the first from bit start&7), then 0..firstByte (its bits before start&7 last)
  for (let k = 0; k <= bytes; k++) {
    const b = (firstByte + k) % bytes
    let mask = k === 0 ? headMask : k === bytes ? ~headMask & 0xff : 0xff
    if (mask === 0) continue
    mask &= wanted[b]! & holder[b]!
    if (elsewhere !== undefined) mask &= ~elsewhere[b]!
    while (mask !== 0) {
      const bit = Math.clz32(mask) - 24
      mask &= ~(0x80 >> bit)
      const i = (b << 3) + bit
      const rarity = availability[i]!
      if (rarity < bestRarity) {
        bestRarity = rarity
        best = i
        if (rarity <= 1) return best
      }
    }
  }
  return best
}
