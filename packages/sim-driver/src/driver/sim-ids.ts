/**
 * Identities a simulated cluster hands out, drawn from a forked stream of
 * the engine's seeded random source, so that the same seed gives the same
 * uuids and MAC addresses.
 */
import type { Random } from '@xenos/sim-engine'

function hex (n: number, digits: number): string {
  return n.toString(16).padStart(digits, '0')
}

export class SimIds {
  private counter = 0

  constructor (private readonly random: Random) {}

  /** A version-4 style uuid. */
  uuid (): string {
    const w = [0, 1, 2, 3].map(() => this.random.int(2 ** 32))
    const [a = 0, b = 0, c = 0, d = 0] = w
    const s = hex(a, 8) + hex(b, 8) + hex(c, 8) + hex(d, 8)
    const variant = ((parseInt(s[16] ?? '0', 16) & 0x3) | 0x8).toString(16)
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-${variant}${s.slice(17, 20)}-${s.slice(20, 32)}`
  }

  /** A MAC address in Xen's OUI 00:16:3e. */
  mac (): string {
    const n = this.random.int(2 ** 24)
    return `00:16:3e:${hex((n >> 16) & 255, 2)}:${hex((n >> 8) & 255, 2)}:${hex(n & 255, 2)}`
  }

  /** A number never returned before by this cluster. */
  serial (): number { return ++this.counter }
}
