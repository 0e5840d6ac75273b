/**
 * The one life cycle every activity shares (as SimGrid's S4U activities):
 *
 * ```
 *   created ──start()──▶ started ──▶ finished
 *      │                    ├──────▶ failed    (a resource it uses failed)
 *      └──────cancel()──────┴──────▶ canceled
 * ```
 *
 * `wait()` starts a created activity, resolves when it finishes and rejects
 * with `ActivityFailedError` or `ActivityCanceledError`. The promise is made
 * only when someone waits, so an activity nobody awaits never produces an
 * unhandled rejection.
 */
import { ActivityCanceledError, ActivityFailedError, ActivityStateError } from './errors.js'

export type ActivityState = 'created' | 'started' | 'finished' | 'failed' | 'canceled'
export type ActivityKind = 'exec' | 'io' | 'comm' | 'sleep'

export interface Activity {
  readonly id: number
  readonly kind: ActivityKind
  readonly state: ActivityState
  /** Simulated time it started, seconds. */
  readonly startedAtS: number | undefined
  /** Simulated time it finished, failed or was canceled, seconds. */
  readonly finishedAtS: number | undefined
  /** The error it failed or was canceled with. */
  readonly failure: Error | undefined
  /** Flops, bytes or seconds left. */
  remaining (): number
  start (): this
  cancel (): void
  wait (): Promise<void>
  /**
   * Call `callback` synchronously, inside the engine, when the activity
   * finishes, fails or is canceled (at once if it already has). Cheaper than
   * `wait()`: no promise, no turn of the JS event loop.
   */
  onEnd (callback: (activity: Activity) => void): this
}

/** What an activity needs from the engine. */
export interface ActivityHost {
  nowS (): number
  log (kind: string, detail: string): void
  /** True when the event log is kept (details are only formatted then). */
  readonly logging: boolean
  /** A promise someone awaits was settled: let the JS event loop drain before time advances. */
  markResolved (): void
  /** An activity started (wakes a live engine). */
  activityStarted (): void
}

export abstract class ActivityBase implements Activity {
  // Every field is assigned in the constructor, in one order, rather than declared as a class field:
  // V8 runs a class's field definitions as a separate initializer function, one define per field,
  // which a fresh process interprets for each activity until the constructors are optimized.
  protected declare readonly host: ActivityHost
  declare readonly id: number
  declare readonly kind: ActivityKind
  private declare st: ActivityState
  declare startedAtS: number | undefined
  declare finishedAtS: number | undefined
  private declare error: Error | undefined
  /** The promise of `wait()` and its settlers, made on the first wait (no object to hold them). */
  private declare waited: Promise<void> | undefined
  private declare resolveWaited: (() => void) | undefined
  private declare rejectWaited: ((e: Error) => void) | undefined
  /** The first end callback, then the others (most activities have one: no array for it). */
  private declare endCallback: ((a: Activity) => void) | undefined
  private declare moreEndCallbacks: Array<(a: Activity) => void> | undefined

  constructor (host: ActivityHost, id: number, kind: ActivityKind) {
    this.host = host
    this.id = id
    this.kind = kind
    this.st = 'created'
    this.startedAtS = undefined
    this.finishedAtS = undefined
    this.error = undefined
    this.waited = undefined
    this.resolveWaited = undefined
    this.rejectWaited = undefined
    this.endCallback = undefined
    this.moreEndCallbacks = undefined
  }

  /** What it is, for logs: for example `comm from=h1 to=h2 bytes=100`. */
  get detail (): string { return this.describe() }

  /** The detail (formatted only when asked: logs are usually off). */
  protected abstract describe (): string

  get state (): ActivityState { return this.st }

  abstract remaining (): number
  /** Begin the work (state is already `started`). */
  protected abstract onStart (): void
  /** Release every resource (cancel or failure). */
  protected abstract onStop (): void

  start (): this {
    if (this.st !== 'created') throw new ActivityStateError(this.id, 'start', 'created', this.st)
    this.st = 'started'
    this.startedAtS = this.host.nowS()
    if (this.host.logging) this.host.log(`${this.kind}-start`, `#${this.id} ${this.describe()}`)
    this.onStart()
    this.host.activityStarted()
    return this
  }

  cancel (): void {
    if (this.st !== 'created' && this.st !== 'started') return
    if (this.st === 'started') this.onStop()
    this.settle('canceled', new ActivityCanceledError(this.id, this.kind))
  }

  /** @internal a resource failed. */
  fail (reason: string): void {
    if (this.st !== 'started') return
    this.onStop()
    this.settle('failed', new ActivityFailedError(this.id, this.kind, reason), reason)
  }

  wait (): Promise<void> {
    if (this.st === 'created') this.start()
    if (this.st === 'finished') return Promise.resolve()
    if (this.error !== undefined) return Promise.reject(this.error)
    if (this.waited === undefined) {
      this.waited = new Promise<void>((res, rej) => { this.resolveWaited = res; this.rejectWaited = rej })
    }
    return this.waited
  }

  onEnd (callback: (activity: Activity) => void): this {
    if (this.st === 'finished' || this.st === 'failed' || this.st === 'canceled') callback(this)
    else if (this.endCallback === undefined) this.endCallback = callback
    else (this.moreEndCallbacks ??= []).push(callback)
    return this
  }

  /** The error a failed or canceled activity ended with. */
  get failure (): Error | undefined { return this.error }

  /** @internal the work is done. */
  protected complete (): void {
    if (this.st !== 'started') return
    this.settle('finished', undefined)
  }

  private settle (state: ActivityState, error: Error | undefined, reason?: string): void {
    this.st = state
    this.finishedAtS = this.host.nowS()
    this.error = error
    if (this.host.logging) this.host.log(`${this.kind}-${state}`, reason === undefined ? `#${this.id}` : `#${this.id} ${reason}`)
    const first = this.endCallback
    if (first !== undefined) {
      const more = this.moreEndCallbacks
      this.endCallback = undefined
      this.moreEndCallbacks = undefined
      first(this)
      if (more !== undefined) for (const cb of more) cb(this)
    }
    if (this.waited === undefined) return
    this.host.markResolved()
    if (error === undefined) (this.resolveWaited as () => void)()
    else (this.rejectWaited as (e: Error) => void)(error)
  }
}
