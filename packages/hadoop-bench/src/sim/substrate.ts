/**
 * What the simulated Hadoop runs on: places (a native host, or a VM) and
 * activities on them, all in simulated time. `engine-substrate.ts` backs it
 * with the simulation engine, so every duration comes out of the platform's
 * CPUs, disks, page caches and network, shared max-min fairly with
 * everything else that runs there.
 */

/** Where a Hadoop daemon or task runs: a native host, or a virtual machine. */
export interface Place {
  /** Unique within a simulation, e.g. `host03` or `host03/vm-2`. */
  readonly id: string
  /** The physical host this place is on. */
  readonly hostId: string
}

export interface Substrate {
  /** Simulated seconds. */
  nowS(): number
  /** Simulated sleep. */
  sleep(durationS: number): Promise<void>
  /** Seeded uniform random number in [0, 1). */
  random(): number
  /**
   * A seeded standard normal deviate that depends only on the seed and
   * `key` (not on how many numbers were drawn before), so a change of one
   * input does not reshuffle draws made for unrelated things.
   */
  keyedNormal(key: string): number
  /** CPU work on one core of `on`. */
  exec(on: Place, flops: number): Promise<void>
  /** Read `bytes` from `on`'s disk; served from its page cache when `cacheKey` is cached there. */
  read(on: Place, bytes: number, cacheKey?: string): Promise<void>
  /** Write `bytes` to `on`'s disk through its page cache, remembered under `cacheKey`. */
  write(on: Place, bytes: number, cacheKey?: string): Promise<void>
  /** Move `bytes` from one place to another over the network (or the host's own bridge). */
  transfer(from: Place, to: Place, bytes: number): Promise<void>
  /** Read or write `bytes` of `on`'s swap (its disk, bypassing its page cache), `requestBytes` per disk request. */
  swap(on: Place, op: 'read' | 'write', bytes: number, requestBytes?: number): Promise<void>
  /** The memory of the domain `place` is (a guest's, Domain 0's, or a native host's), MiB. */
  memoryMiB(place: Place): number
  /** Set the size of `place`'s page cache (what its processes leave of its memory), bytes. */
  setPageCacheBytes(place: Place, bytes: number): void
  /** False while `place` cannot compute or answer (a paused or migrating VM, a crashed host). */
  isRunning(place: Place): boolean
  /**
   * `sync` on every place: resolves once no page cache holds dirty data
   * (checked each simulated second). Benchmarks run it between their
   * untimed preparation and the timed job, as benchmark scripts do.
   */
  settle(): Promise<void>
}
