/**
 * The running activities that use hosts, for the failures that strike a
 * host: a crash fails the activities that use it, a cut link those that
 * cross its NIC. One intrusive list for the whole engine, in the order the
 * activities started (one that moves with its VM goes to the end): starting
 * and ending an activity link and unlink it, with no allocation and no
 * hashing, while a crash or a cut, which are rare, scan it. Filtering the
 * list by host gives each host's users in the order they came to it.
 */

/** An activity as host failures see it. */
export interface HostUser {
  /** Links of the list (owned by `HostUsers`). */
  prevUser: HostUser | undefined
  nextUser: HostUser | undefined
  listed: boolean
  /** True when a crash of `host` fails it. */
  usesHost (host: object): boolean
  /** True when it crosses the NIC of `host` (a cut link fails it). */
  crossesNic (host: object): boolean
  /** A resource it uses failed: fail with `reason`. */
  resourceFailed (reason: string): void
}

export class HostUsers {
  private head: HostUser | undefined
  private tail: HostUser | undefined
  private count = 0

  /** Running users. */
  get size (): number { return this.count }

  /** Append `u` (no-op when it is listed already). */
  add (u: HostUser): void {
    if (u.listed) return
    u.listed = true
    u.prevUser = this.tail
    u.nextUser = undefined
    if (this.tail === undefined) this.head = u
    else this.tail.nextUser = u
    this.tail = u
    this.count++
  }

  /** Unlink `u` (no-op when it is not listed). */
  remove (u: HostUser): void {
    if (!u.listed) return
    u.listed = false
    const p = u.prevUser
    const n = u.nextUser
    if (p === undefined) this.head = n
    else p.nextUser = n
    if (n === undefined) this.tail = p
    else n.prevUser = p
    u.prevUser = undefined
    u.nextUser = undefined
    this.count--
  }

  /** Move a listed `u` to the end, as if it had just started. */
  moveToEnd (u: HostUser): void {
    if (!u.listed) return
    this.remove(u)
    this.add(u)
  }

  /** The users of `host`, in order. */
  usingHost (host: object): HostUser[] {
    const out: HostUser[] = []
    for (let u = this.head; u !== undefined; u = u.nextUser) if (u.usesHost(host)) out.push(u)
    return out
  }

  /** The users crossing the NIC of `host`, in order. */
  crossingNic (host: object): HostUser[] {
    const out: HostUser[] = []
    for (let u = this.head; u !== undefined; u = u.nextUser) if (u.crossesNic(host)) out.push(u)
    return out
  }
}
