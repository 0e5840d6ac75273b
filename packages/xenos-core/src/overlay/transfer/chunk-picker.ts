/**
 * Which chunk to ask a holder for next: the rule of a swarm fetch, kept apart
 * from the transport so that the libp2p fetcher (fetch.ts) and a modeled one
 * (the simulator's, which moves no bytes) decide alike.
 *
 * Rarest first: among the chunks this host lacks, is not already fetching,
 * and the holder has, take the one the fewest live sources have; ties go to
 * the first at or after `startAt` (a per-fetch starting point, so hosts
 * fetching the same image at once begin on different chunks and trade them
 * afterwards). A complete holder (a seed) is asked only for chunks that no
 * partial holder has or is fetching now: its upload, usually the scarce
 * link, is spent on chunks nobody in the swarm has yet.
 */

/** What a fetcher knows of one source (a holder, complete or partial). */
export interface ChunkSource {
  /** The source holds chunk `index`; false while its holdings are unknown. */
  has(index: number): boolean
  /** It holds every chunk. */
  readonly complete: boolean
  /** It is fetching chunk `index` right now (a partial holder's announced "soon"). */
  fetching?(index: number): boolean
}

export interface PickInput {
  chunksTotal: number
  /** Where the tie-break scan starts, in 0..chunksTotal-1. */
  startAt: number
  /** This host holds the chunk already. */
  held(index: number): boolean
  /** This host is fetching the chunk now. */
  inFlight(index: number): boolean
  /** The source asked. */
  holder: ChunkSource
  /** Every live source, `holder` included or not. */
  sources: readonly ChunkSource[]
}

/** The chunk to ask `holder` for, or undefined when it has none this host needs now. */
export function pickChunk (input: PickInput): number | undefined {
  const { chunksTotal: total, holder, sources } = input
  const partials = sources.filter(s => s !== holder && !s.complete)
  let best: number | undefined
  let bestRarity = Infinity
  for (let k = 0; k < total; k++) {
    const i = (input.startAt + k) % total
    if (input.held(i) || input.inFlight(i) || !holder.has(i)) continue
    if (holder.complete && partials.some(o => o.has(i) || o.fetching?.(i) === true)) continue
    let rarity = 0
    for (const o of sources) if (o.has(i)) rarity++
    if (rarity < bestRarity) {
      bestRarity = rarity
      best = i
    }
  }
  return best
}
