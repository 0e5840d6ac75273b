/**
 * The chunk bitmap of the transfer contract (`ChunkStore.bitmap()`, a
 * `have` answer, a waiting `have`'s wanted chunks): chunk i is bit
 * `0x80 >> (i & 7)` of byte `i >> 3`, most significant bit first. One set of
 * helpers for every store, fetch and service that reads or writes one.
 */

/** Whether chunk `index` is set in `bitmap` (false past its end). */
export function bitmapHas (bitmap: Uint8Array, index: number): boolean {
  return ((bitmap[index >> 3] ?? 0) & (0x80 >> (index & 7))) !== 0
}

/** Set chunk `index` in `bitmap`. */
export function bitmapSet (bitmap: Uint8Array, index: number): void {
  bitmap[index >> 3] = (bitmap[index >> 3] ?? 0) | (0x80 >> (index & 7))
}

/** Clear chunk `index` in `bitmap`. */
export function bitmapClear (bitmap: Uint8Array, index: number): void {
  bitmap[index >> 3] = (bitmap[index >> 3] ?? 0) & ~(0x80 >> (index & 7))
}
