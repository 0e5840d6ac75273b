/**
 * The simulation engine: an instance (never a singleton; several can run in
 * one process) holding the virtual clock, the event queue, the seeded random
 * source, the resource model and the platform's hosts.
 *
 * Event order (deterministic): the engine always takes the earliest of (a)
 * the next flow completion of the resource model and (b) the next queued
 * event. At equal times flow completions come first (ordered by flow id, i.e.
 * by creation), then queued events in insertion order (see `EventQueue`).
 * Before time advances past the current instant, the resource model is
 * re-solved (once for all changes made at that instant) and, if any promise
 * someone awaits was settled, the JS event loop is given one macrotask turn
 * (`setImmediate`) so `await`ing code runs and can schedule more work at the
 * current instant. Simulated time never depends on wall-clock time.
 */
import type { Platform } from '../platform/platform.js'
import { ResourceModel } from '../resources/resource-model.js'
import { HostUsers } from '../resources/host-users.js'
import { SimHost } from '../resources/sim-host.js'
import type { SimContext } from '../resources/context.js'
import type { Activity } from '../activities/activity.js'
import { execActivity, type ExecInit } from '../activities/exec.js'
import { ioActivity, type IoInit } from '../activities/io.js'
import { commActivity, type CommInit } from '../activities/comm.js'
import { SleepActivity } from '../activities/sleep.js'
import { EventQueue, type QueuedEvent } from './event-queue.js'
import { Random } from './random.js'
import { simClock, type SimClock } from './sim-clock.js'
import { EngineArgumentError, EngineBusyError, HostNotFoundError } from './errors.js'
import { EngineFaults } from './faults.js'

export interface EngineInit {
  /** Seed of the random source; same seed + same inputs => byte-identical results and log. */
  seed: number
  platform: Platform
  /**
   * Seed of where each host's files lie on its disks (`SimHost.diskPosition`):
   * a property of the cluster's installation, so every run on one cluster
   * shares it while `seed` varies. @default seed
   */
  placementSeed?: number
  /** Keep a deterministic text log of events in `eventLog`. @default false */
  eventLog?: boolean
}

export interface TimerHandle {
  /** Prevent the callback from running (no-op once it ran). */
  cancel (): void
}

export interface EngineStats {
  /** Queued events run. */
  events: number
  /** Flow completions processed. */
  flowCompletions: number
  /** Incremental solves of the max-min system. */
  solves: number
}

/** Relative width of "the same instant" for flow completions (float noise is ~1e-16). */
const COMPLETION_SNAP = 1e-12

/** Resolve on the next turn of the JS event loop (one function for every turn, not a closure each). */
const onNextTurn = (resolve: () => void): void => { setImmediate(resolve) }
const yieldToEventLoop = (): Promise<void> => new Promise(onNextTurn)

export class Engine implements SimContext {
  readonly platform: Platform
  readonly random: Random
  /** The random source of disk placement (see `EngineInit.placementSeed`). */
  readonly placement: Random
  readonly clock: SimClock
  /** @internal the max-min resource model (drivers built on the engine may use it). */
  readonly model = new ResourceModel()
  /** @internal running activities that use hosts (what a crash or a cut link fails). */
  readonly hostUsers = new HostUsers()
  readonly faults: EngineFaults
  private readonly queue = new EventQueue()
  private now = 0
  private readonly logLines: string[] | undefined
  private readonly hostMap = new Map<string, SimHost>()
  private readonly hostList: SimHost[] = []
  private nextActivityId = 1
  private needsDrain = false
  private running = false
  private live = false
  private liveLoop: Promise<void> | undefined
  private readonly holds = new Map<number, string>()
  private instantEnd: Array<() => void> = []
  private nextHoldId = 1
  private wakeUp: (() => void) | undefined
  private eventCount = 0

  constructor (init: EngineInit) {
    if (!Number.isFinite(init.seed)) throw new EngineArgumentError('Engine', 'a finite seed', init.seed)
    this.platform = init.platform
    this.random = new Random(init.seed)
    const placementSeed = init.placementSeed ?? init.seed
    if (!Number.isFinite(placementSeed)) throw new EngineArgumentError('Engine', 'a finite placementSeed', placementSeed)
    this.placement = new Random(placementSeed).fork('disk-placement')
    this.logLines = init.eventLog === true ? [] : undefined
    this.clock = simClock(this)
    this.faults = new EngineFaults(this)
    // Any change to the sharing (a guest resumed, an activity canceled from outside) wakes a live engine.
    this.model.lmm.onDirty = () => this.wake()
    for (const d of init.platform.hosts) {
      const h = new SimHost(this, d)
      this.hostMap.set(h.name, h)
      this.hostList.push(h)
    }
  }

  /** Simulated seconds since the start. */
  nowS (): number { return this.now }

  /** Lines "t=12.345678 kind detail" (empty unless `eventLog` was set). */
  get eventLog (): readonly string[] { return this.logLines ?? [] }

  get stats (): EngineStats {
    return { events: this.eventCount, flowCompletions: this.model.completions, solves: this.model.lmm.stats.solves }
  }

  /** True when the event log is kept. */
  get logging (): boolean { return this.logLines !== undefined }

  /** @internal append to the event log. */
  log (kind: string, detail: string): void {
    if (this.logLines !== undefined) this.logLines.push(`t=${this.now.toFixed(6)} ${kind} ${detail}`)
  }

  /** @internal a promise someone awaits was settled. */
  markResolved (): void { this.needsDrain = true }

  host (name: string): SimHost {
    const h = this.hostMap.get(name)
    if (h === undefined) throw new HostNotFoundError(name, this.hostList.map(x => x.name))
    return h
  }

