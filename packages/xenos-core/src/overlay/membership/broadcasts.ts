/**
 * The updates a member has to spread (memberlist's transmit-limited queue):
 * one pending record per member (a newer record about a member replaces the
 * older one), each sent in at most `limit()` messages, fewest-sent first.
 * A message that could not be delivered gives its records back.
 */
import type { MemberRecord } from './records.js'

export class BroadcastQueue {
  private readonly items = new Map<string, { record: MemberRecord, transmits: number }>()

  constructor (private readonly limit: () => number) {}

  get size (): number {
    return this.items.size
  }

  add (record: MemberRecord): void {
    this.items.set(record.peerId, { record, transmits: 0 })
  }

  /** Up to `max` records, those sent fewest times first; each counts as sent once more. */
  take (max: number): MemberRecord[] {
    const limit = this.limit()
    const chosen = [...this.items.values()].sort((a, b) => a.transmits - b.transmits).slice(0, max)
    for (const item of chosen) {
      item.transmits++
      if (item.transmits >= limit) this.items.delete(item.record.peerId)
    }
    return chosen.map(i => i.record)
  }

  /** Records of a message that was not delivered: they count as unsent again (unless superseded meanwhile). */
  giveBack (records: MemberRecord[]): void {
    for (const record of records) {
      const item = this.items.get(record.peerId)
      if (item === undefined) this.items.set(record.peerId, { record, transmits: Math.max(0, this.limit() - 1) })
      else if (item.record === record) item.transmits = Math.max(0, item.transmits - 1)
    }
  }

  clear (): void {
    this.items.clear()
  }
}

/**
 * How many messages carry each update: `multiplier * ceil(log10(members + 1))`,
 * memberlist's rule, enough for an epidemic to reach every member with high
 * probability; anti-entropy repairs the rare member it misses.
 */
export function retransmitLimit (multiplier: number, members: number): number {
  return Math.max(1, multiplier * Math.ceil(Math.log10(members + 1)))
}
