/**
 * Identities a simulated cluster hands out, drawn from a forked stream of
 * the engine's seeded random source, so that the same seed gives the same
 * uuids and MAC addresses.
 */
import type { Random } from '@xenos/sim-engine'

function hex (n: number, digits: number): string {
  return n.toString(16).padStart(digits, '0')
}

/** Two hex digits of each byte. */
const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, b) => hex(b, 2))

/** Eight hex digits of a 32-bit word. */
function word (n: number): string {
  return (BYTE_HEX[n >>> 24] as string) + (BYTE_HEX[(n >>> 16) & 255] as string) + (BYTE_HEX[(n >>> 8) & 255] as string) + (BYTE_HEX[n & 255] as string)
}

export class SimIds {
  private counter = 0

  constructor (private readonly random: Random) {}

  /**
   * A version-4 style uuid: four words drawn in order, written as 32 hex digits with the
   * version nibble 4 over the 13th and the variant bits 10 over the two high bits of the 17th.
   */
  uuid (): string {
    const a = this.random.int(2 ** 32)
    const b = this.random.int(2 ** 32)
    const c = this.random.int(2 ** 32)
    const d = this.random.int(2 ** 32)
    const bs = word(b)
    const cs = word(c)
    const variant = (((c >>> 28) & 0x3) | 0x8).toString(16)
    // Joined, not concatenated: one flat string instead of a tree of pieces (a cluster keeps one per domain).
    return [word(a), bs.slice(0, 4), `4${bs.slice(5, 8)}`, `${variant}${cs.slice(1, 4)}`, cs.slice(4, 8) + word(d)].join('-')
  }

  /** A MAC address in Xen's OUI 00:16:3e. */
  mac (): string {
    const n = this.random.int(2 ** 24)
    return ['00', '16', '3e', BYTE_HEX[(n >> 16) & 255], BYTE_HEX[(n >> 8) & 255], BYTE_HEX[n & 255]].join(':')
  }

  /** A number never returned before by this cluster. */
  serial (): number { return ++this.counter }
}