  hosts (): SimHost[] { return [...this.hostList] }

  /** Run `fn` after `delayS` simulated seconds. */
  schedule (delayS: number, fn: () => void, label?: string): TimerHandle {
    if (!(delayS >= 0) || !Number.isFinite(delayS)) throw new EngineArgumentError('schedule', 'a finite delayS >= 0', delayS)
    const logged = label === undefined || this.logLines === undefined ? fn : () => { this.log('timer', label); fn() }
    const ev: QueuedEvent = this.queue.push(this.now + delayS, logged, label)
    this.wake()
    return ev
  }

  /** @internal run the method `fn` of `self` after `delayS` simulated seconds (no closure). */
  scheduleCall<T> (delayS: number, fn: (this: T) => void, self: T): TimerHandle {
    if (!(delayS >= 0) || !Number.isFinite(delayS)) throw new EngineArgumentError('schedule', 'a finite delayS >= 0', delayS)
    const ev: QueuedEvent = this.queue.push(this.now + delayS, fn, undefined, self)
    this.wake()
    return ev
  }

  // --- activities ---
  // Factories return activities in state `created`: call `start()` (or `wait()`, which starts them).
  /** A computation of `flops` on a host or a guest. */
  exec (init: ExecInit): Activity { return execActivity(this, this.nextActivityId++, init) }
  /** A disk read or write, through the page cache. */
  io (init: IoInit): Activity { return ioActivity(this, this.nextActivityId++, init) }
  /** A transfer between hosts or guests. */
  comm (init: CommInit): Activity { return commActivity(this, this.nextActivityId++, init) }
  /** Simulated time passing. */
  sleep (durationS: number): Activity { return new SleepActivity(this, this.nextActivityId++, durationS) }

  /** @internal an activity started: wake a live engine waiting for work. */
  activityStarted (): void { this.wake() }

  // --- running ---
  /** Run until no event is pending. */
  async run (): Promise<void> { await this.loop(Infinity, false) }

  /** Run every event up to and including time `tS`, then set the clock to `tS`. */
  async runUntil (tS: number): Promise<void> {
    if (!(tS >= this.now)) throw new EngineArgumentError('runUntil', `a time >= now (${this.now})`, tS)
    await this.loop(tS, false)
  }

  /**
   * Hold simulated time: while any hold is active the clock does not advance
   * (events at the current instant still run). Returns the release function
   * (idempotent).
   */
  hold (reason: string): () => void {
    const id = this.nextHoldId++
    this.holds.set(id, reason)
    return () => {
      if (this.holds.delete(id)) this.wake()
    }
  }

  /** Reasons of the active holds. */
  activeHolds (): string[] { return [...this.holds.values()] }

  /**
   * Run `fn` once the current instant's work is done and nothing holds the
   * clock: just before simulated time moves on (or the engine waits for
   * more work). Callbacks run in the order they were given and may start
   * more work at this instant. Work that real-time callers start at one
   * instant, in an order that depends on the machine, can be started here
   * in an order of its own.
   */
  atInstantEnd (fn: () => void): void {
    this.instantEnd.push(fn)
    this.wake()
  }

  /**
   * Live mode: the engine runs in the background, advancing to the next
   * event whenever no hold is active and the JS event loop is idle, and
   * waiting (without spinning) when there is nothing to do.
   */
  startLive (): void {
    if (this.live) return
    if (this.running) throw new EngineBusyError('startLive', 'running')
    this.live = true
    this.liveLoop = this.loop(Infinity, true)
  }

  async stopLive (): Promise<void> {
    if (!this.live) return
    this.live = false
    this.wake()
    await this.liveLoop
    this.liveLoop = undefined
  }

  private wake (): void {
    const w = this.wakeUp
    if (w !== undefined) { this.wakeUp = undefined; w() }
  }

  private sleepUntilWoken (): Promise<void> {
    return new Promise((resolve) => { this.wakeUp = resolve })
  }

  private async loop (untilS: number, live: boolean): Promise<void> {
    if (this.running) throw new EngineBusyError(live ? 'startLive' : 'run', 'running')
    this.running = true
    const model = this.model
    const queue = this.queue
    let drained = false
    try {
      for (;;) {
        if (live && !this.live) break
        const tq = queue.peekTimeS()
        let tm = model.nextCompletionS()
        // Flow completions within float noise of the current instant (same work at the same
        // rates computed in a different order) complete now, so equal things finish together.
        if (tm > this.now && tm <= this.now + (this.now + 1) * COMPLETION_SNAP) tm = this.now
        const t = tm <= tq ? tm : tq
        if (t > this.now) {
          // Re-solve once for every change made at this instant, before time moves on. (Rates do
          // not matter within an instant: what completes now has nothing left at any rate.)
          if (model.dirty) { model.solve(this.now); continue }
          if (!drained && (this.needsDrain || live)) {
            this.needsDrain = false
            drained = true
            await yieldToEventLoop()
            continue
          }
          if (this.instantEnd.length > 0 && this.holds.size === 0) {
            const fns = this.instantEnd
            this.instantEnd = []
            for (const fn of fns) fn()
            this.needsDrain = true
            drained = false
            continue
          }
          if (this.holds.size > 0 || (live && t === Infinity)) {
            await this.sleepUntilWoken()
            drained = false
            continue
          }
          if (t > untilS || t === Infinity) break
          this.now = t
        }
        drained = false
        if (tm <= tq) {
          model.completeNext(this.now)
        } else {
          const ev = queue.pop() as QueuedEvent
          this.eventCount++
          ev.run()
        }
      }
      if (!live && untilS !== Infinity && untilS > this.now) this.now = untilS
    } finally {
      this.running = false
    }
  }
}
